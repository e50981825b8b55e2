"""Rasa glue: an SQL tracker store that keeps nothing identifying (SQLite or PostgreSQL).

- Every event is scrubbed (`rasa_wing.event_scrub.scrub_event`) before it is written: user text, parse
  data, entities, metadata, slot values and bot text. The scrubbing and the writing happen in a
  helper process (`rasa_wing/event_writer.py`), so they do not hold up Rasa's other conversations;
  `writer_process: false` does them in the Rasa process instead (the same rows either way).
- The conversation id is stored as a keyed hash (`bot.storage.hash_sender`); the tracker Rasa
  gets back carries the original id in memory only.
- Events older than `retention_days` (default 30, env `STODLOTSEN_RETENTION_DAYS`) are deleted
  at start-up and then every `retention_check_minutes` (default 60) while the bot runs, and by
  `make purge` (`python -m rasa_wing.purge`). On PostgreSQL, shared by several Rasa instances
  (`make cluster`), one instance purges at a time (a transaction-level advisory lock); the others skip.
- PostgreSQL connections are checked before use (`pool_pre_ping`), so a restarted database server
  costs the messages sent while it was down, not the first ones after it is back; the index on
  the events' conversation id, which Rasa does not add to a table made by an older Rasa, is made
  when missing.
- The lägesbild's conversation counters (`bot.counts.session_cells`: a conversation's first and second
  user message, by the week it began) are added to the counters' database beside this one
  (`bot.count_store.beside`), kept `statistics_days` (default 730; 0 = no counting) – longer than the
  conversations, and nothing per conversation.

endpoints.yml:

    tracker_store:
      type: rasa_wing.tracker_store.PrivateSQLTrackerStore
      dialect: "sqlite"          # or "postgresql" with host, port, username, password
      db: "stodlotsen.db"
      retention_days: 30
      key_file: ".stodlotsen-nyckel"   # used when STODLOTSEN_HASH_KEY is not set
      cache_conversations: 1000        # recently saved conversations kept in memory (never written), 0 = off
      writer_process: true             # scrub and store events in a helper process (rasa_wing/event_writer.py)
      statistics_days: 730             # the lägesbild's counts (bot/count_store.py), 0 = none
      max_growth_mb_per_hour: 200      # over it new conversations get the static reply (rasa_wing/disk_growth.py)

When the database does not answer, Rasa's `FailSafeTrackerStore` (which Rasa wraps around every
tracker store) would go on with an empty conversation in memory: the person's earlier turns, the
crisis line included, forgotten, and the turn never stored. `fail_loudly()` (installed by
`rasa_wing.serve`) lets the error through for this store instead, so the channel answers with the
safe static reply (112 and Bris) and the conversation is taken up where it was once the database is back.

The fast path (its own SQL on Rasa's events table, the helper process, the memory of recent
conversations, the SQLite tuning) relies on private members of Rasa 3.6.21's `SQLTrackerStore`.
On another Rasa it is left out (one log line, rasa_wing/compat.py): events are then scrubbed
and stored under the hashed id through `SQLTrackerStore`'s own `save` and `retrieve`.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, List

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import orm

from bot import count_store, counts, storage
from rasa_wing import compat, disk_growth, event_writer

logger = logging.getLogger(__name__)

DAY = 86400.0
# The PostgreSQL advisory lock one purge holds (any number, the same in every instance).
PURGE_LOCK = 0x5374_6F64_6C6F_7473 % (1 << 63)
# Attribute on a tracker this store handed out or saved: how many of its events are stored.
_STORED = "_stodlotsen_stored_events"
# What the fast path overrides or relies on, as in Rasa 3.6.21, and the events table it writes to.
TARGETS = (
    compat.Target(SQLTrackerStore, "_event_query", ("self", "session", "sender_id", "fetch_events_from_all_sessions")),
    compat.Target(SQLTrackerStore, "_additional_events", ("self", "session", "tracker")),
    compat.Target(SQLTrackerStore, "session_scope", ("self",)),
    compat.Target(SQLTrackerStore, "retrieve", ("self", "sender_id")),
    compat.Target(TrackerStore, "stream_events", ("self", "tracker")),
    compat.Target(SQLTrackerStore, "SQLEvent", kind=type),
)
EVENT_COLUMNS = ("id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def fast_path_refusal() -> str | None:
    """Why the fast path may not be used with the installed Rasa; None when it may."""
    reason = compat.refusal(TARGETS)
    if reason is None:
        columns = tuple(c.name for c in SQLTrackerStore.SQLEvent.__table__.columns)
        if columns != EVENT_COLUMNS:
            reason = f"Rasas tabell events har kolumnerna ({', '.join(columns)})"
    return reason


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that scrubs events, hashes conversation ids and forgets old events."""

    def __init__(
        self,
        domain=None,
        retention_days: Any = None,
        retention_check_minutes: Any = 60,
        key_file: str | None = None,
        cache_conversations: Any = 1000,
        writer_process: Any = True,
        statistics_days: Any = None,
        max_growth_mb_per_hour: Any = None,
        **kwargs: Dict[str, Any],
    ) -> None:
        # Settings first: a wrong value stops the start with a Swedish message.
        self.retention_days = storage.retention_days(retention_days)
        days = count_store.statistics_days(statistics_days)
        disk_growth.GROWTH.configure(disk_growth.cap_mb(max_growth_mb_per_hour))
        self._key = storage.load_key(key_file)
        super().__init__(domain=domain, **kwargs)
        reason = fast_path_refusal()
        self._fast = reason is None
        if reason:
            compat.refuse("Lagringens snabbväg (rasa_wing/tracker_store.py)", reason)
        if self._fast and self.engine.dialect.name == "sqlite":
            self._tune_sqlite()
        if self.engine.dialect.name == "postgresql":
            self._ping_before_use()
        self._ensure_sender_index()
        table = self.SQLEvent.__table__
        self._writer = event_writer.EventWriter(self.engine, table.name, self._key, disk_growth.GROWTH)
        self._identifiers = event_writer.identifiers_table(sa.MetaData())
        self._helper: event_writer.WriterProcess | None = None
        if self._fast and str(writer_process).lower() not in ("false", "no", "0", "off", "none"):
            self._helper = event_writer.WriterProcess(self.engine.url.render_as_string(hide_password=False), table.name,
                                                      self._key)
        # Recently saved conversations, kept in memory (never written anywhere) so the next message
        # need not rebuild the tracker from all its stored events. stored id -> (last event id, tracker)
        self._recent: OrderedDict[str, tuple[int, DialogueStateTracker]] = OrderedDict()
        self.cache_conversations = int(cache_conversations or 0)
        self._counts: counts.Recorder | None = None
        if days:
            store = count_store.Store(count_store.beside(self.engine.url), days)
            self._counts = counts.Recorder(store, interval=counts.flush_seconds()).start()
        self.last_purge = self.purge_expired()
        interval = float(retention_check_minutes or 60) * 60
        self._stop = threading.Event()
        self._purger = threading.Thread(target=self._purge_loop, args=(interval,), name="stodlotsen-gallring",
                                        daemon=True)
        self._purger.start()

    def _tune_sqlite(self) -> None:
        """Keep SQLite connections open and commit without waiting for the disk.

        SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool), and the
        default rollback journal waits for fsync on every commit. Both block Rasa's event
        loop once per message. With a connection pool, WAL and synchronous=NORMAL a commit is
        a memory write; the database stays consistent after a crash, and at worst the last
        moments of conversations are lost on a power cut.
        """
        self.engine.dispose()
        self.engine = event_writer.tune_sqlite(self.engine)
        self.sessionmaker = orm.sessionmaker(bind=self.engine)

    def _ping_before_use(self) -> None:
        """Check each PostgreSQL connection before it is used: after the server restarted, a stale
        connection is replaced instead of failing a message."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = orm.sessionmaker(bind=self.engine)

    def _ensure_sender_index(self) -> None:
        """The index on the conversation id that every look-up needs. Rasa declares it, but a table
        made by an older Rasa lacks it and Rasa never adds it. Several instances may start at once."""
        table = self.SQLEvent.__table__
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS ix_{table.name}_sender_id ON {table.name} (sender_id)"))
        except sa.exc.SQLAlchemyError as e:  # made by another instance at the same moment
            logger.info("Indexet på samtals-id skapades inte här (%s).", type(e).__name__)

    # --- pseudonymous ids --------------------------------------------------------------------
    def stored_id(self, sender_id: str) -> str:
        """The id under which *sender_id*'s events are stored."""
        return storage.hash_sender(sender_id, self._key)

    def _event_query(self, session, sender_id: str, fetch_events_from_all_sessions: bool):
        # On the fast path every lookup by conversation id (retrieve, count of stored events) comes
        # here with the original id; otherwise this store asks with the hashed id itself.
        if self._fast:
            sender_id = self.stored_id(sender_id)
        return super()._event_query(session, sender_id, fetch_events_from_all_sessions)

    # --- the database, through the helper process when there is one ---------------------------
    async def _last_event_id(self, stored_id: str) -> int | None:
        """The conversation's last stored event id, None when nothing is stored. The helper answers
        after every write it was given before."""
        if self._helper is not None:
            return await self._helper.last_id(stored_id)
        return self._writer.last_id(stored_id)

    async def _write(self, stored_id: str, events: List[dict]) -> int | None:
        if self._helper is not None:  # both count what they store in disk_growth.GROWTH
            return await self._helper.write(stored_id, events)
        return self._writer.write(stored_id, events)

    # --- recently used conversations ---------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's tracker: None when nothing is stored for it; from memory when it was
        saved here and nothing was stored for it since (one indexed query checks both, so another
        worker's writes are never missed); else rebuilt from the database as Rasa does."""
        stored_id = self.stored_id(sender_id)
        if not self._fast:  # Rasa's own query, under the hashed id
            tracker = await super().retrieve(stored_id)
            if tracker is not None:
                tracker.sender_id = sender_id
            return tracker
        entry = self._recent.pop(stored_id, None)  # lent out: a failed turn never leaves a half-updated copy here
        last_id = await self._last_event_id(stored_id)
        if last_id is None:
            return None  # a new conversation: nothing to rebuild
        if entry is not None and entry[0] == last_id:
            return entry[1]
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            # Rasa rebuilds the latest session: every event of it is stored.
            setattr(tracker, _STORED, len(tracker.events))
        return tracker

    def _remember(self, stored_id: str, last_id: int | None, tracker: DialogueStateTracker) -> None:
        if self.cache_conversations <= 0 or last_id is None:
            return
        self._recent[stored_id] = (last_id, tracker)
        self._recent.move_to_end(stored_id)
        while len(self._recent) > self.cache_conversations:
            self._recent.popitem(last=False)

    # --- scrubbed storage --------------------------------------------------------------------
    def _new_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """The tracker's events that are not stored yet. A tracker this store handed out knows how
        many of its events are stored; any other is counted in the database, as Rasa does."""
        stored = getattr(tracker, _STORED, None)
        if stored is None:
            if self._writer.last_id(self.stored_id(tracker.sender_id)) is None:
                return list(tracker.events)  # a new conversation: nothing is stored yet
            with self.session_scope() as session:
                return list(self._additional_events(session, tracker))
        return list(itertools.islice(tracker.events, stored, None))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, scrubbed (rasa_wing/event_writer.py), under the hashed id."""
        if not self._fast:  # Rasa's own save, of a scrubbed copy under the hashed id
            stored_id = self.stored_id(tracker.sender_id)
            with self.engine.begin() as conn:  # the hashes of what the conversation gave away, as on the fast path
                known = self._writer.known(stored_id, conn)
                found = event_writer.given_away([event_writer.compact(e.as_dict()) for e in tracker.events])
                new = known.add(found)
                if new:
                    conn.execute(self._identifiers.insert(),
                                 event_writer.remembered(stored_id, new, [e.as_dict() for e in tracker.events]))
            events = event_writer.scrubbed([e.as_dict() for e in tracker.events], known)
            await super().save(DialogueStateTracker.from_dict(self.stored_id(tracker.sender_id), events,
                                                              self.domain.slots))
            return
        await self.stream_events(tracker)
        stored_id = self.stored_id(tracker.sender_id)
        new_events = [e.as_dict() for e in self._new_events(tracker)]
        self._count_conversations(tracker, sum(1 for e in new_events if e.get("event") == "user"))
        stored = len(tracker.events)
        last_id = await self._write(stored_id, new_events)
        setattr(tracker, _STORED, stored)
        self._remember(stored_id, last_id, tracker)

    def _count_conversations(self, tracker: DialogueStateTracker, new: int) -> None:
        """The lägesbild's conversation counters for the *new* user messages of the tracker's session: its
        messages are read back to the session's start, at most until none of the new ones can be its first
        or second (nothing is kept per conversation)."""
        if self._counts is None or not new:
            return
        session = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                session.append((event.timestamp, event.input_channel))
                if len(session) > new + 2:
                    return  # a conversation well under way: nothing to count
            elif isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME:
                break
        self._counts.add(counts.session_cells(session[::-1], new))

    # --- retention ---------------------------------------------------------------------------
    def purge_expired(self, now: float | None = None) -> tuple[int, int]:
        """Delete events older than the retention time, and the hashes of what was given away then. Returns
        (events, conversations) deleted; a conversation counts when none of its events is left."""
        cutoff = (time.time() if now is None else now) - self.retention_days * DAY
        table = self.SQLEvent.__table__
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql" and not conn.execute(
                    sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PURGE_LOCK}).scalar():
                logger.info("Gallringen görs just nu av en annan instans.")
                return 0, 0
            conn.execute(sa.delete(self._identifiers).where(self._identifiers.c.timestamp < cutoff))
            old = sa.select(table.c.sender_id).where(table.c.timestamp < cutoff).distinct()
            touched = {row[0] for row in conn.execute(old)}
            deleted = conn.execute(sa.delete(table).where(table.c.timestamp < cutoff)).rowcount or 0
            if touched:
                left = sa.select(table.c.sender_id).where(table.c.sender_id.in_(touched)).distinct()
                touched -= {row[0] for row in conn.execute(left)}
            if touched:  # a conversation that is gone takes the hashes of what it gave away along
                conn.execute(sa.delete(self._identifiers).where(self._identifiers.c.sender_id.in_(touched)))
        if deleted:
            self._recent.clear()  # cached trackers may hold the deleted events
            logger.info("Gallring: %d händelser i %d samtal äldre än %d dagar raderades.",
                        deleted, len(touched), self.retention_days)
        return deleted, len(touched)

    def _purge_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.purge_expired()
            except Exception as e:  # noqa: BLE001 - a failed purge is retried at the next interval
                logger.error("Gallringen misslyckades (%s); nytt försök om %d minuter.", type(e).__name__,
                             int(interval // 60))

    def close(self) -> None:
        """Stop the purge thread and the helper process (after what it was given is stored) and
        release the database connections."""
        self._stop.set()
        if self._helper is not None:
            self._helper.close()
            self._helper = None
        if self._counts is not None:
            self._counts.stop()
            self._counts.store.close()
            self._counts = None
        self.engine.dispose()


# --- no silent fallback to an empty conversation in memory ------------------------------------------
FAIL_SAFE_TARGETS = (
    compat.Target(FailSafeTrackerStore, "on_tracker_store_error", ("self", "error")),
    compat.Target(FailSafeTrackerStore, "on_tracker_store_retrieve_error", ("self", "error")),
)
_fail_safe_originals: dict = {}


def fail_loudly() -> bool:
    """Let a failure of `PrivateSQLTrackerStore` through Rasa's `FailSafeTrackerStore` (see the module
    docstring); False when it stays out (another Rasa: one log line)."""
    if _fail_safe_originals:
        return True
    reason = compat.untested_version("rasa") or next((p for p in (t.problem() for t in FAIL_SAFE_TARGETS) if p), None)
    if reason:
        compat.refuse("Felsvar i stället för ett tomt samtal när databasen inte svarar", reason)
        return False
    for target in FAIL_SAFE_TARGETS:
        original = getattr(FailSafeTrackerStore, target.name)
        _fail_safe_originals[target.name] = original

        def raise_ours(self: FailSafeTrackerStore, error: Exception, _original=original) -> None:
            if isinstance(getattr(self, "_tracker_store", None), PrivateSQLTrackerStore):
                logger.error("Databasen för samtal svarar inte (%s): meddelandet får det inbyggda nödsvaret.",
                             type(error).__name__)
                raise error
            _original(self, error)

        setattr(FailSafeTrackerStore, target.name, raise_ours)
    return True


def rasas_fallback() -> None:
    """Put Rasa's own error handling back (tests)."""
    for name, original in _fail_safe_originals.items():
        setattr(FailSafeTrackerStore, name, original)
    _fail_safe_originals.clear()
