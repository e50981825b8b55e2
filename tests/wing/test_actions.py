"""action_route with tracker fixtures (tests/fixtures/trackers/*.json), as in RasaHQ's financial-demo."""
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.route import ActionRoute
from bot import lines
from tests.conftest import FIXTURES

DOMAIN: dict = {}


def run(name):
    state = json.loads((FIXTURES / "trackers" / f"{name}.json").read_text(encoding="utf-8"))
    dispatcher = CollectingDispatcher()
    events = ActionRoute().run(dispatcher, Tracker.from_dict(state), DOMAIN)
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    # the slots after the action: what the tracker had, with what the action changed
    slots = {**state["slots"], **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
    return dispatcher.messages, text, slots


def contacts_of_other_municipalities(cat, municipality_id):
    return [v for r in cat.resources if r.municipality and r.municipality != municipality_id
            for v in (r.phone, r.eservice, r.chat, r.web) if v]


def test_child_bullying_names_bris_with_number(shipped):
    messages, text, slots = run("child_bullying")
    assert "116 111" in text
    assert slots["last_need"] == "child_bullying"
    assert slots["municipality"] is None


def test_municipality_from_channel_metadata_is_used_and_remembered(shipped):
    messages, text, slots = run("parent_own_child_kungalv")
    assert slots["municipality"] == "kungalv" and slots["audience"] == "guardian"
    assert "077-150 50 50" in text
    for other in contacts_of_other_municipalities(shipped, "kungalv"):
        assert other not in text


def test_telling_the_municipality_re_answers_the_last_need_locally(shipped):
    messages, text, slots = run("inform_municipality_after_need")
    assert slots["municipality"] == "nykoping"
    assert "Nyköping" in text and "077-150 50 50" in text
    for other in contacts_of_other_municipalities(shipped, "nykoping"):
        assert other not in text


def test_unknown_municipality_is_said_plainly(shipped):
    messages, text, slots = run("inform_unknown_municipality")
    assert slots["municipality"] is None
    assert "Gävle" in text and "hela Sverige" in text
    assert messages[-1]["response"] == "utter_menu"


def test_professional_is_told_about_the_duty_to_report(shipped):
    messages, text, slots = run("professional")
    assert slots["audience"] == "professional"
    assert "orosanmälan" in text.lower() and "skyldig" in text.lower()
    for other in contacts_of_other_municipalities(shipped, "katrineholm"):
        assert other not in text


def test_guardian_of_suicidal_child_gets_112_mind_and_a_health_care_route_open_at_night(shipped):
    messages, text, slots = run("suicidal_guardian")
    assert slots["audience"] == "guardian"
    assert "112" in text and "90101" in text and "BUP" in text and "1177, dygnet runt" in text
    assert "116 111" not in text and "077-150 50 50" not in text  # Bris vuxentelefon's hours are not confirmed
    assert text.index("112") < text.index("90101")


def test_ambiguous_worry_asks_one_question_with_buttons(shipped):
    messages, text, slots = run("worried_ambiguous")
    assert len(messages) == 1 and len(messages[0]["buttons"]) >= 3
    assert all(b["payload"].startswith("/") for b in messages[0]["buttons"])


@pytest.mark.parametrize("name", ["unknown_intent"])
def test_intent_without_catalogue_entry_gets_the_polite_fallback(shipped, name):
    messages, text, slots = run(name)
    assert messages[0]["text"] == lines.small_talk(shipped, "not_understood")
    assert [m["response"] for m in messages] == [None, "utter_menu"]


def test_unsure_acute_hint_puts_112_before_the_answer(shipped):
    messages, text, slots = run("unsure_acute")
    assert "112" in messages[0]["text"]
    assert "116 111" in text
    assert slots["last_need"] == "child_wellbeing"
