"""Conversation locks in Redis for several Rasa instances, on one host or many (`make cluster`).

Rasa's own `RedisLockStore` changes a lock by reading it, changing it in Python and writing it
back. Two instances doing that at the same moment overwrite each other (rasa#9213, #7921; Rasa's
fix, PR #11256, was reverted by #11428): both get ticket 0 and handle two messages of one
conversation at once, or a ticket is dropped, the lock deleted under a waiting message, and that
message fails with a `LockError`. `AtomicRedisLockStore` keeps Rasa's ticket lock (`TicketLock`,
the same JSON) and makes every change of it one compare-and-set (Redis WATCH/MULTI/EXEC, retried
when another instance changed the lock in between), so tickets are unique and none is lost.

Two more differences:

* A ticket lives `ticket_lifetime` seconds (default 6, Rasa's is 60) and the instance that holds
  or waits with it renews it every `ticket_lifetime / 6` seconds while it lives. An instance
  that is killed mid-message stops renewing, so the next message of that conversation, retried
  by the proxy on another instance, waits a few seconds instead of a minute. A waiting message
  looks again every `poll_seconds` (default 0.05; Rasa waits a whole second).
* Redis keys are the conversation's pseudonymous id (`bot.storage.hash_sender`, the tracker store's
  key), never the id a channel sent; the lock's own `conversation_id` is that id too.

Releasing a lock that fails (Redis is down) is logged and ignored: the message was handled, and
the ticket runs out by itself.

endpoints.yml:

    lock_store:
      type: rasa_wing.redis_lock_store.AtomicRedisLockStore
      url: "127.0.0.1"
      port: 6379
      db: 1
      key_file: ".stodlotsen-nyckel"   # STODLOTSEN_HASH_KEY overrides; the same key on every instance
      ticket_lifetime: 6

It relies on Rasa 3.6.21's `LockStore` and `RedisLockStore`; on another Rasa, Rasa's own
`RedisLockStore` is used (one log line, rasa_wing/compat.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot import storage
from rasa_wing import compat
from rasa_wing.lock_store import TARGETS as LOCK_TARGETS

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TICKET_LIFETIME = 6.0
DEFAULT_POLL_SECONDS = 0.05
# What this store relies on besides Rasa's lock store interface, as in Rasa 3.6.21.
TARGETS = LOCK_TARGETS + (
    compat.Target(RedisLockStore, "__init__", ("self", "host", "port", "db", "username", "password", "use_ssl",
                                               "ssl_certfile", "ssl_keyfile", "ssl_ca_certs", "key_prefix",
                                               "socket_timeout")),
    compat.Target(RedisLockStore, "_acquire_lock", ("self", "conversation_id", "ticket", "wait_time_in_seconds")),
    compat.Target(TicketLock, "remove_expired_tickets", ("self",)),
)
# Settings of this store that Rasa's RedisLockStore does not take.
OWN_SETTINGS = ("key_file", "ticket_lifetime", "poll_seconds")


def _settings(endpoint_config: EndpointConfig | None, kwargs: dict) -> dict:
    """Rasa builds a custom lock store as `cls(endpoint_config=…)`; tests pass the settings."""
    if endpoint_config is None:
        return dict(kwargs)
    settings = dict(endpoint_config.kwargs)
    if endpoint_config.url:
        settings["host"] = endpoint_config.url
    return {**settings, **kwargs}


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's ticket locks in Redis, every change atomic, tickets kept alive by their holder."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> RedisLockStore:
        reason = compat.refusal(TARGETS)
        if reason is None:
            return super().__new__(cls)
        compat.refuse("AtomicRedisLockStore (rasa_wing/redis_lock_store.py); Rasas RedisLockStore", reason)
        settings = _settings(endpoint_config, kwargs)
        return RedisLockStore(**{k: v for k, v in settings.items() if k not in OWN_SETTINGS})

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        settings = _settings(endpoint_config, kwargs)
        self._key = storage.load_key(settings.pop("key_file", None))
        self.ticket_lifetime = float(settings.pop("ticket_lifetime", None) or DEFAULT_TICKET_LIFETIME)
        self.poll_seconds = float(settings.pop("poll_seconds", None) or DEFAULT_POLL_SECONDS)
        super().__init__(**settings)

    # --- keys: the pseudonymous id -------------------------------------------------------------
    def stored_id(self, conversation_id: str) -> str:
        return storage.hash_sender(conversation_id, self._key)

    def _redis_key(self, stored_id: str) -> str:
        return self.key_prefix + stored_id

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raw = self.red.get(self._redis_key(self.stored_id(conversation_id)))
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(self._redis_key(self.stored_id(conversation_id)))

    def save_lock(self, lock: TicketLock) -> None:
        """Write *lock* whole (nothing here calls it; Rasa's interface has it). Its id may be either."""
        stored_id = lock.conversation_id
        if not stored_id.startswith(storage.SENDER_PREFIX):
            stored_id = self.stored_id(stored_id)
        self.red.set(self._redis_key(stored_id), TicketLock(stored_id, lock.tickets).dumps(),
                     px=self._key_ttl_ms())

    def _key_ttl_ms(self) -> int:
        # A lock nobody renews disappears from Redis: its tickets have run out by then.
        return int(self.ticket_lifetime * 2000)

    # --- every change of a lock is one compare-and-set ----------------------------------------
    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """Apply *change* to the conversation's lock (a new one when none is stored) and store the
        result atomically: when another instance changed the lock in between, read and try again.
        A lock left without tickets is deleted."""
        stored_id = self.stored_id(conversation_id)
        key = self._redis_key(stored_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else TicketLock(stored_id)
                    result = change(lock)
                    lock.remove_expired_tickets()
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, TicketLock(stored_id, lock.tickets).dumps(), px=self._key_ttl_ms())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as e:  # as Rasa's: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{type(e).__name__}") from e

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: None)  # _change drops the expired tickets

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back (the lock goes when no ticket is left). A failure is only logged:
        the message was handled, and the ticket runs out by itself."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except Exception as e:  # noqa: BLE001 - e.g. Redis is down; the ticket expires
            logger.warning("Låset för ett samtal kunde inte lämnas tillbaka (%s); det går ut av sig självt.",
                           type(e).__name__)

    def renew(self, conversation_id: str, ticket_number: int, lifetime: float) -> bool:
        """Push the ticket's expiry *lifetime* seconds ahead; False when the ticket is gone."""

        def extend(lock: TicketLock) -> bool:
            for ticket in lock.tickets:
                if ticket.number == ticket_number:
                    ticket.expires = time.time() + lifetime
                    return True
            return False

        return self._change(conversation_id, extend)

    async def _keep_alive(self, conversation_id: str, ticket_number: int, lifetime: float) -> None:
        failed = False
        while True:
            await asyncio.sleep(lifetime / 6)
            try:
                if not self.renew(conversation_id, ticket_number, lifetime):
                    return
                failed = False
            except Exception as e:  # noqa: BLE001 - Redis is down: try again; the ticket may run out
                if not failed:
                    logger.warning("Låset för ett samtal kunde inte förnyas (%s).", type(e).__name__)
                failed = True

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or all(t.number != ticket for t in lock.tickets):
                # Our ticket ran out or Redis lost it: never handle the message without the lock.
                raise LockError("Could not acquire lock for a conversation: its ticket is gone.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, with a short ticket kept alive while this instance holds or waits for it."""
        lifetime = min(float(lock_lifetime), self.ticket_lifetime)
        ticket = self.issue_ticket(conversation_id, lifetime)
        keeper = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, self.poll_seconds))
        finally:
            keeper.cancel()
            self.cleanup(conversation_id, ticket)

