"""bot.tracker_store on SQLite: scrubbed events, hashed ids, retention, `python -m bot.purge`.

The same checks run against a real PostgreSQL server in tests/test_tracker_store_postgres.py.
"""
import asyncio
import json
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot import privacy
from bot.tracker_store import PrivateSQLTrackerStore
from tests.conftest import ROOT

KEY = "k" * 64
SECRETS = ["19121212-1212", "1912121212", "070-123 45 67", "0701234567", "+46701234567", "kalle.svensson@example.com",
           "Storgatan 12B", "Kalle", "Svensson", "201212121212"]
TEXT = "jag heter Kalle Svensson, 19121212-1212, bor på Storgatan 12B, ring 070-123 45 67 eller kalle.svensson@example.com"


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    monkeypatch.delenv(privacy.RETENTION_ENV, raising=False)


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def conversation(store, sender: str, timestamp: float | None = None):
    """A tracker with identifying details in text, entities, metadata, a slot and bot text; saved."""
    tracker = store.init_tracker(sender)
    ts = timestamp or time.time()
    parse = {"text": TEXT, "intent": {"name": "child_home_violence", "confidence": 0.9},
             "entities": [{"entity": "municipality", "value": "Kalle Svensson", "start": 10, "end": 24}]}
    events = [
        ActionExecuted("action_session_start", timestamp=ts),
        SessionStarted(timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
        UserUttered(TEXT, parse_data=parse, metadata={"telefon": "+46701234567", "pnr": 201212121212,
                                                      "municipality": "kungalv"}, timestamp=ts),
        SlotSet("municipality", "kungalv", timestamp=ts),
        SlotSet("audience", "ring 070-123 45 67", timestamp=ts),
        BotUttered("Hej Kalle! Ring Bris på 116 111.", timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
    ]
    for e in events:
        tracker.update(e)
    run(store.save(tracker))
    return tracker


def all_stored_text(rows) -> str:
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)


def check_nothing_identifying_is_stored(store, raw_rows):
    conversation(store, "widget-user-4711")
    stored = all_stored_text(raw_rows())
    assert stored, "nothing was stored"
    for secret in SECRETS + ["widget-user-4711"]:
        assert secret not in stored, secret
    assert store.stored_id("widget-user-4711") in stored
    for placeholder in (privacy.NAME, privacy.PERSONNUMMER, privacy.ADDRESS, privacy.PHONE, privacy.EMAIL):
        assert placeholder in stored
    assert "116 111" in stored, "the bot's public support number is kept"


def check_conversation_continues(store, make_store):
    conversation(store, "child-42")
    again = make_store()  # a new store on the same database: what Rasa sees after a restart
    tracker = run(again.retrieve("child-42"))
    assert tracker is not None and tracker.sender_id == "child-42"
    assert tracker.get_slot("municipality") == "kungalv"
    assert tracker.latest_message.text.startswith("jag heter [namn]")
    # the next turn is appended, not duplicated
    before = len(tracker.events)
    tracker.update(UserUttered("tack", parse_data={"text": "tack", "intent": {"name": "thanks", "confidence": 1.0}}))
    run(again.save(tracker))
    assert len(run(again.retrieve("child-42")).events) == before + 1
    assert run(again.retrieve("someone-else")) is None
    assert list(run(again.keys())) == [store.stored_id("child-42")]
    again.close()


def check_retention(store, make_store):
    day = 86400
    conversation(store, "old-1", timestamp=time.time() - 31 * day)
    conversation(store, "old-2", timestamp=time.time() - 45 * day)
    conversation(store, "recent", timestamp=time.time() - 29 * day)
    events, conversations = store.purge_expired()
    assert conversations == 2 and events == 16
    assert run(store.retrieve("old-1")) is None and run(store.retrieve("old-2")) is None
    assert run(store.retrieve("recent")).get_slot("municipality") == "kungalv"
    assert store.purge_expired() == (0, 0), "nothing left to purge"
    # with a one-day retention the 29-day-old conversation goes too, at start-up
    short = make_store(retention_days=1)
    assert short.last_purge[1] == 1
    assert run(short.retrieve("recent")) is None
    short.close()


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


def test_wrong_retention_setting_stops_the_start(domain, tmp_path):
    with pytest.raises(ValueError, match="minst 1 dag"):
        PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "x.db"), retention_days=0)


def test_make_purge_reads_endpoints(domain, tmp_path, monkeypatch, capsys):
    from bot import purge

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
    assert senders == {privacy.hash_sender("new", KEY.encode())}

    endpoints.write_text('tracker_store:\n  type: SQL\n  dialect: "sqlite"\n', encoding="utf-8")
    assert purge.main(["--endpoints", str(endpoints)]) == 2
    assert "måste ha type" in capsys.readouterr().err
