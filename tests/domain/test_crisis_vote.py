"""The crisis vote (bot/crisis_vote.py) on hand-made signals: no model needed."""
from bot.crisis import NO_INTENT, UNSURE_ACUTE, Assessment
from bot.crisis_vote import Settings, decide, needs_semantic
from bot.semantic import Opinion

NO_RULE = Assessment(None, False, None)
IDIOM = Assessment(None, True, None)


def neighbour(kind):
    return Opinion(kind, 0.9, 0.85, 0.05 if kind else -0.05)


def test_any_signal_makes_a_crisis():
    assert decide(Assessment("suicidal", False, "su_x"), [("greet", 0.9)], None).kind == "suicidal"
    assert decide(NO_RULE, [("suicidal", 0.7), ("child_wellbeing", 0.2)], None).kind == "suicidal"
    assert decide(NO_RULE, [("child_wellbeing", 0.3)], neighbour("self_harm")).kind == "self_harm"


def test_the_rules_choose_the_kind_first():
    decision = decide(Assessment("acute_danger", False, "ad_x"), [("suicidal", 0.9)], neighbour("self_harm"))
    assert decision.kind == "acute_danger"
    assert decision.votes == {"rules": "acute_danger", "classifier": "suicidal", "semantic": "self_harm"}


def test_a_switched_off_signal_does_not_vote():
    only_rules = Settings(signals=("rules",))
    assert decide(NO_RULE, [("suicidal", 0.9)], neighbour("suicidal"), only_rules).kind is None
    without_neighbour = Settings(signals=("rules", "classifier"))
    assert decide(NO_RULE, [("child_wellbeing", 0.3)], neighbour("suicidal"), without_neighbour).kind is None


def test_an_idiom_demotes_a_classifier_guess_only_when_the_neighbour_agrees_it_is_calm():
    ranking = [("suicidal", 0.6), ("out_of_scope", 0.35)]
    assert decide(IDIOM, ranking, neighbour(None)).intent == "out_of_scope"
    assert decide(IDIOM, ranking, neighbour("suicidal")).kind == "suicidal"
    assert decide(IDIOM, [("suicidal", 0.9), ("out_of_scope", 0.05)], neighbour(None)).kind == "suicidal"  # sure


def test_a_weak_crisis_guess_nobody_confirms_is_answered_as_the_next_need():
    decision = decide(NO_RULE, [("suicidal", 0.3), ("child_wellbeing", 0.25)], neighbour(None))
    assert (decision.kind, decision.intent, decision.hint) == (None, "child_wellbeing", None)


def test_danger_now_seen_by_one_learned_signal_gets_the_need_with_112_first():
    ranking = [("acute_danger", 0.6), ("partner_violence", 0.35)]
    assert decide(NO_RULE, ranking, None).hint == UNSURE_ACUTE
    assert decide(NO_RULE, ranking, None).intent == "partner_violence"
    assert decide(NO_RULE, [("partner_violence", 0.5)], neighbour("acute_danger")).hint == UNSURE_ACUTE
    # both learned signals, or the rules: danger now
    assert decide(NO_RULE, ranking, neighbour("acute_danger")).kind == "acute_danger"
    assert decide(Assessment("acute_danger", False, "ad_x"), ranking, None).kind == "acute_danger"


def test_danger_now_with_no_likely_need_is_answered_as_danger():
    decision = decide(NO_RULE, [("acute_danger", 0.3), ("greet", 0.2), ("child_wellbeing", 0.05)], None)
    assert decision.kind == "acute_danger" and decision.hint is None


def test_self_harm_about_a_friend_keeps_112_but_answers_the_friend():
    ranking = [(NO_INTENT, 0.25), ("friend_self_harm", 0.22), ("self_harm", 0.1)]
    decision = decide(Assessment("self_harm", False, "sh_x"), ranking, None)
    assert (decision.kind, decision.intent) == ("self_harm", "friend_self_harm")
    own = decide(Assessment("self_harm", False, "sh_x"), [("self_harm", 0.8), ("friend_self_harm", 0.1)], None)
    assert own.intent == "self_harm"


def test_the_neighbour_is_asked_only_when_the_cheap_signals_leave_doubt():
    assert not needs_semantic("jag vill dö", Assessment("suicidal", False, "su_x"), [("suicidal", 0.9)])
    assert not needs_semantic("finns det en fritidsgård", NO_RULE, [("youth_leisure", 0.9)])
    assert needs_semantic("allt är så tungt", NO_RULE, [("child_wellbeing", 0.35)])  # unsure
    assert needs_semantic("jag vet inte", NO_RULE, [("child_wellbeing", 0.6), ("suicidal", 0.25)])  # near a crisis
    assert needs_semantic("أريد أن أنام", NO_RULE, [("greet", 0.95)])  # a script the classifier hardly knows
    assert needs_semantic("dog av skratt", IDIOM, [("suicidal", 0.7)])  # may an idiom demote the guess?
    assert not needs_semantic("dog av skratt", IDIOM, [("out_of_scope", 0.9)])
    assert not needs_semantic("allt är så tungt", NO_RULE, [("child_wellbeing", 0.35)], Settings(signals=("rules", "classifier")))


def test_an_unsure_danger_now_is_never_answered_as_one_of_the_conversations_own_intents():
    ranking = [("acute_danger", 0.3), ("ask_followup", 0.25), ("plea", 0.2), ("child_home_violence", 0.18)]
    decision = decide(NO_RULE, ranking, neighbour(None))
    assert decision.intent == "child_home_violence" and decision.hint == UNSURE_ACUTE
