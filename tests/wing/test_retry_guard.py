"""A message the proxy sends again (the same X-Request-Id) is answered from what was stored, not
handled twice (rasa_wing/retry_guard.py), through Rasa's own MessageProcessor."""
import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import UserUttered

from rasa_wing import retry_guard
from tests.support.rasa_harness import DOMAIN, handle

FIRST, SECOND = "a" * 32, "b" * 32


@pytest.fixture
def guard():
    assert retry_guard.install()
    yield
    retry_guard.uninstall()


def user_events(store, sender="harness"):
    import asyncio

    tracker = asyncio.run(store.retrieve(sender))
    return [e for e in tracker.events if isinstance(e, UserUttered)]


def test_a_message_sent_again_gets_the_stored_reply_and_is_not_handled_twice(guard):
    store = InMemoryTrackerStore(DOMAIN)
    replies = handle(["min pappa slår mig", "min pappa slår mig", "är det gratis?"], tracker_store=store,
                     message_ids=[FIRST, FIRST, SECOND])
    assert replies[0] and replies[1] == replies[0]  # the same answer, from the stored turn
    assert [e.message_id for e in user_events(store)] == [FIRST, SECOND]


def test_without_the_guard_rasa_handles_it_twice():
    store = InMemoryTrackerStore(DOMAIN)
    handle(["min pappa slår mig", "min pappa slår mig"], tracker_store=store, message_ids=[FIRST, FIRST])
    assert len(user_events(store)) == 2


def test_only_the_proxys_ids_count(guard):
    """Rasa's own ids (uuid4 hex, also 32 digits) are new for every message; anything else is ignored."""
    store = InMemoryTrackerStore(DOMAIN)
    handle(["hej", "hej", "hej"], tracker_store=store, message_ids=[None, "x-1", "x-1"])
    assert len(user_events(store)) == 3
    assert retry_guard.proxy_id("A" * 32) is None and retry_guard.proxy_id(FIRST) == FIRST
