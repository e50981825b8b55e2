"""What a message means in the conversation so far (bot/context.py), without Rasa."""
import pytest

from bot.context import Context, Message, Move, after, interpret

AFTER_BRIS = Context(need="child_bullying", audience="child", resources=("bris",))
AFTER_SUICIDAL = Context(need="suicidal", resources=("akut_112", "mind_sjalvmordslinjen", "bris"), crisis="suicidal")
ASKING_WHOSE = Context(need="worried_about_child", pending="whose_child")


NEW = Context()


def move(cat, text, ctx=NEW, intent=None, confidence=0.9, **kw):
    return interpret(cat, Message(text=text, intent=intent, confidence=confidence, **kw), ctx)


def test_a_crisis_now_wins_over_everything(shipped):
    m = move(shipped, "kostar det? jag vill dö", AFTER_BRIS, intent="suicidal", crisis="suicidal")
    assert m == Move("need", need="suicidal", crisis=True)
    assert move(shipped, "min son", ASKING_WHOSE, crisis="self_harm").need == "self_harm"


def test_a_follow_up_about_what_was_just_named(shipped):
    m = move(shipped, "e de gratis", AFTER_BRIS, intent="out_of_scope", confidence=0.3)
    assert m.kind == "followup" and m.topics == ("cost",)
    # even when the classifier is sure of some need: the words ask about what was named
    assert move(shipped, "skickar dom polis till skolan då", AFTER_BRIS, intent="crime_tip", confidence=0.8).kind == "followup"


def test_opening_hours_of_what_was_just_named(shipped):
    assert move(shipped, "svarar de på söndagar", AFTER_BRIS, intent="ask_opening_hours").kind == "hours"


def test_a_new_worry_mid_conversation_is_a_new_need(shipped):
    m = move(shipped, "en annan grej, pappa dricker och jag vet inte vad jag ska göra", AFTER_BRIS,
             intent="child_parent_addiction", confidence=0.7)
    assert m == Move("need", need="child_parent_addiction")


def test_a_first_message_with_a_clear_need_is_the_need(shipped):
    m = move(shipped, "pappa slår mig, kan jag ringa bris anonymt?", intent="child_home_violence", confidence=0.8)
    assert m.need == "child_home_violence"


def test_a_first_question_about_a_named_resource_is_a_follow_up(shipped):
    m = move(shipped, "är bris gratis?", intent="ask_followup", confidence=0.6)
    assert m.kind == "followup" and "cost" in m.topics


def test_a_professional_asking_about_reporting_needs_no_earlier_answer(shipped):
    m = move(shipped, "jag är inte säker, bara en känsla", Context(audience="professional"), intent="orosanmalan_question",
             confidence=0.45)
    assert m.kind == "followup" and "proof" in m.topics


def test_the_classifier_can_place_a_follow_up_the_patterns_miss(shipped):
    assert move(shipped, "hur funkar det där", AFTER_BRIS, intent="ask_followup", confidence=0.7) == \
        Move("followup", topics=())


@pytest.mark.parametrize(("text", "need"), [("grannens", "adult_other_child"), ("det är min son", "parent_own_child"),
                                            ("jag jobbar på en förskola", "professional_concern")])
def test_a_typed_answer_to_whose_child(shipped, text, need):
    assert move(shipped, text, ASKING_WHOSE, intent="out_of_scope", confidence=0.3).need == need


def test_a_role_the_audience_detector_knows_answers_whose_child(shipped):
    m = move(shipped, "jag är hennes lärare", ASKING_WHOSE, intent="inform_role", audience="professional")
    assert m.need == "professional_concern"


def test_an_answer_that_does_not_fit_is_a_new_message(shipped):
    m = move(shipped, "jag blir mobbad", ASKING_WHOSE, intent="child_bullying", confidence=0.9)
    assert m.need == "child_bullying"
    assert move(shipped, "tack", ASKING_WHOSE, intent="thanks").kind == "close"


@pytest.mark.parametrize(("text", "intent", "closing"),
                         [("tackar, hej då", "thanks", "thanks"), ("ha det bra", "goodbye", "goodbye"),
                          ("haha skämtade bara", "out_of_scope", "retract"), ("allt e lugnt igen", None, "retract"),
                          ("jag ringer dit", "nlu_fallback", "acknowledge"), ("ok", "acknowledge", "acknowledge")])
def test_closing_and_calming(shipped, text, intent, closing):
    assert move(shipped, text, AFTER_SUICIDAL, intent=intent, confidence=0.4) == Move("close", closing=closing)


@pytest.mark.parametrize("text", ["hjälp", "snälla", "jag vet inte vad jag ska göra", "😢"])
def test_a_plea_is_never_refused(shipped, text):
    assert move(shipped, text, intent="out_of_scope", confidence=0.35).kind == "plea"
    assert move(shipped, text, intent=None, confidence=0.0).kind == "plea"


def test_a_plea_inside_a_clear_need_is_the_need(shipped):
    m = move(shipped, "mamma dricker jämt och jag vet inte vad jag ska göra", intent="child_parent_addiction",
             confidence=0.8)
    assert m.need == "child_parent_addiction"


def test_a_municipality_on_its_own(shipped):
    ctx = Context(need="parent_own_child", audience="guardian", resources=("local:familjestod", "bris_vuxen"))
    assert move(shipped, "Nyköping", ctx, intent="inform_municipality").kind == "place"
    assert move(shipped, "vi bor i kungälv", ctx, intent="out_of_scope", confidence=0.3, place_named=True).kind == "place"


def test_someone_who_only_says_who_they_are(shipped):
    assert move(shipped, "jag är skolsköterska", intent="inform_role", audience="professional").kind == "role"
    assert move(shipped, "jag är kurator", intent="out_of_scope", confidence=0.3, audience="professional").kind == "role"


def test_small_talk_off_topic_and_not_understood(shipped):
    assert move(shipped, "vem är du", intent="about_bot") == Move("small_talk", closing="about_bot")
    assert move(shipped, "vad blir det för väder", intent="out_of_scope", confidence=0.8).kind == "out_of_scope"
    assert move(shipped, "asdfgh", intent="nlu_fallback", confidence=0.1).kind == "unclear"


# ---------------------------------------------------------------- what the conversation remembers


def test_a_crisis_is_remembered_through_later_moves(shipped):
    ctx = after(Context(), Move("need", need="self_harm", crisis=True), Message(), ("akut_112", "bris", "vard_1177"))
    assert ctx.crisis == "self_harm" and ctx.resources == ("akut_112", "bris", "vard_1177")
    for later in (Move("close", closing="thanks"), Move("followup", topics=("cost",)), Move("need", need="child_bullying")):
        ctx = after(ctx, later, Message(), ("bris",) if later.kind == "need" else ())
        assert ctx.crisis == "self_harm"
    assert after(ctx, Move("need", need="acute_danger", crisis=True), Message(), ("akut_112",)).crisis == "acute_danger"


def test_a_follow_up_keeps_the_resources_it_was_about():
    ctx = after(AFTER_BRIS, Move("followup", topics=("cost",)), Message())
    assert ctx.resources == ("bris",) and ctx.need == "child_bullying"


def test_the_clarifying_question_waits_only_for_the_next_message():
    ctx = after(Context(), Move("need", need="worried_about_child"), Message(), (), need_asks=True)
    assert ctx.pending == "whose_child"
    assert after(ctx, Move("close", closing="thanks"), Message()).pending is None


def test_the_writer_and_the_place_are_remembered():
    ctx = after(Context(), Move("role"), Message(audience="professional"))
    assert ctx.audience == "professional"
    ctx = after(ctx, Move("need", need="professional_concern"), Message(), ("local:orosanmalan",))
    assert ctx.audience == "professional"
    ctx = after(ctx, Move("place"), Message(), ("local:orosanmalan",), municipality="katrineholm")
    assert ctx.municipality == "katrineholm" and ctx.need == "professional_concern"
