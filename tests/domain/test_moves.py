"""Conversations, not single messages: what a turn means given what the bot remembers (bot.conversation.interpret)
and what the answer then keeps – follow-ups, the crisis line, pleas, the waiting question, a late municipality."""
import pytest

from bot import catalogue_file, languages, lines
from bot.conversation import MENU_RESPONSE, NO_INTENT, WHOSE_CHILD, Crisis, Move, State, Turn, interpret, respond
from tests.conftest import at

MONDAY_TEN = at("2026-11-23 10:00")
NEW = State()
AFTER_BRIS = State(last_need="child_bullying", audience="child", resources=("bris",))
AFTER_SUICIDAL = State(last_need="suicidal", resources=("akut_112", "mind_sjalvmordslinjen", "bris"), crisis="suicidal")
ASKING_WHOSE = State(last_need="worried_about_child", pending=WHOSE_CHILD)


def move(cat, text, state=NEW, intent=None, confidence=0.9, crisis=None, place=None):
    entities = (("municipality", place),) if place else ()
    return interpret(cat, Turn(text=text, intent=intent, confidence=confidence, crisis=Crisis(kind=crisis),
                               entities=entities), state)


def say(cat, text, state=NEW, intent=None, confidence=0.9, crisis=None):
    outcome = respond(cat, Turn(text=text, intent=intent, confidence=confidence, crisis=Crisis(kind=crisis)), state,
                      MONDAY_TEN)
    return outcome, "\n".join(m.text or "" for m in outcome.messages)


# ---------------------------------------------------------------- interpret


def test_a_crisis_now_wins_over_everything(shipped):
    assert move(shipped, "kostar det? jag vill dö", AFTER_BRIS, "suicidal", crisis="suicidal") == \
        Move("need", need="suicidal", crisis=True)
    assert move(shipped, "min son", ASKING_WHOSE, crisis="self_harm").need == "self_harm"


def test_a_follow_up_about_what_was_just_named(shipped):
    m = move(shipped, "e det gratis", AFTER_BRIS, "out_of_scope", 0.3)
    assert m.kind == "followup" and m.topics == ("cost",)
    # even when the classifier is sure of some need: the words ask about what was named
    assert move(shipped, "skickar dom polis till skolan då", AFTER_BRIS, "crime_tip", 0.8).kind == "followup"


def test_opening_hours_of_what_was_just_named(shipped):
    assert move(shipped, "svarar de på söndagar", AFTER_BRIS, "ask_opening_hours").kind == "hours"


def test_a_new_worry_mid_conversation_is_a_new_need(shipped):
    m = move(shipped, "en annan grej, pappa dricker och jag vet inte vad jag ska göra", AFTER_BRIS,
             "child_parent_addiction", 0.7)
    assert m == Move("need", need="child_parent_addiction")


def test_thanks_that_opens_a_new_worry_is_the_new_need(shipped):
    text = "ok tack. en annan grej, mamma dricker jättemycket"
    ranking = (("thanks", 0.4), ("child_parent_addiction", 0.3), ("adult_other_child", 0.2))
    turn = Turn(text=text, intent="thanks", confidence=0.4, ranking=ranking)
    assert interpret(shipped, turn, AFTER_BRIS) == Move("need", need="child_parent_addiction")
    # no need likely enough: not a goodbye either, but what was not understood
    unsure = Turn(text=text, intent="thanks", confidence=0.9, ranking=(("thanks", 0.9), ("child_wellbeing", 0.05)))
    assert interpret(shipped, unsure, AFTER_BRIS).kind == "unclear"
    assert move(shipped, "ok tack", AFTER_BRIS, "thanks") == Move("close", closing="thanks")


def test_a_first_message_with_a_clear_need_is_the_need(shipped):
    assert move(shipped, "pappa slår mig, kan jag ringa bris anonymt?", NEW, "child_home_violence", 0.8).need == \
        "child_home_violence"


def test_a_first_question_about_a_named_resource_is_a_follow_up(shipped):
    m = move(shipped, "är bris gratis?", NEW, "ask_followup", 0.6)
    assert m.kind == "followup" and "cost" in m.topics


def test_a_professional_asking_about_reporting_needs_no_earlier_answer(shipped):
    m = move(shipped, "jag är inte säker, bara en känsla", State(audience="professional"), "orosanmalan_question", 0.45)
    assert m.kind == "followup" and "proof" in m.topics


def test_the_classifier_can_place_a_follow_up_the_patterns_miss(shipped):
    assert move(shipped, "hur funkar det där", AFTER_BRIS, "ask_followup", 0.7) == Move("followup", topics=())


@pytest.mark.parametrize(("text", "need"), [("grannens", "adult_other_child"), ("det är min son", "parent_own_child"),
                                            ("jag jobbar på en förskola", "professional_concern")])
def test_a_typed_answer_to_whose_child(shipped, text, need):
    assert move(shipped, text, ASKING_WHOSE, "out_of_scope", 0.3).need == need


def test_a_role_the_audience_detector_knows_answers_whose_child(shipped):
    assert move(shipped, "jag är lärare på hennes skola", ASKING_WHOSE, "inform_role").need == "professional_concern"


def test_an_answer_that_does_not_fit_is_a_new_message(shipped):
    assert move(shipped, "jag blir mobbad", ASKING_WHOSE, "child_bullying", 0.9).need == "child_bullying"
    assert move(shipped, "tack", ASKING_WHOSE, "thanks").kind == "close"


@pytest.mark.parametrize(("text", "intent", "closing"),
                         [("tackar, hej då", "thanks", "thanks"), ("ha det bra", "goodbye", "goodbye"),
                          ("haha skämtade bara", "out_of_scope", "retract"), ("allt e lugnt igen", None, "retract"),
                          ("jag ringer dit", NO_INTENT, "acknowledge"), ("ok", "acknowledge", "acknowledge")])
def test_closing_and_calming(shipped, text, intent, closing):
    assert move(shipped, text, AFTER_SUICIDAL, intent, 0.4) == Move("close", closing=closing)


@pytest.mark.parametrize("text", ["hjälp", "snälla", "jag vet inte vad jag ska göra", "😢"])
def test_a_plea_is_never_refused(shipped, text):
    assert move(shipped, text, NEW, "out_of_scope", 0.35).kind == "plea"
    assert move(shipped, text, NEW, None, 0.0).kind == "plea"


def test_a_plea_inside_a_clear_need_is_the_need(shipped):
    assert move(shipped, "mamma dricker jämt och jag vet inte vad jag ska göra", NEW, "child_parent_addiction",
                0.8).need == "child_parent_addiction"


def test_a_municipality_on_its_own(shipped):
    state = State(last_need="parent_own_child", audience="guardian", resources=("bris_vuxen",))
    assert move(shipped, "Nyköping", state, "inform_municipality").kind == "place"
    assert move(shipped, "vi bor i kungälv", state, "out_of_scope", 0.3).kind == "place"
    assert move(shipped, "vi bor i gävle", state, "out_of_scope", 0.3, place="gävle").kind == "place"


def test_someone_who_only_says_who_they_are(shipped):
    assert move(shipped, "jag är skolsköterska", NEW, "inform_role").kind == "role"
    assert move(shipped, "jag är kurator", NEW, "out_of_scope", 0.3).kind == "role"


def test_small_talk_off_topic_and_not_understood(shipped):
    assert move(shipped, "vem är du", NEW, "about_bot") == Move("small_talk", closing="about_bot")
    assert move(shipped, "vad blir det för väder", NEW, "out_of_scope", 0.8).kind == "out_of_scope"
    assert move(shipped, "asdfgh", NEW, NO_INTENT, 0.1).kind == "unclear"


# ---------------------------------------------------------------- respond: what is said and what is kept


@pytest.mark.parametrize(("text", "intent"), [("tackar, hej då", "thanks"), ("ha det bra", "goodbye"),
                                              ("haha skämtade bara", "retract"), ("ok", "acknowledge"),
                                              ("vad blir det för väder", "out_of_scope"), ("asdfgh", None),
                                              ("jag är 14", "inform_role"), ("hej igen", "greet")])
def test_after_suicidal_talk_no_reply_drops_the_crisis_line(shipped, text, intent):
    outcome, said = say(shipped, text, AFTER_SUICIDAL, intent)
    assert "90101" in said and shipped.resource("bris").phone in said
    assert outcome.state.crisis == "suicidal"
    assert outcome.messages[-1].response in (None, MENU_RESPONSE)


def test_the_crisis_line_is_the_catalogues_one_sentence_for_that_kind(shipped):
    for kind, number in (("acute_danger", "112"), ("self_harm", shipped.resource("bris").phone)):
        _, said = say(shipped, "tack hej då", State(crisis=kind, audience="child"), "goodbye")
        assert said.endswith(lines.reminder(shipped, kind, "child")) and number in said


def test_a_goodbye_without_a_crisis_is_just_a_goodbye(shipped):
    outcome, said = say(shipped, "ha det bra", AFTER_BRIS, "goodbye")
    assert said == lines.small_talk(shipped, "goodbye", "child") and "112" not in said


def test_a_follow_up_that_names_the_crisis_number_is_not_repeated(shipped):
    _, said = say(shipped, "är bris gratis", AFTER_SUICIDAL, "ask_followup", 0.8)
    assert said.count(shipped.resource("bris").phone) == 1 and "90101" not in said


def test_a_crisis_is_remembered_and_a_new_one_replaces_it(shipped):
    outcome, _ = say(shipped, "jag skär mig varje kväll", NEW, "self_harm", 1.0, crisis="self_harm")
    assert outcome.state.crisis == "self_harm" and "vard_1177" in outcome.state.resources
    outcome, _ = say(shipped, "jag blir mobbad också", outcome.state, "child_bullying", 0.9)
    assert outcome.state.crisis == "self_harm" and outcome.state.last_need == "child_bullying"
    outcome, _ = say(shipped, "han står utanför med en kniv nu", outcome.state, "acute_danger", 1.0, "acute_danger")
    assert outcome.state.crisis == "acute_danger"


def test_a_follow_up_answers_about_the_resources_of_the_last_answer_and_keeps_them(shipped):
    first, _ = say(shipped, "alla i klassen fryser ut mig", NEW, "child_bullying")
    assert first.state.resources[0] == "bris"
    outcome, said = say(shipped, "blir man anonym", first.state, "ask_followup", 0.7)
    assert said.startswith("Bris:") and "anonym" in said and outcome.state.resources == first.state.resources


def test_a_follow_up_with_nothing_named_asks_which(shipped):
    _, said = say(shipped, "vad kostar det", NEW, "ask_followup", 0.7)
    assert "Vilket ställe" in said


def test_the_waiting_question_is_remembered_for_one_message_only(shipped):
    asked, _ = say(shipped, "jag är orolig för ett barn", NEW, "worried_about_child")
    assert asked.state.pending == WHOSE_CHILD
    answered, said = say(shipped, "grannens", asked.state, "out_of_scope", 0.3)
    assert answered.need == "adult_other_child" and "orosanmälan" in said.lower() and answered.state.pending is None
    dropped, _ = say(shipped, "tack", asked.state, "thanks")
    assert dropped.state.pending is None


def test_a_plea_gets_a_question_112_and_bris(shipped):
    outcome, said = say(shipped, "snälla", NEW, "plea")
    assert "?" in said and "112" in said and shipped.resource("bris").phone in said
    assert "inte hjälpa" not in said


def test_a_role_is_remembered_and_a_professional_later_hears_of_the_duty(shipped):
    told, said = say(shipped, "jag jobbar som fritidsledare", NEW, "inform_role")
    assert told.state.audience == "professional" and "orosanmälan" in said
    _, said = say(shipped, "måste jag anmäla det här", told.state, "orosanmalan_question", 0.45)
    assert "skyldig" in said and "orosanmälan" in said.lower()


def test_a_late_unknown_municipality_answers_the_need_with_national_support_never_the_bare_menu(shipped):
    state = State(audience="child", last_need="child_home_violence", resources=("bris", "local:barn_unga_stod"))
    outcome = respond(shipped, Turn(text="jag bor i gävle", intent="inform_municipality",
                                    entities=(("municipality", "gävle"),)), state, MONDAY_TEN)
    texts = [m.text or "" for m in outcome.messages]
    assert "Gävle" in texts[0] and any(shipped.resource("bris").phone in t for t in texts)
    assert all(m.response != MENU_RESPONSE for m in outcome.messages)
    assert not any("Skriv vilken kommun" in t for t in texts)


def test_a_late_municipality_re_answers_with_its_own_resources_and_remembers_them(shipped):
    state = State(audience="guardian", last_need="parent_own_child", resources=("local:familjestod", "bris_vuxen"))
    outcome = respond(shipped, Turn(text="katrineholm", intent="inform_municipality"), state, MONDAY_TEN)
    assert "katrineholm_familjestod" in outcome.state.resources
    assert "0150-48 83 00" in "\n".join(m.text or "" for m in outcome.messages)


def test_what_is_not_understood_mid_conversation_names_the_support_again_instead_of_the_menu(shipped):
    outcome, said = say(shipped, "men om dom bara skiter i det då", AFTER_BRIS, NO_INTENT, 0.2)
    assert said.startswith(lines.small_talk(shipped, "not_understood", "child")) and "116 111" in said
    assert all(m.response != MENU_RESPONSE for m in outcome.messages)
    _, fresh = say(shipped, "men om dom bara skiter i det då", NEW, NO_INTENT, 0.2)
    assert "116 111" not in fresh


def test_taking_back_something_the_bot_did_not_catch_still_says_where_help_is(shipped):
    _, said = say(shipped, "haha skämtade bara", NEW, "retract")
    assert said.endswith(lines.reminder(shipped, "calmed", "child")) and shipped.resource("bris").phone in said
    _, plain = say(shipped, "ha det bra", NEW, "goodbye")
    assert shipped.resource("bris").phone not in plain


def test_a_need_that_keeps_a_crisis_line_keeps_it_through_the_goodbye(shipped):
    told, _ = say(shipped, "min bästis skär sig i armarna", NEW, "friend_self_harm", 0.9)
    assert told.state.crisis == "self_harm"
    _, said = say(shipped, "okej tack hej", told.state, "thanks")
    assert said.endswith(lines.reminder(shipped, "self_harm", "child"))


def test_a_need_cannot_keep_a_crisis_line_that_does_not_exist():
    from bot import catalogue
    from tests.conftest import FIXTURES

    mini = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="'sorg' är ingen krisrad"):
        catalogue_file.parse(mini.replace("  oro:\n    audience: child\n", "  oro:\n    audience: child\n    keeps: sorg\n", 1))


def test_only_what_is_clearly_off_topic_gets_i_cannot_help_with_that(shipped):
    unsure, said = say(shipped, "men om lärarna inte bryr sig då", AFTER_BRIS, "out_of_scope", 0.4)
    assert "116 111" in said and all(m.response != MENU_RESPONSE for m in unsure.messages)
    sure, said = say(shipped, "vem vann melodifestivalen", AFTER_BRIS, "out_of_scope", 0.9)
    assert said.startswith(lines.small_talk(shipped, "out_of_scope", "child")) and sure.messages[-1].response == MENU_RESPONSE


def test_a_possible_danger_now_leads_with_112_whatever_the_turn_is(shipped):
    turn = Turn(text="kostar det nåt, han är här nu", intent="ask_followup", confidence=0.5,
                crisis=Crisis(hint="unsure_acute"))
    outcome = respond(shipped, turn, AFTER_BRIS, MONDAY_TEN)
    assert "112" in outcome.messages[0].text and "116 111" in "\n".join(m.text or "" for m in outcome.messages)


# ---------------------------------------------------------------- another language, not understood


@pytest.mark.parametrize(("text", "code"), [
    ("isä juo joka päivä ja huutaa meille, en haluu olla kotona", "fi"),
    ("ابني لا يتكلم معي منذ أسابيع", "ar"),
    ("Після переїзду син постійно сумний", "uk"),
])
def test_a_message_in_another_language_that_was_not_understood_gets_112_and_bris(shipped, text, code):
    outcome, said = say(shipped, text, NEW, NO_INTENT, 0.2)
    assert lines.small_talk(shipped, "not_understood") not in said
    assert "112" in said and shipped.resource("bris").phone in said
    assert languages.crisis_line(text, said) in said  # what the numbers are, in the writer's language
    assert outcome.messages[-1].response == MENU_RESPONSE


@pytest.mark.parametrize("text", ["asdf qwerty", "vad menar du med det där", "what is this thing", "blaha blaha"])
def test_swedish_english_and_gibberish_not_understood_stay_as_they_were(shipped, text):
    _, said = say(shipped, text, NEW, NO_INTENT, 0.2)
    assert said.strip() == lines.small_talk(shipped, "not_understood")


@pytest.mark.parametrize("intent", ["child_home_violence", "child_parent_addiction"])
def test_a_professional_who_said_their_role_first_is_told_about_the_duty_to_report(shipped, intent):
    role, _ = say(shipped, "jag jobbar som förskollärare", NEW, "inform_role")
    outcome, said = say(shipped, "ett barn säger att pappa blev arg och slog", role.state, intent, 0.5)
    assert "skyldig" in said.lower() and "misstanke" in said  # the duty to report, and that a suspicion is enough


def test_a_friend_who_self_harms_gets_the_friends_answer_not_ones_own(shipped):
    m = move(shipped, "min kompis skär sig och vill att jag håller tyst", NEW, "friend_self_harm", 1.0, crisis="self_harm")
    assert m == Move("need", need="friend_self_harm", crisis=True)
    outcome, said = say(shipped, "min kompis skär sig", NEW, "friend_self_harm", 1.0, crisis="self_harm")
    assert shipped.need("friend_self_harm").text.child in said and "112" in said
    assert outcome.state.crisis == "self_harm"  # the self-harm line stays for the rest of the conversation
    # one's own self-harm is still one's own
    assert move(shipped, "jag skär mig", NEW, "self_harm", 0.9, crisis="self_harm").need == "self_harm"


def test_a_need_that_depends_on_the_writer_takes_the_writer_of_the_earlier_need(shipped):
    bullied = State(last_need="child_bullying", resources=("bris",))  # nobody said who writes
    outcome, said = say(shipped, "men vad gör jag om lärarna inte bryr sig", bullied, "worried_about_child", 0.6)
    assert outcome.state.pending is None and "Vems barn" not in said  # a child still writing: no question
    assert shipped.resource("bris").phone in said
    # a first message with no earlier need still asks
    first, _ = say(shipped, "jag är orolig för ett barn", NEW, "worried_about_child", 0.9)
    assert first.state.pending == WHOSE_CHILD
