"""actions/turn.py: Rasa's parse data and slots in, the domain's Turn and State; the outcome out in Rasa's names."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import turn as edge
from bot.conversation import GREET_RESPONSE, MENU_RESPONSE, NO_INTENT, Crisis, Message, Outcome, State, Turn


def test_a_turn_is_read_from_rasas_parse_data():
    turn = edge.turn_of({
        "text": "jag bor i kungälv", "intent": {"name": "inform_municipality", "confidence": 0.8},
        "intent_ranking": [{"name": "inform_municipality", "confidence": 0.8}, {"name": None, "confidence": 0.1},
                           {"name": "greet", "confidence": "much"}],
        "entities": [{"entity": "municipality", "value": "Kungälv"}, {"entity": "other", "value": 3}, "junk"],
        "metadata": {"municipality": "nykoping"},
        "crisis": {"kind": None, "rule": None, "idiom": True, "hint": "unsure_acute"},
    })
    assert turn.text == "jag bor i kungälv" and turn.intent == "inform_municipality"
    assert turn.ranking == (("inform_municipality", 0.8), ("greet", 0.0))
    assert turn.entity_values("municipality") == ["Kungälv"] and turn.entity_values("other") == ["3"]
    assert turn.metadata == {"municipality": "nykoping"}
    assert turn.crisis == Crisis(idiom=True, hint="unsure_acute") and turn.danger_first


def test_rasas_fallback_intent_is_the_domains_no_intent():
    turn = edge.turn_of({"text": "asdf", "intent": {"name": "nlu_fallback", "confidence": 0.3},
                         "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}]})
    assert turn.intent == NO_INTENT and turn.ranking == ((NO_INTENT, 0.3), ("greet", 0.2))


@pytest.mark.parametrize("data", [None, [], {"text": 5, "intent": "greet", "entities": None, "crisis": "x",
                                              "metadata": [1], "intent_ranking": None}])
def test_malformed_parse_data_counts_as_absent(data):
    assert edge.turn_of(data) == Turn()


def test_state_is_the_slots():
    assert edge.state_of({"municipality": "kungalv", "audience": None, "other_slot": 1}) == State(municipality="kungalv")
    after = State(municipality="kungalv", audience="child", last_need="child_bullying", resources=("bris",))
    assert edge.slots_of(after) == {"municipality": "kungalv", "audience": "child", "last_need": "child_bullying",
                                    "resources": ["bris"], "crisis": None, "pending": None}
    # a list slot comes back from Rasa as a list; a slot Rasa never set as None
    assert edge.state_of({"resources": ["bris", 3], "crisis": "suicidal"}) == State(resources=("bris",), crisis="suicidal")


def test_the_outcome_goes_out_in_rasas_names():
    dispatcher = CollectingDispatcher()
    before = State(municipality="kungalv")
    after = State(municipality="kungalv", audience="child", resources=("bris",))
    outcome = Outcome((Message(response=GREET_RESPONSE), Message(text="Ring Bris.", buttons=({"title": "a", "payload": "/b"},)),
                       Message(response=MENU_RESPONSE)), after)
    events = edge.send(dispatcher, outcome, before)
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet", None, "utter_menu"]
    assert dispatcher.messages[1]["text"] == "Ring Bris."
    assert dispatcher.messages[1]["buttons"] == [{"title": "a", "payload": "/b"}]
    assert [(e["name"], e["value"]) for e in events] == [("audience", "child"), ("resources", ["bris"])]
