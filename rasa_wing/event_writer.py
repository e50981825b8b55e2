"""Scrub and store a conversation's new events, in a helper process of its own (no Rasa imports).

It writes rows straight into Rasa's own events table (the columns of Rasa 3.6.21's `SQLTrackerStore`);
`PrivateSQLTrackerStore` uses it only when the installed Rasa has that table (rasa_wing/compat.py).

Storing a turn (finding what the user gave away, scrubbing every event, JSON, the SQL insert) is
a good part of the Rasa process's work per message (docs/prestanda.md). Rasa handles every
conversation on one event loop, so that work held up all other conversations, while the machine's other core had
little to do. `PrivateSQLTrackerStore` therefore hands each turn's events to one helper process
(`EventWriter`, started with `spawn`: a fresh small interpreter, not a copy of Rasa) and
awaits the answer. The conversation stays locked until its events are stored, and one helper
takes the turns in the order they came, so what is read back is the same as before; only the
work has moved to the other core.

The same functions are used in the Rasa process when the helper is turned off
(`writer_process: false` in endpoints.yml), so both ways store exactly the same rows.
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import pickle
import secrets
import struct
import time
from collections import deque
from multiprocessing.connection import Connection
from typing import Any, Dict, List, Sequence

import sqlalchemy as sa
from sqlalchemy import event, pool

from bot import privacy
from bot.identifiers import Known
from rasa_wing import disk_growth, event_scrub
from rasa_wing.channels.inbound import shorten

logger = logging.getLogger(__name__)
# How multiprocessing.Connection frames a message: its length (4 bytes, big-endian), then the bytes.
_FRAME = struct.Struct("!i")


IDENTIFIERS_TABLE = "stodlotsen_identifiers"


def identifiers_table(metadata: sa.MetaData) -> sa.Table:
    """The keyed hashes of what each conversation gave away (`bot.identifiers`), beside its events: the
    conversation's stored id, the hash, the placeholder it stands for, when it was given (for the purge)."""
    return sa.Table(IDENTIFIERS_TABLE, metadata,
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                    sa.Column("digest", sa.String(64), nullable=False),
                    sa.Column("placeholder", sa.String(32), nullable=False),
                    sa.Column("timestamp", sa.Float, nullable=False, index=True))


def remembered(stored_id: str, new: Dict[str, str], events: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rows of `IDENTIFIERS_TABLE` for the *new* hashes *events* gave away, with the time of the latest event
    (purged with it)."""
    times = [e["timestamp"] for e in events if isinstance(e.get("timestamp"), (int, float))]
    when = max(times) if times else time.time()
    return [{"sender_id": stored_id, "digest": d, "placeholder": p, "timestamp": when} for d, p in new.items()]


def given_away(events: Sequence[Dict[str, Any]]) -> list:
    """What the user gave away in these events (text, metadata, entity values), as (original,
    placeholder): it is also removed where it is repeated, e.g. in a reply or a slot."""
    found: list = []
    for data in events:
        if data.get("event") != "user":
            continue
        entities = (data.get("parse_data") or {}).get("entities") or []
        found += event_scrub.identifiers([data.get("text"), data.get("metadata"),
                                      [x.get("value") for x in entities if isinstance(x, dict)]])
    return found


SESSION_METADATA_SLOT = "session_started_metadata"  # Rasa copies the first message's metadata into this slot


def compact(event: Dict[str, Any]) -> Dict[str, Any]:
    """*event* as it is stored: a user event keeps its text once (Rasa repeats the text and the
    metadata inside parse_data and puts them back when it reads the event), cut to `MAX_CHARS`; the
    metadata is stored once per turn, with the user's message (not again in Rasa's session-start slot)."""
    if event.get("event") == "slot" and event.get("name") == SESSION_METADATA_SLOT and event.get("value") is not None:
        return {**event, "value": None}
    if event.get("event") != "user":
        return event
    event = dict(event)
    text = event.get("text")
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        parse = event["parse_data"] = {k: v for k, v in parse.items()
                                       if not (k == "text" and v == text or k == "metadata" and v == event.get("metadata"))}
    if isinstance(text, str):
        event["text"] = shorten(text)
    return event


def scrubbed(events: Sequence[Dict[str, Any]], known: Known | None = None) -> List[Dict[str, Any]]:
    """*events* (`Event.as_dict()` of each) as they may be stored: compacted, nothing the user gave
    away left. *known*: what the user gave away in the conversation so far, with what *events* give away
    already added (default: only what *events* give away, under a throw-away key)."""
    events = [compact(e) for e in events]
    if known is None:
        known = Known(secrets.token_bytes(32))
        known.add(given_away(events))
    return [event_scrub.scrub_event(data, known) for data in events]


def rows(stored_id: str, events: Sequence[Dict[str, Any]], known: Known | None = None) -> List[Dict[str, Any]]:
    """The database rows for *events* (`Event.as_dict()` of each), scrubbed, under *stored_id*."""
    out = []
    for original, data in zip(events, scrubbed(events, known), strict=True):
        out.append({
            "sender_id": stored_id,
            "type_name": original.get("event"),
            "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data, ensure_ascii=False),  # å, ä, ö as they are, not six bytes each
        })
    return out


def tune_sqlite(engine: sa.engine.Engine) -> sa.engine.Engine:
    """An engine on the same SQLite file that keeps its connections open and commits without
    waiting for the disk (WAL, synchronous=NORMAL): a commit is then a memory write, the database
    stays consistent after a crash, and at worst the last moments are lost on a power cut."""
    tuned = sa.create_engine(engine.url, poolclass=pool.QueuePool, pool_size=5, max_overflow=10,
                             connect_args={"check_same_thread": False})

    @event.listens_for(tuned, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return tuned


class EventWriter:
    """Stores rows in the events table and tells the conversation's last stored event id.

    What a conversation gave away (names, numbers …) is kept beside it as keyed hashes (`bot.identifiers`,
    table `IDENTIFIERS_TABLE`), so that a name written in the first message is also removed when it comes again
    in the tenth, after any number of other conversations and after a restart. Read from the database on every
    write: another Rasa worker's helper may have added some."""

    def __init__(self, engine: sa.engine.Engine, table: str = "events", key: bytes | None = None,
                 growth: disk_growth.DiskGrowth | None = None) -> None:
        self.engine = engine
        self.growth = growth  # where the bytes written are counted (the Rasa process's meter; none in the helper)
        self.key = key or secrets.token_bytes(32)
        # Plain SQL text: SQLAlchemy builds no cache key for it, and it is the same on SQLite and
        # PostgreSQL.
        self._insert = sa.text(f"INSERT INTO {table} (sender_id, type_name, timestamp, intent_name, action_name, data) "
                               "VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)")
        self._last_id = sa.text(f"SELECT max(id) FROM {table} WHERE sender_id = :sender_id")
        identifiers_table(sa.MetaData()).create(engine, checkfirst=True)
        self._known = sa.text(f"SELECT digest, placeholder FROM {IDENTIFIERS_TABLE} WHERE sender_id = :sender_id")
        self._remember = sa.text(f"INSERT INTO {IDENTIFIERS_TABLE} (sender_id, digest, placeholder, timestamp) "
                                 "VALUES (:sender_id, :digest, :placeholder, :timestamp)")

    def last_id(self, stored_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(self._last_id, {"sender_id": stored_id}).scalar()

    def known(self, stored_id: str, conn: Any = None) -> Known:
        """What the conversation gave away so far, as keyed hashes."""
        if conn is None:
            with self.engine.connect() as own:
                return self.known(stored_id, own)
        return Known(self.key, dict(conn.execute(self._known, {"sender_id": stored_id}).fetchall()))

    def write(self, stored_id: str, events: Sequence[Dict[str, Any]]) -> int | None:
        """Scrub and insert *events* in one transaction, with the hashes of what they gave away; the
        conversation's last event id after it."""
        with self.engine.begin() as conn:
            known = self.known(stored_id, conn)
            new = known.add(given_away([compact(e) for e in events]))
            new_rows = rows(stored_id, events, known)
            if new:
                conn.execute(self._remember, remembered(stored_id, new, events))
            if new_rows:
                conn.execute(self._insert, new_rows)
                if self.growth is not None:
                    self.growth.add(sum(len(r["data"]) for r in new_rows))
            return conn.execute(self._last_id, {"sender_id": stored_id}).scalar()


# --- the helper process ----------------------------------------------------------------------------
def serve(conn: Connection, url: str, table: str, key: bytes | None = None) -> None:
    """The helper process: open the database named by *url*, then carry out each request that
    arrives on *conn*, one after the other: ("write", stored id, events) or ("last_id", stored id),
    answering (True, the conversation's last event id) or (False, the error)."""
    engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        engine = tune_sqlite(engine)
    writer = EventWriter(engine, table, key)
    privacy.public_numbers()  # read the catalogue now, not during the first conversation
    operations = {"write": writer.write, "last_id": writer.last_id}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the Rasa process closed its end or is gone
            return
        try:
            answer: tuple = (True, operations[request[0]](*request[1:]))
        except Exception as e:  # noqa: BLE001 - reported to the Rasa process, which raises it
            answer = (False, f"{type(e).__name__}: {e}"[:500])
        conn.send(answer)


class WriterProcess:
    """The Rasa process's end of the helper: `await write(stored_id, events)`.

    Requests go down a pipe as they come (no thread, no pool); the event loop wakes when an
    answer is readable, and answers arrive in the order the requests were sent. If the helper
    dies, the turns it had are reported as failed and the next write starts a new helper.

    Our end of the pipe never blocks: a request is framed as `multiprocessing.Connection` frames
    it (a 4-byte length, then the pickle) and written as far as the pipe takes it; the rest is
    written when the event loop says the pipe has room again. (The event loop makes the pipe
    non-blocking; a large request written in one go used to fail half-way with BlockingIOError.)"""

    def __init__(self, url: str, table: str = "events", key: bytes | None = None) -> None:
        self._url, self._table, self._key = url, table, key
        self._conn: Connection | None = None
        self._process: Any = None
        self._pending: deque = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox = bytearray()
        self._inbox = bytearray()
        self._waiting_for_room = False
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter, not a copy of Rasa
        mine, theirs = ctx.Pipe()
        self._process = ctx.Process(target=serve, args=(theirs, self._url, self._table, self._key), daemon=True,
                                    name="stodlotsen-lagring")
        self._process.start()
        theirs.close()
        os.set_blocking(mine.fileno(), False)
        self._conn, self._loop = mine, None
        self._outbox.clear()
        self._inbox.clear()
        self._waiting_for_room = False

    def _listen_on(self, loop: asyncio.AbstractEventLoop) -> None:
        fd = self._conn.fileno()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
        self._waiting_for_room = False
        loop.add_reader(fd, self._on_answer)
        self._loop = loop

    def _send(self, request: tuple) -> None:
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        if request[0] == "write":
            disk_growth.GROWTH.add(len(data))  # about what the turn adds to the database
        self._outbox += _FRAME.pack(len(data)) + data
        self._flush()

    def _flush(self) -> None:
        """Write what the pipe takes now; wait for room for the rest."""
        if self._conn is None:
            return
        fd = self._conn.fileno()
        try:
            while self._outbox:
                del self._outbox[:os.write(fd, self._outbox)]
        except BlockingIOError:
            if not self._waiting_for_room:
                self._loop.add_writer(fd, self._flush)
                self._waiting_for_room = True
            return
        except OSError:
            self._lost()
            return
        if self._waiting_for_room:
            self._loop.remove_writer(fd)
            self._waiting_for_room = False

    def _on_answer(self) -> None:
        try:
            while True:
                chunk = os.read(self._conn.fileno(), 1 << 16)
                if not chunk:
                    raise EOFError
                self._inbox += chunk
        except BlockingIOError:
            pass
        except (EOFError, OSError):
            self._lost()
            return
        while len(self._inbox) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._inbox)
            if len(self._inbox) < _FRAME.size + size:
                break
            answer = pickle.loads(bytes(self._inbox[_FRAME.size:_FRAME.size + size]))
            del self._inbox[:_FRAME.size + size]
            waiting = self._pending.popleft()
            if not waiting.done():
                waiting.set_result(answer)

    def _lost(self) -> None:
        logger.error("Hjälpprocessen som sparar samtal avslutades oväntat; en ny startas vid nästa meddelande.")
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._conn.fileno())
            self._loop.remove_writer(self._conn.fileno())
        self._conn.close()
        self._conn, self._loop = None, None
        self._outbox.clear()
        self._inbox.clear()
        if self._process is not None:
            self._process.terminate()
            self._process.join(1)
        while self._pending:
            waiting = self._pending.popleft()
            if not waiting.done():
                waiting.set_exception(ConnectionError("hjälpprocessen som sparar samtal avslutades"))

    async def write(self, stored_id: str, events: Sequence[Dict[str, Any]]) -> int | None:
        """Scrub and store *events* in the helper; the conversation's last stored event id."""
        return await self._ask(("write", stored_id, list(events)))

    async def last_id(self, stored_id: str) -> int | None:
        """The conversation's last stored event id (None: nothing stored), after every write
        already sent."""
        return await self._ask(("last_id", stored_id))

    async def _ask(self, request: tuple) -> Any:
        loop = asyncio.get_running_loop()
        if self._conn is None:
            self._start()
        if self._loop is not loop:
            self._listen_on(loop)
        answer = loop.create_future()
        self._pending.append(answer)
        self._send(request)
        ok, value = await answer
        if not ok:
            raise RuntimeError(f"Databasen för samtal svarade med ett fel: {value}")
        return value

    def close(self, timeout: float = 10.0) -> None:
        """Let the helper finish what it was given, then stop it."""
        if self._conn is not None:
            fd = self._conn.fileno()
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(fd)
                self._loop.remove_writer(fd)
            try:
                os.set_blocking(fd, True)
                while self._outbox:
                    del self._outbox[:os.write(fd, self._outbox)]
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
            self._process = None
