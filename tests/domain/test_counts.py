"""bot.counts and bot.count_store: after scripted conversations the stored counters are exactly what was
sent, and the database holds nothing but weeks, categories and numbers."""
import datetime as dt
import sqlite3
from collections import Counter

import pytest

from bot import conversation, count_store, counts
from bot.conversation import NO_INTENT, Crisis, State, Turn, respond
from bot.counts import Cell
from tests.conftest import at

MONDAY_TEN = at("2026-11-23 10:00")
WEEK = "2026-W48"


@pytest.fixture
def store(tmp_path):
    s = count_store.Store(f"sqlite:///{tmp_path / 'stodlotsen-statistik.db'}")
    yield s
    s.close()


@pytest.fixture
def recorder(store):
    """The hook registered as the action server registers it, at a fixed week."""
    r = counts.Recorder(store, interval=3600)
    hook = counts.observer(r, clock=lambda: MONDAY_TEN)
    conversation.REPLIED.append(hook)
    yield r
    conversation.REPLIED.remove(hook)


def talk(cat, turns, channel="rest"):
    """A conversation: each (text, intent, crisis kind) in turn, the state carried on as the slots carry it."""
    state, outcomes = State(), []
    for text, intent, kind in turns:
        turn = Turn(text=text, intent=intent, confidence=0.95, ranking=((intent, 0.95),) if intent else (),
                    crisis=Crisis(kind=kind), channel=channel)
        outcome = respond(cat, turn, state, MONDAY_TEN)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def test_scripted_conversations_are_counted_exactly(shipped, recorder, store):
    bullied = talk(shipped, [("jag blir mobbad i skolan", "child_bullying", None),
                             ("är det anonymt?", "ask_followup", None)])
    crisis = talk(shipped, [("jag vill inte leva längre", "suicidal", "suicidal"),
                            ("jag vill dö", "suicidal", "suicidal"),
                            ("tack hej", "goodbye", None)], channel="facebook")
    unclear = talk(shipped, [("blörp fnask", NO_INTENT, None)])
    gap = talk(shipped, [("pappa slår mig, jag bor i söderhamn", "child_home_violence", None)])
    assert "local:barn_unga_stod" in gap[0].state.resources  # Söderhamn has no support of its own for this
    assert bullied[1].messages and crisis[0].need == "suicidal" and unclear[0].need is None
    recorder.flush()

    def reply(**categories):
        return Cell(WEEK, counts.REPLY, channel="rest", language="sv", **categories)

    expected = Counter({
        reply(need="child_bullying", reader="child"): 1,
        reply(reader="child", questions="anonymity"): 1,
        Cell(WEEK, counts.REPLY, channel="facebook", language="sv", need="suicidal", reader="child", crisis="suicidal"): 2,
        Cell(WEEK, counts.CRISIS_CONVERSATION, crisis="suicidal", reader="child"): 1,  # the conversation, once
        Cell(WEEK, counts.REPLY, channel="facebook", language="sv", reader="child"): 1,  # the goodbye
        reply(): 1,
        Cell(WEEK, counts.NOT_UNDERSTOOD, channel="rest", language="sv"): 1,
        reply(municipality="soderhamn", need="child_home_violence", reader="child"): 1,
        Cell(WEEK, counts.NO_LOCAL_RESOURCE, municipality="soderhamn", need="child_home_violence",
             service="barn_unga_stod"): 1,
    })
    assert store.read() == expected
    assert sum(n for c, n in store.read().items() if c.kind == counts.REPLY) == 7  # one per reply sent


def test_counts_add_up_across_flushes_and_processes(store):
    a, b = counts.Recorder(store), counts.Recorder(count_store.Store(store.url))
    cell = Cell(WEEK, counts.REPLY, need="child_bullying")
    a.add([cell, cell])
    b.add([cell])
    assert a.flush() and b.flush() and a.flush()
    assert store.read() == Counter({cell: 3})


def test_a_failing_store_keeps_the_counts_for_the_next_try(store, caplog):
    class Broken:
        def add(self, found):
            raise OSError("disk full")

    r = counts.Recorder(Broken())
    r.add([Cell(WEEK, counts.REPLY)])
    assert r.flush() is False and r.flush() is False
    assert caplog.text.count("kunde inte sparas (OSError)") == 1
    r.store = store
    assert r.flush() and store.read() == Counter({Cell(WEEK, counts.REPLY): 1})


def test_a_hook_that_fails_never_changes_the_reply(shipped, caplog):
    def broken(*_args):
        raise RuntimeError("jag heter Kalle")

    turn = Turn(text="jag blir mobbad", intent="child_bullying", confidence=0.9)
    plain = respond(shipped, turn, State(), MONDAY_TEN)
    conversation.REPLIED.append(broken)
    try:
        assert respond(shipped, turn, State(), MONDAY_TEN) == plain
    finally:
        conversation.REPLIED.remove(broken)
    assert "RuntimeError" in caplog.text and "Kalle" not in caplog.text


def test_the_database_holds_no_text_no_sender_and_nothing_finer_than_a_week(shipped, recorder, store, tmp_path):
    talk(shipped, [("jag heter Kalle Svensson och min pappa slår mig, ring 070-123 45 67", "child_home_violence", None)])
    recorder.flush()
    db = sqlite3.connect(tmp_path / "stodlotsen-statistik.db")
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["lagesbild"]
    columns = [row[1] for row in db.execute("PRAGMA table_info(lagesbild)")]
    assert columns == ["week", "kind", "municipality", "need", "reader", "channel", "language", "crisis", "questions",
                       "service", "n"]
    rows = db.execute("SELECT * FROM lagesbild").fetchall()
    dump = repr(rows)
    for secret in ("Kalle", "Svensson", "070", "pappa", "slår"):
        assert secret not in dump
    assert all(row[0] == WEEK for row in rows)  # no date, no time
    # Without row ids, the order in which counters appeared is not kept either.
    assert "WITHOUT ROWID" in db.execute("SELECT sql FROM sqlite_master WHERE name='lagesbild'").fetchone()[0]


def test_first_and_second_message_of_a_session_count_conversations():
    monday = dt.datetime(2026, 11, 23, 23, 50, tzinfo=counts.STOCKHOLM).timestamp()
    first = counts.session_cells([(monday, "rest")], 1)
    assert first == [Cell(WEEK, counts.CONVERSATION_STARTED, channel="rest")]
    # The second message a week later (after midnight on Sunday) still counts in the week the conversation began.
    second = counts.session_cells([(monday, "rest"), (monday + 7 * 86400, "rest")], 1)
    assert second == [Cell(WEEK, counts.CONVERSATION_CONTINUED, channel="rest")]
    assert counts.session_cells([(monday, "rest")] * 3, 1) == []
    assert len(counts.session_cells([(monday, "rest")] * 2, 2)) == 2


def test_old_counts_are_purged_after_the_chosen_time(store):
    store.days = 730
    store.add(Counter({Cell("2024-W01", counts.REPLY): 4, Cell("2026-W40", counts.REPLY): 2}))
    assert store.purge(today=dt.date(2026, 11, 23)) == 1
    assert store.read() == Counter({Cell("2026-W40", counts.REPLY): 2})


def test_where_the_counts_are_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(count_store.DAYS_ENV, raising=False)
    assert str(count_store.beside("sqlite:///var/lib/stodlotsen/stodlotsen.db")) == \
        "sqlite:///var/lib/stodlotsen/stodlotsen-statistik.db"
    pg = "postgresql://stodlotsen:hemligt@127.0.0.1:5432/stodlotsen"
    assert count_store.beside(pg).render_as_string(hide_password=False) == pg  # beside: the same database
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('tracker_store:\n  dialect: "postgresql"\n  host: "db"\n  port: 5433\n  db: "stod"\n'
                         '  username: "u"\n  password: "${TEST_DB_PASSWORD}"\n  statistics_days: 365\n', encoding="utf-8")
    monkeypatch.setenv("TEST_DB_PASSWORD", "p4ss")
    url, days = count_store.locate(endpoints)
    assert url.render_as_string(hide_password=False) == "postgresql://u:p4ss@db:5433/stod" and days == 365
    monkeypatch.setenv(count_store.DAYS_ENV, "0")
    assert count_store.locate(endpoints)[1] == 0  # counting off
    monkeypatch.delenv(count_store.DAYS_ENV)
    with pytest.raises(ValueError, match="heltal"):
        count_store.statistics_days("två år")


@pytest.mark.parametrize("text,language", [
    ("jag blir mobbad i skolan och ingen vill vara med mig", "sv"),
    ("min son har börjat umgås med äldre killar", "sv"),
    ("My dad hits me when he is drunk and I am scared to go home", "en"),
    ("Wiilkeyga ayaa la dagaalamaya carruurta kale dugsiga, maxaan sameeyaa", "so"),
    ("Isäni lyö minua kun hän on humalassa enkä uskalla mennä kotiin", "fi"),
    ("أبي يضربني عندما يشرب", "ar"),
    ("hej", "sv"),
])
def test_the_language_counted(text, language):
    assert counts.language_of(text) == language


def test_the_counters_find_a_postgresql_tracker_store_as_rasa_is_configured(tmp_path):
    """Rasa takes the database server from `url` (docs/drift.md, deploy/endpoints-kluster.yml)."""
    from bot import count_store

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('tracker_store:\n  dialect: "postgresql"\n  url: "10.0.0.20"\n  port: 5432\n'
                         '  db: "stodlotsen"\n  username: "stodlotsen"\n', encoding="utf-8")
    url, _ = count_store.locate(endpoints)
    assert (url.host, url.port, url.database) == ("10.0.0.20", 5432, "stodlotsen")
