"""rasa_wing.tracker_store on SQLite: scrubbed events, hashed ids, retention, `python -m rasa_wing.purge`.

The same checks run against a real PostgreSQL server in tests/postgres/test_tracker_store.py.
"""
import json
import logging
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain

from bot import storage
from rasa_wing import tracker_store as store_module
from rasa_wing.tracker_store import PrivateSQLTrackerStore
from tests.conftest import ROOT
from tests.support.store_checks import (
    KEY,
    check_conversation_continues,
    check_conversations_are_counted,
    check_nothing_identifying_is_stored,
    check_retention,
    conversation,
    run,
)


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(storage.KEY_ENV, KEY)
    monkeypatch.delenv(storage.RETENTION_ENV, raising=False)


# --- SQLite ---------------------------------------------------------------------------------------
@pytest.fixture
def sqlite_store(domain, tmp_path):
    db = tmp_path / "test.db"

    def make(**kwargs):
        return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db), **kwargs)

    def raw_rows():
        with sqlite3.connect(db) as conn:
            tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return [row for t in tables for row in conn.execute(f"SELECT * FROM {t}")]

    store = make()
    yield store, make, raw_rows
    store.close()


def test_sqlite_stores_nothing_identifying(sqlite_store):
    store, _, raw_rows = sqlite_store
    check_nothing_identifying_is_stored(store, raw_rows)
    # the stored JSON is still a valid event
    data = [json.loads(r[-1]) for r in raw_rows() if r[2] == "user"]
    assert data[0]["text"].startswith("jag heter [namn], [personnummer]")
    assert data[0]["metadata"]["municipality"] == "kungalv"


def test_sqlite_conversation_continues_after_restart(sqlite_store):
    store, make, _ = sqlite_store
    check_conversation_continues(store, make)


def test_sqlite_retention(sqlite_store):
    store, make, _ = sqlite_store
    check_retention(store, make)


def test_sqlite_conversations_are_counted_beside_the_store(sqlite_store, tmp_path):
    store, make, _ = sqlite_store
    check_conversations_are_counted(store, make)
    assert (tmp_path / "test-statistik.db").is_file()


def test_wrong_retention_setting_stops_the_start(domain, tmp_path):
    with pytest.raises(ValueError, match="minst 1 dag"):
        PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "x.db"), retention_days=0)


def test_make_purge_reads_endpoints(domain, tmp_path, monkeypatch, capsys):
    from rasa_wing import purge

    db = tmp_path / "purge.db"
    store = PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
    conversation(store, "old", timestamp=time.time() - 40 * 86400)
    conversation(store, "new")
    store.close()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: {purge.STORE_TYPE}\n  dialect: "sqlite"\n  db: "{db}"\n'
                         "  retention_days: 30\n", encoding="utf-8")
    assert purge.main(["--endpoints", str(endpoints)]) == 0
    assert "1 samtal (8 händelser)" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        senders = {s for (s,) in conn.execute("SELECT DISTINCT sender_id FROM events")}
    assert senders == {storage.hash_sender("new", KEY.encode())}

    endpoints.write_text('tracker_store:\n  type: SQL\n  dialect: "sqlite"\n', encoding="utf-8")
    assert purge.main(["--endpoints", str(endpoints)]) == 2
    assert "måste ha type" in capsys.readouterr().err


def test_the_running_store_purges_periodically(sqlite_store, monkeypatch):
    store, _, raw_rows = sqlite_store
    assert store._purger.is_alive() and store._purger.daemon
    conversation(store, "old", timestamp=time.time() - 40 * 86400)  # arrives after the start-up purge
    assert raw_rows()
    waits = iter([False, True])  # one interval passes, then the store is closed
    monkeypatch.setattr(store._stop, "wait", lambda timeout: next(waits))
    store._purge_loop(3600)
    assert raw_rows() == []


# --- recently used conversations kept in memory -------------------------------------------------
def _cache_store(tmp_path, **kw):
    from rasa.shared.core.domain import Domain

    from rasa_wing.tracker_store import PrivateSQLTrackerStore

    domain = Domain.from_yaml("slots:\n  municipality:\n    type: text\n    mappings:\n    - type: custom\n")
    return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "c.db"),
                                  key_file=str(tmp_path / "k"), **kw)


def _turn(tracker, text):
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(BotUttered("Hej!"))
    tracker.update(ActionExecuted("action_listen"))


def test_saved_conversation_comes_back_from_memory_and_matches_the_database(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _cache_store(tmp_path)
    tracker = DialogueStateTracker("kalle", store.domain.slots)
    _turn(tracker, "hej")
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("kalle"))
    assert again is tracker  # from memory: no rebuild
    _turn(again, "hallå igen")
    asyncio.run(store.save(again))
    store._recent.clear()
    rebuilt = asyncio.run(store.retrieve("kalle"))  # from the database
    assert rebuilt is not tracker
    assert [e.type_name for e in rebuilt.events] == [e.type_name for e in tracker.events]
    assert rebuilt.latest_message.text == "hallå igen"


def test_memory_copy_is_not_used_when_another_process_stored_events(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    mine, other = _cache_store(tmp_path), _cache_store(tmp_path)  # two workers, one database
    tracker = DialogueStateTracker("lisa", mine.domain.slots)
    _turn(tracker, "hej")
    asyncio.run(mine.save(tracker))
    theirs = asyncio.run(other.retrieve("lisa"))
    _turn(theirs, "det andra meddelandet")
    asyncio.run(other.save(theirs))
    got = asyncio.run(mine.retrieve("lisa"))
    assert got is not tracker
    assert got.latest_message.text == "det andra meddelandet"


def test_a_lent_tracker_is_not_returned_twice_and_the_cache_is_bounded(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _cache_store(tmp_path, cache_conversations=2)
    trackers = {}
    for name in ("a", "b", "c"):
        trackers[name] = DialogueStateTracker(name, store.domain.slots)
        _turn(trackers[name], "hej")
        asyncio.run(store.save(trackers[name]))
    assert len(store._recent) == 2
    assert asyncio.run(store.retrieve("a")) is not trackers["a"]  # evicted: rebuilt from the database
    first = asyncio.run(store.retrieve("c"))
    assert first is trackers["c"]
    assert asyncio.run(store.retrieve("c")) is not first  # lent out until saved again


def _rows(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as conn:
        return conn.execute("SELECT type_name FROM events ORDER BY id").fetchall()


def test_each_event_is_stored_once_whichever_way_the_tracker_came(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _cache_store(tmp_path)
    assert asyncio.run(store.retrieve("nils")) is None  # nothing stored: a new conversation
    tracker = DialogueStateTracker("nils", store.domain.slots)
    _turn(tracker, "hej")
    asyncio.run(store.save(tracker))
    assert len(_rows(tmp_path)) == 3
    _turn(tracker, "igen")  # the same object, saved again: only the new turn is written
    asyncio.run(store.save(tracker))
    assert len(_rows(tmp_path)) == 6
    store._recent.clear()
    rebuilt = asyncio.run(store.retrieve("nils"))  # from the database: all six are known as stored
    _turn(rebuilt, "tredje")
    asyncio.run(store.save(rebuilt))
    assert len(_rows(tmp_path)) == 9
    # a tracker this store never handed out (as Rasa's API may build one): stored events are counted
    stranger = DialogueStateTracker.from_events("nils", list(rebuilt.events), store.domain.slots)
    _turn(stranger, "fjärde")
    asyncio.run(store.save(stranger))
    assert len(_rows(tmp_path)) == 12
    assert [t for (t,) in _rows(tmp_path)] == [e.type_name for e in stranger.events]


# --- Rasa versions -------------------------------------------------------------------------------------
def test_rasa_rebuilds_a_conversation_through_the_hashed_query(tmp_path, monkeypatch):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    from tests.support.rasa_harness import spy_on

    assert store_module.fast_path_refusal() is None  # the tested Rasa: the fast path is used
    store = _cache_store(tmp_path, cache_conversations=0)
    tracker = DialogueStateTracker("olle", store.domain.slots)
    _turn(tracker, "hej")
    asyncio.run(store.save(tracker))
    query = spy_on(monkeypatch, PrivateSQLTrackerStore, "_event_query")
    rebuilt = asyncio.run(store.retrieve("olle"))
    assert rebuilt.latest_message.text == "hej" and rebuilt.sender_id == "olle"
    assert query.calls > 0, "Rasa no longer asks _event_query: conversations would be looked up unhashed"
    store.close()


def test_a_changed_events_table_turns_the_fast_path_off(monkeypatch):
    monkeypatch.setattr(store_module, "EVENT_COLUMNS", ("id", "sender_id", "data"))
    assert "Rasas tabell events har kolumnerna (id, sender_id, type_name" in store_module.fast_path_refusal()


@pytest.fixture
def untested_rasa_stores(domain, tmp_path, monkeypatch):
    """Stores on a Rasa they were not written for (Rasa's own SQL, still scrubbed and hashed): a
    function giving (store, make, raw_rows) on a database of its own."""
    from rasa_wing import compat

    monkeypatch.setattr(compat, "installed_version", lambda package: "3.7.0")
    made = []

    def fresh(name):
        db = tmp_path / f"{name}.db"

        def make(**kwargs):
            made.append(PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db), **kwargs))
            return made[-1]

        def raw_rows():
            with sqlite3.connect(db) as conn:
                return list(conn.execute("SELECT * FROM events"))

        return make(), make, raw_rows

    yield fresh
    for store in made:
        store.close()


def test_on_an_untested_rasa_rasas_own_sql_stores_nothing_identifying(untested_rasa_stores, monkeypatch, caplog):
    from rasa.core.tracker_store import SQLTrackerStore

    from rasa_wing import event_writer
    from tests.support.rasa_harness import spy_on

    caplog.set_level(logging.WARNING, logger="rasa_wing")
    store, make, raw_rows = untested_rasa_stores("private")
    assert not store._fast and store._helper is None
    (line,) = caplog.records  # one line, when the store was made
    assert "Lagringens snabbväg" in line.getMessage() and "3.7.0" in line.getMessage()
    ours, rasas = spy_on(monkeypatch, event_writer.EventWriter, "write"), spy_on(monkeypatch, SQLTrackerStore, "save")
    check_nothing_identifying_is_stored(store, raw_rows)
    store, make, _ = untested_rasa_stores("continues")
    check_conversation_continues(store, make)
    store, make, _ = untested_rasa_stores("retention")
    check_retention(store, make)
    assert ours.calls == 0 and rasas.calls > 0


@pytest.fixture
def failing_store(sqlite_store, monkeypatch):
    """Rasa's FailSafeTrackerStore around our store, whose database does not answer."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    store = sqlite_store[0]

    async def down(*_args):
        raise ConnectionError("databasen svarar inte")

    monkeypatch.setattr(store, "retrieve", down)
    monkeypatch.setattr(store, "save", down)
    return FailSafeTrackerStore(store)


def test_rasa_alone_would_go_on_with_an_empty_conversation(failing_store):
    assert run(failing_store.retrieve("barn-1")) is None  # a new conversation: the crisis line forgotten


def test_a_database_that_does_not_answer_fails_the_message_instead(failing_store):
    """…so the channel sends the safe static reply and the stored conversation goes on later."""
    assert store_module.fail_loudly()
    try:
        with pytest.raises(ConnectionError):
            run(failing_store.retrieve("barn-1"))
        with pytest.raises(ConnectionError):
            run(failing_store.save(failing_store.init_tracker("barn-1")))
    finally:
        store_module.rasas_fallback()
