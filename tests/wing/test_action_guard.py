"""rasa_wing/action_guard.py: the shape check of action calls (in-process, no server)."""
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rasa_wing import action_guard

GOOD = {
    "next_action": "action_route", "sender_id": "a", "version": "3.6.21", "domain": {},
    "tracker": {"sender_id": "a", "slots": {"municipality": None}, "events": [{"event": "action"}], "paused": False,
                "latest_message": {"text": "hej", "intent": {"name": "greet"}, "entities": [], "metadata": {}},
                "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"},
}


def with_(path, value):
    call = json.loads(json.dumps(GOOD))
    target = call
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    target[last] = value
    return call


def test_a_call_from_rasa_passes():
    assert action_guard.problem(GOOD) is None
    assert action_guard.problem({"next_action": "action_route", "tracker": {"sender_id": "a"}}) is None


@pytest.mark.parametrize("path, value", [
    ("next_action", None), ("next_action", ""), ("next_action", 5), ("version", 3.6), ("domain", []),
    ("tracker", None), ("tracker", []), ("tracker.sender_id", None), ("tracker.sender_id", 1), ("tracker.slots", []),
    ("tracker.events", {}), ("tracker.events", [1]), ("tracker.paused", "no"), ("tracker.latest_message", "hej"),
    ("tracker.latest_message.text", 5), ("tracker.latest_message.intent", "greet"),
    ("tracker.latest_message.intent.name", ["greet"]), ("tracker.latest_message.entities", [None]),
    ("tracker.latest_message.metadata", "kungalv"), ("tracker.followup_action", 1), ("tracker.active_loop", True),
])
def test_a_malformed_call_is_named_in_swedish(path, value):
    error = action_guard.problem(with_(path, value))
    assert error and "hej" not in error


@pytest.mark.parametrize("value", [None, [], "x", 1, True])
def test_the_call_must_be_an_object(value):
    assert action_guard.problem(value) == "anropet måste vara ett JSON-objekt"


def test_parse_handles_deflate_and_garbage():
    assert action_guard.parse(zlib.compress(b'{"a": 1}'), deflated=True) == ({"a": 1}, None)
    for body, deflated in [(b"{", False), (b"\xff", False), (b"not zlib", True), (None, False), (b"[" * 100_000, False)]:
        assert action_guard.parse(body, deflated)[1] == "anropet är inte giltig JSON"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"next_action": st.just("action_route"), "tracker": st.fixed_dictionaries(
    {"sender_id": st.text(max_size=5)},
    optional={"latest_message": st.one_of(JSON, st.fixed_dictionaries({}, optional={
        "text": JSON, "intent": st.one_of(JSON, st.fixed_dictionaries({"name": JSON})), "entities": JSON,
        "metadata": JSON})), "slots": JSON, "events": JSON})}))
def test_anything_the_check_lets_through_gets_an_answer_from_action_route(call):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.route import ActionRoute

    if action_guard.problem(call) is None:
        dispatcher = CollectingDispatcher()
        events = ActionRoute().run(dispatcher, Tracker.from_dict(call["tracker"]), {})
        assert isinstance(events, list) and dispatcher.messages
