"""bot.conversation: one turn in (Turn + State), messages and the new state out – without Rasa."""
import pytest

from bot import lines, replies
from bot.conversation import MENU_RESPONSE, NO_INTENT, Crisis, Message, State, Turn, respond
from tests.conftest import at

MONDAY_TEN = at("2026-11-23 10:00")


def texts(outcome):
    return [m.text for m in outcome.messages]


# --- State ------------------------------------------------------------------------------------------
def test_state_reports_what_changed():
    before = State(municipality="kungalv")
    after = State(municipality="kungalv", audience="child", last_need="child_bullying", resources=("bris",))
    assert after.changes_since(before) == {"audience": "child", "last_need": "child_bullying", "resources": ("bris",)}
    assert before.changes_since(before) == {}


def test_a_turn_leads_with_112_when_danger_now_is_unsure():
    assert Turn(crisis=Crisis(hint="unsure_acute")).danger_first and not Turn().danger_first


# --- respond ------------------------------------------------------------------------------------------
def test_a_need_is_answered_and_remembered(shipped):
    turn = Turn(text="min son röker hasch", intent="parent_own_child", confidence=0.9,
                ranking=(("parent_own_child", 0.9),), metadata={"kommun": "kungalv"})
    outcome = respond(shipped, turn, State(), MONDAY_TEN)
    expected = replies.compose(shipped, "parent_own_child", "guardian", "kungalv", "min son röker hasch", MONDAY_TEN)
    assert texts(outcome) == expected.messages
    assert outcome.state == State(municipality="kungalv", audience="guardian", last_need="parent_own_child",
                                  resources=tuple(expected.keys))
    assert outcome.need == "parent_own_child"


def test_buttons_go_under_the_last_message(shipped):
    outcome = respond(shipped, Turn(text="jag är orolig för ett barn", intent="worried_about_child"), State(), MONDAY_TEN)
    assert outcome.messages[-1].buttons and all(not m.buttons for m in outcome.messages[:-1])
    assert all(b["payload"].startswith("/") for b in outcome.messages[-1].buttons)


def test_what_the_writer_said_earlier_is_kept(shipped):
    state = State(municipality="katrineholm", audience="professional", last_need="professional_concern")
    outcome = respond(shipped, Turn(text="kan vi boka ett möte med soc", intent="orosanmalan_question",
                                    confidence=0.8), state, MONDAY_TEN)
    assert outcome.state.last_need == "orosanmalan_question" and outcome.state.audience == "professional"
    assert "Katrineholm" in " ".join(texts(outcome))


def test_an_unsure_danger_gets_112_first(shipped):
    turn = Turn(text="jag är rädd", intent="child_wellbeing", crisis=Crisis(hint="unsure_acute"))
    outcome = respond(shipped, turn, State(), MONDAY_TEN)
    assert replies.names_number(outcome.messages[0].text, "112")
    assert not replies.names_number(texts(respond(shipped, Turn(text="jag är rädd", intent="child_wellbeing"),
                                                  State(), MONDAY_TEN))[0], "112")


@pytest.mark.parametrize("intent", [None, "greet_the_moon"])
def test_an_intent_without_a_need_gets_the_fallback_and_the_menu(shipped, intent):
    outcome = respond(shipped, Turn(text="blä blä", intent=intent), State(last_need="fear_news"), MONDAY_TEN)
    assert outcome.messages == (Message(text=lines.small_talk(shipped, "not_understood")), Message(response=MENU_RESPONSE))
    assert outcome.state == State(last_need="fear_news") and outcome.need is None


# --- the municipality told later ------------------------------------------------------------------------
def test_a_late_municipality_re_answers_the_last_need_there(shipped):
    state = State(audience="guardian", last_need="parent_own_child")
    outcome = respond(shipped, Turn(text="vi bor i nyköping", intent="inform_municipality"), state, MONDAY_TEN)
    again = replies.compose(shipped, "parent_own_child", "guardian", "nykoping", now=MONDAY_TEN)
    assert texts(outcome) == ["Här är stöd i Nyköping:", *again.messages]
    assert outcome.state == State(municipality="nykoping", audience="guardian", last_need="parent_own_child",
                                  resources=tuple(again.keys))


@pytest.mark.parametrize(("need", "audience", "town", "lead"), [
    # only national support for this need: no promise of local help
    ("parent_child_health", "guardian", "söderhamn", "Det här stödet finns i hela landet, också i Söderhamn:"),
    # a local service the town lacks (support for children from soc: Söderhamn has no such entry): the reply
    # itself says so, once, with no lead before it
    ("child_home_violence", "child", "söderhamn", None),
])
def test_a_late_municipality_with_nothing_of_its_own_for_the_need_is_not_promised(shipped, need, audience, town, lead):
    state = State(audience=audience, last_need=need)
    said = texts(respond(shipped, Turn(text=f"vi bor i {town}", intent="inform_municipality"), state, MONDAY_TEN))
    assert not any(t.startswith("Här är stöd i") for t in said)
    assert (said[0] == lead) if lead else sum("inga kontaktuppgifter för Söderhamn" in t for t in said) == 1


def test_a_municipality_without_a_need_is_thanked_and_shown_the_menu(shipped):
    outcome = respond(shipped, Turn(text="kungälv", intent="inform_municipality"), State(), MONDAY_TEN)
    assert outcome.messages == (Message(text="Tack! Nu visar jag stöd i Kungälv."), Message(response=MENU_RESPONSE))


def test_an_unknown_town_replaces_the_old_municipality_and_is_said_plainly(shipped):
    turn = Turn(text="jag bor i gävle", intent="inform_municipality", entities=(("municipality", "gävle"),))
    outcome = respond(shipped, turn, State(municipality="kungalv", last_need="child_bullying"), MONDAY_TEN)
    assert texts(outcome)[0] == "Jag har inga uppgifter om stöd i Gävle än. Jag visar stöd som finns i hela Sverige."
    national = replies.compose(shipped, "child_bullying", now=MONDAY_TEN, ask_municipality=False)
    assert texts(outcome)[1:] == national.messages  # the need again, nationally – never the bare menu
    assert outcome.state.municipality is None and outcome.state.last_need == "child_bullying"


# --- opening hours -------------------------------------------------------------------------------------
def ranked(text, *ranking):
    return Turn(text=text, intent="ask_opening_hours", ranking=tuple(ranking))


def test_an_opening_hours_question_is_answered_from_the_catalogue(shipped):
    outcome = respond(shipped, ranked("när kan jag ringa soc i katrineholm", ("ask_opening_hours", 0.9)), State(),
                      MONDAY_TEN)
    assert texts(outcome) == replies.opening_hours(shipped, "när kan jag ringa soc i katrineholm", None, "katrineholm",
                                                   now=MONDAY_TEN).messages
    assert outcome.state == State(municipality="katrineholm") and outcome.need is None


def test_no_name_and_a_likely_runner_up_need_answers_that_need(shipped):
    text = "mamma öppnar vin så fort hon vaknar"
    likely = respond(shipped, ranked(text, ("ask_opening_hours", 0.5), (NO_INTENT, 0.4),
                                     ("child_parent_addiction", 0.3)), State(), MONDAY_TEN)
    assert likely.need == "child_parent_addiction" and likely.state.last_need == "child_parent_addiction"
    weak = respond(shipped, ranked(text, ("ask_opening_hours", 0.5), ("child_parent_addiction", 0.1)), State(),
                   MONDAY_TEN)
    assert weak.need is None and texts(weak)[0] in replies.ASK_WHICH.values()
    named = respond(shipped, ranked("öppnar bris på natten", ("ask_opening_hours", 0.5),
                                    ("child_parent_addiction", 0.3)), State(), MONDAY_TEN)
    assert texts(named)[0].startswith("Bris: öppet dygnet runt") and named.need is None
