"""A conversation lock store shared by several Rasa worker processes on one machine.

Rasa runs more than one Sanic worker only with a lock store that every worker sees
(`SANIC_WORKERS` > 1 is refused with the in-memory one), so that two messages of the
same conversation are never processed at the same time by two workers. Rasa ships a
Redis lock store; this one keeps the ticket locks in a small SQLite file instead, so a
single server needs no Redis. Tickets are issued inside an immediate (write-locked)
transaction, so two workers can never get the same ticket.

Configured in endpoints.yml:

    lock_store:
      type: rasa_wing.lock_store.SQLiteLockStore
      db: locks.db

It implements Rasa 3.6.21's `LockStore` interface. On another Rasa version Rasa's own in-memory
lock store is used instead (one log line, rasa_wing/compat.py); with several worker processes
(`SANIC_WORKERS` > 1) that would not keep them apart, so Rasa then does not start.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_wing import compat

logger = logging.getLogger(__name__)

DEFAULT_DB = "locks.db"
# Rasa's lock store interface as in Rasa 3.6.21: what this store implements and what it calls.
TARGETS = (
    compat.Target(LockStore, "get_lock", ("self", "conversation_id")),
    compat.Target(LockStore, "delete_lock", ("self", "conversation_id")),
    compat.Target(LockStore, "save_lock", ("self", "lock")),
    compat.Target(LockStore, "issue_ticket", ("self", "conversation_id", "lock_lifetime")),
    compat.Target(LockStore, "get_or_create_lock", ("self", "conversation_id")),
    compat.Target(LockStore, "lock", ("self", "conversation_id", "lock_lifetime", "wait_time_in_seconds")),
    compat.Target(TicketLock, "from_dict", ("data",)),
    compat.Target(TicketLock, "dumps", ("self",)),
)


def _workers() -> int:
    try:
        return int(os.environ.get("SANIC_WORKERS", "1"))
    except ValueError:
        return 1  # Rasa uses one worker then


class SQLiteLockStore(LockStore):
    """Ticket locks in a SQLite file, safe across processes on the same host."""

    def __new__(cls, *args: object, **kwargs: object) -> LockStore:
        reason = compat.refusal(TARGETS)
        if reason is None:
            return super().__new__(cls)
        if _workers() > 1:
            raise LockError(f"SQLiteLockStore kan inte användas: {reason}. Kör med en process (SANIC_WORKERS=1) "
                            "eller med Rasas RedisLockStore.")
        compat.refuse("SQLiteLockStore (rasa_wing/lock_store.py); låsen hålls i minnet", reason)
        return InMemoryLockStore()

    def __init__(self, endpoint_config: EndpointConfig | None = None, db: str | None = None) -> None:
        # Rasa builds custom lock stores as `cls(endpoint_config=...)`.
        if db is None:
            db = (endpoint_config.kwargs.get("db") if endpoint_config else None) or DEFAULT_DB
        self.db = os.path.abspath(db)
        self._local = threading.local()
        with self._connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)")
        super().__init__()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.db, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # locks are short-lived; losing them on a crash is harmless
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = self._connection().execute(
            "SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return TicketLock.from_dict(_loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        self._connection().execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))

    def save_lock(self, lock: TicketLock) -> None:
        self._connection().execute(
            "INSERT INTO locks (conversation_id, lock) VALUES (?, ?) "
            "ON CONFLICT(conversation_id) DO UPDATE SET lock = excluded.lock",
            (lock.conversation_id, lock.dumps()))

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                lock = self.get_or_create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self.save_lock(lock)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return ticket
        except sqlite3.Error as e:
            raise LockError(f"Could not issue ticket for a conversation: {e}") from e


def _loads(text: str) -> dict:
    import json

    return json.loads(text)
