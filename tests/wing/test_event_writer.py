"""rasa_wing.event_writer: the helper process that scrubs and stores a conversation's events.

The tracker store's own checks (tests/wing/test_tracker_store.py, tests/postgres/test_tracker_store.py)
run through the helper, the default; here: the helper on its own, what happens when it dies,
and that the helper and the Rasa process store exactly the same rows."""
import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import storage
from rasa_wing import event_writer
from rasa_wing.tracker_store import PrivateSQLTrackerStore
from tests.conftest import ROOT
from tests.support.store_checks import KEY, SECRETS, TEXT, conversation

TABLE = ("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255), type_name VARCHAR(255), "
         "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
USER = {"event": "user", "timestamp": 1.0, "text": TEXT, "metadata": {},
        "parse_data": {"text": TEXT, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}}
BOT = {"event": "bot", "timestamp": 2.0, "text": "Hej Kalle! Ring Bris på 116 111.", "data": {}}
LISTEN = {"event": "action", "timestamp": 3.0, "name": "action_listen", "policy": "BoundedRulePolicy", "confidence": 1.0}


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(storage.KEY_ENV, KEY)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as conn:
        conn.execute(TABLE)
    return path


def _stored(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id").fetchall()


def test_the_helper_stores_scrubbed_rows_in_order_and_tells_the_last_id(db):
    helper = event_writer.WriterProcess(f"sqlite:///{db}")

    async def turns():
        assert await helper.last_id("anon-a") is None
        # sent together: answered in the order they were sent
        ids = await asyncio.gather(helper.write("anon-a", [USER, BOT]), helper.write("anon-b", [USER]),
                                   helper.write("anon-a", [LISTEN]))
        return ids, await helper.last_id("anon-a"), await helper.last_id("anon-b")

    try:
        ids, last_a, last_b = asyncio.run(turns())
    finally:
        helper.close()
    assert ids == [2, 3, 4] and (last_a, last_b) == (4, 3)
    rows = _stored(db)
    assert [(r[0], r[1]) for r in rows] == [("anon-a", "user"), ("anon-a", "bot"), ("anon-b", "user"), ("anon-a", "action")]
    assert rows[0][2] == "greet" and rows[3][3] == "action_listen"
    stored = " ".join(r[4] for r in rows)
    for secret in SECRETS:
        assert secret not in stored, secret
    assert "116 111" in stored
    # the name the user gave is removed from the bot's reply too
    assert "Hej [namn]!" in rows[1][4]


def test_a_database_error_in_the_helper_is_raised_in_rasa(tmp_path):
    helper = event_writer.WriterProcess(f"sqlite:///{tmp_path / 'no-table.db'}")
    try:
        with pytest.raises(RuntimeError, match="OperationalError"):
            asyncio.run(helper.write("anon-a", [USER]))
    finally:
        helper.close()


def test_a_helper_that_dies_fails_its_turn_and_a_new_one_takes_the_next(db):
    helper = event_writer.WriterProcess(f"sqlite:///{db}")
    try:
        assert asyncio.run(helper.write("anon-a", [LISTEN])) == 1
        helper._process.kill()
        helper._process.join(10)
        with pytest.raises(ConnectionError):
            asyncio.run(helper.write("anon-a", [LISTEN]))
        assert asyncio.run(helper.write("anon-a", [LISTEN])) == 2  # a new helper
    finally:
        helper.close()
    assert len(_stored(db)) == 2


def _store(tmp_path, name, **kwargs):
    domain = Domain.load(str(ROOT / "domain.yml"))
    return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / name), **kwargs)


def test_the_helper_and_the_rasa_process_store_the_same_rows(tmp_path):
    stores = {"helper": _store(tmp_path, "helper.db"), "inline": _store(tmp_path, "inline.db", writer_process=False)}
    assert stores["helper"]._helper is not None and stores["inline"]._helper is None
    for store in stores.values():
        conversation(store, "widget-user-4711", timestamp=1_700_000_000.0)
        store.close()
    via_helper, inline = _stored(tmp_path / "helper.db"), _stored(tmp_path / "inline.db")
    assert len(via_helper) == 8
    assert via_helper == inline  # same hashed ids, names, scrubbed JSON


def test_a_conversation_comes_back_after_the_helper_is_replaced(tmp_path):
    store = _store(tmp_path, "r.db")
    try:
        tracker = conversation(store, "child-7")
        store._helper._process.kill()
        store._helper._process.join(10)
        with pytest.raises(ConnectionError):
            asyncio.run(store.retrieve("child-7"))
        again = asyncio.run(store.retrieve("child-7"))
        assert again is not tracker  # the memory copy was lent out to the failed turn: rebuilt
        assert again.get_slot("municipality") == "kungalv"
        assert isinstance(again, DialogueStateTracker)
    finally:
        store.close()



def test_a_large_request_under_uvloop_is_stored_and_the_helper_lives_on(db):
    """uvloop (Sanic's loop) makes the pipe non-blocking: a request larger than the pipe's buffer
    used to fail half-way with BlockingIOError, taken for a dead helper."""
    import uvloop

    helper = event_writer.WriterProcess(f"sqlite:///{db}")
    big = dict(USER, metadata={"blob": "ab " * 700_000})  # about 2 MB

    async def turns():
        first = await helper.write("anon-a", [LISTEN])
        pid = helper._process.pid
        ids = await asyncio.gather(helper.write("anon-a", [big]), helper.write("anon-b", [LISTEN]))
        return first, pid, ids

    try:
        first, pid, ids = uvloop.run(turns())
        assert helper._process.pid == pid, "the helper was restarted"
    finally:
        helper.close()
    assert (first, ids) == (1, [2, 3])
    assert len(_stored(db)) == 3


def test_a_name_given_in_one_turn_is_removed_in_every_later_turn(db):
    helper = event_writer.WriterProcess(f"sqlite:///{db}")
    first = dict(USER, text="hej jag heter Kevin Lindqvist", parse_data={"text": "hej jag heter Kevin Lindqvist"})
    later = dict(USER, text="Kevin är ledsen, ring Lindqvist på 070-123 45 67",
                 parse_data={"text": "Kevin är ledsen, ring Lindqvist på 070-123 45 67"})
    reply = dict(BOT, text="Hej Kevin! Ring Bris på 116 111.")

    async def turns():
        await helper.write("anon-a", [first])
        await helper.write("anon-b", [dict(USER, text="Kevin", parse_data={"text": "Kevin"})])  # another conversation
        for events in ([LISTEN], [later], [reply]):
            await helper.write("anon-a", events)

    try:
        asyncio.run(turns())
    finally:
        helper.close()
    rows = _stored(db)
    stored_a = " ".join(r[4] for r in rows if r[0] == "anon-a")
    assert "Kevin" not in stored_a and "Lindqvist" not in stored_a and "070-123" not in stored_a
    assert "[namn] är ledsen" in stored_a and "Hej [namn]!" in stored_a
    assert "Kevin" in " ".join(r[4] for r in rows if r[0] == "anon-b"), "a name is only removed in its conversation"


def test_the_users_text_and_metadata_are_stored_once_and_the_text_capped(db):
    long = "jag mår dåligt " * 2000
    event = dict(USER, text=long, metadata={"kommun": "kungalv"},
                 parse_data={"text": long, "metadata": {"kommun": "kungalv"}, "intent": {"name": "greet"}})
    data = event_writer.rows("anon-a", [event])[0]["data"]
    assert data.count("kungalv") == 1 and data.count("jag m") <= 5000 / len("jag mår dåligt ") + 2
    assert len(data) < 7000
    again = UserUttered._from_parameters(json.loads(data))
    assert again.parse_data["text"] == again.text and again.parse_data["metadata"] == {"kommun": "kungalv"}


# --- issue 27: what a conversation gave away is kept as keyed hashes beside it -----------------------------------

def _user(text, t):
    return {"event": "user", "timestamp": t, "text": text, "metadata": {},
            "parse_data": {"text": text, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}}


def test_identifiers_survive_other_conversations_and_a_restart(db):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db}")
    key = KEY.encode()
    first = event_writer.EventWriter(engine, key=key)
    first.write("anon-a", [_user("jag heter Sixten Lindqvist, ring 070-555 12 34", 1.0)])
    for i in range(50):  # other conversations in between: nothing is held in memory that they could push out
        first.write(f"anon-{i}", [_user("hej", 2.0)])
    again = event_writer.EventWriter(engine, key=key)  # a restart: a new writer on the same database
    again.write("anon-a", [_user("Sixten slog mig. Sixtens pappa har 70 555 12 34 och +46705551234", 3.0),
                           {"event": "bot", "timestamp": 4.0, "text": "Hej Sixten!", "data": {}}])
    stored = " ".join(row[-1] for row in _stored(db))
    for secret in ("Sixten", "Lindqvist", "555 12 34", "5551234"):
        assert secret not in stored, secret
    assert "[namn] slog mig. [namn] pappa har [telefon] och [telefon]" in stored
    assert '"text": "Hej [namn]!"' in stored
    with sqlite3.connect(db) as conn:
        kept = conn.execute(f"SELECT sender_id, digest, placeholder FROM {event_writer.IDENTIFIERS_TABLE}").fetchall()
    assert kept and {s for s, _, _ in kept} == {"anon-a"}
    assert all(len(d) == 32 and "Sixten" not in d for _, d, _ in kept)
    # another key (another deployment, a changed key) finds nothing again
    other = event_writer.EventWriter(engine, key=b"another key that is long enough")
    other.write("anon-a", [_user("Sixten igen", 5.0)])
    assert "Sixten igen" in " ".join(row[-1] for row in _stored(db))
