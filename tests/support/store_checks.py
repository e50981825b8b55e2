"""Checks shared by the tracker store tests on SQLite and PostgreSQL (rasa_wing.tracker_store)."""
import asyncio
import time

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot import privacy

KEY = "k" * 64
SECRETS = ["19121212-1212", "1912121212", "070-123 45 67", "0701234567", "+46701234567", "kalle.svensson@example.com",
           "Storgatan 12B", "Kalle", "Svensson", "201212121212"]
TEXT = "jag heter Kalle Svensson, 19121212-1212, bor på Storgatan 12B, ring 070-123 45 67 eller kalle.svensson@example.com"

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


def check_conversations_are_counted(store, make_store):
    """The lägesbild's conversation counters: started at a conversation's first message, continued at its
    second, in the week it began; they outlive the purge of the conversations themselves."""
    from collections import Counter

    from bot import count_store, counts

    now, day = time.time(), 86400
    conversation(store, "ended-after-one", timestamp=now)
    conversation(store, "old", timestamp=now - 40 * day)
    for sender, more in (("two", 1), ("three", 2)):
        tracker = conversation(store, sender, timestamp=now)
        for _ in range(more):
            tracker.update(UserUttered("tack", parse_data={"text": "tack", "intent": {"name": "thanks", "confidence": 1.0}},
                                       input_channel="rest"))
            run(store.save(tracker))
    assert store.purge_expired()[1] == 1  # the 40-day-old conversation is gone …
    store.close()  # stores what was counted
    week, old = counts.week_of_timestamp(now), counts.week_of_timestamp(now - 40 * day)
    stored = count_store.Store(count_store.beside(store.engine.url))
    found = stored.read()
    stored.close()
    assert found == Counter({counts.Cell(week, counts.CONVERSATION_STARTED): 3,
                             counts.Cell(week, counts.CONVERSATION_CONTINUED): 2,
                             counts.Cell(old, counts.CONVERSATION_STARTED): 1})  # … its count is not
    off = make_store(statistics_days=0)
    conversation(off, "not-counted")
    off.close()
    again = count_store.Store(count_store.beside(store.engine.url))
    assert again.read() == found
    again.close()
