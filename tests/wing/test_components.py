"""The custom NLU components on hand-made messages (no trained model needed)."""
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import UNSURE_ACUTE
from bot.semantic import Opinion
from rasa_wing import semantic_hook
from rasa_wing.components import CrisisOverride


def classified(text, ranking):
    m = Message(data={TEXT: text})
    m.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    m.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return m


@pytest.fixture
def override():
    return CrisisOverride({**CrisisOverride.get_default_config()})


def test_crisis_wording_wins_over_the_classifier(override):
    m = override.process([classified("ja vill int leva mer", [("child_wellbeing", 0.9), ("suicidal", 0.05)])])[0]
    assert m.get(INTENT) == {"name": "suicidal", "confidence": 1.0}
    assert m.get(INTENT_RANKING_KEY)[0]["name"] == "suicidal"
    assert m.get("crisis")["kind"] == "suicidal" and m.get("crisis")["rule"]


def test_idiom_demotes_a_crisis_guess(override):
    m = override.process([classified("jag dog av skratt", [("suicidal", 0.6), ("child_wellbeing", 0.35)])])[0]
    assert m.get(INTENT)["name"] == "child_wellbeing"
    assert {k: m.get("crisis")[k] for k in ("kind", "rule", "idiom", "hint")} == \
        {"kind": None, "rule": None, "idiom": True, "hint": None}


def test_idiom_with_a_weak_runner_up_is_small_talk(override):
    m = override.process([classified("kniven var så slö att vi inte kunde skära löken",
                                      [("self_harm", 0.5), ("professional_concern", 0.1)])])[0]
    assert m.get(INTENT)["name"] == "out_of_scope"


def test_unsure_acute_guess_is_answered_as_next_need_with_hint(override):
    m = override.process([classified("har ingen att vara med", [("acute_danger", 0.6), ("child_wellbeing", 0.3)])])[0]
    assert m.get(INTENT)["name"] == "child_wellbeing"
    assert m.get("crisis")["hint"] == UNSURE_ACUTE


def test_confirmed_acute_is_kept(override):
    m = override.process([classified("pappa har en kniv och hotar oss just nu", [("acute_danger", 0.95)])])[0]
    assert m.get(INTENT) == {"name": "acute_danger", "confidence": 1.0}
    assert m.get("crisis")["hint"] is None


def test_a_confident_acute_guess_alone_gets_the_need_with_112_first(override):
    m = override.process([classified("nån blev rånad vid busshållplatsen, känns otryggt",
                                      [("acute_danger", 0.6), ("fear_news", 0.35)])])[0]
    assert m.get(INTENT)["name"] == "fear_news"
    assert m.get("crisis")["hint"] == UNSURE_ACUTE


def test_an_acute_guess_with_no_likely_need_is_answered_as_danger(override):
    m = override.process([classified("nån blev rånad vid busshållplatsen", [("acute_danger", 0.9), ("greet", 0.05)])])[0]
    assert m.get(INTENT)["name"] == "acute_danger"


def test_calm_message_is_left_alone(override):
    m = override.process([classified("tjena", [("greet", 0.99)])])[0]
    assert m.get(INTENT) == {"name": "greet", "confidence": 0.99}
    assert m.get("crisis")["votes"] == {"rules": None, "classifier": None, "semantic": None}


class FixedNeighbours:
    """A neighbour whose opinion is given, and which counts how often it is asked."""

    def __init__(self, kind):
        self.kind, self.asked = kind, 0

    def opinion(self, vector):
        self.asked += 1
        return Opinion(self.kind, 0.9, 0.8 if self.kind else 0.95, 0.1 if self.kind else -0.05)


@pytest.fixture
def with_neighbour(monkeypatch):
    def make(kind):
        component = CrisisOverride({**CrisisOverride.get_default_config()}, neighbours=FixedNeighbours(kind))
        monkeypatch.setattr(component, "encoder", lambda: type("E", (), {"embed": staticmethod(lambda t: [[0.0]])})())
        return component
    return make


def test_the_neighbour_alone_makes_a_crisis_of_an_unsure_message(with_neighbour):
    component = with_neighbour("suicidal")
    m = component.process([classified("allt känns så tungt nu", [("child_wellbeing", 0.3), ("suicidal", 0.2)])])[0]
    assert m.get(INTENT) == {"name": "suicidal", "confidence": 1.0}
    assert m.get("crisis")["votes"] == {"rules": None, "classifier": None, "semantic": "suicidal"}
    assert component.neighbours.asked == 1


def test_the_neighbour_is_not_asked_when_the_cheap_signals_are_sure(with_neighbour):
    component = with_neighbour("suicidal")
    m = component.process([classified("finns det någon fritidsgård", [("youth_leisure", 0.9)])])[0]
    assert m.get(INTENT)["name"] == "youth_leisure"
    assert component.neighbours.asked == 0


def test_an_idiom_is_not_demoted_when_the_neighbour_sees_a_crisis(with_neighbour):
    m = with_neighbour("suicidal").process([classified("jag dog av skratt men nu orkar jag inte mer med nåt",
                                                       [("suicidal", 0.5), ("child_wellbeing", 0.4)])])[0]
    assert m.get(INTENT)["name"] == "suicidal"


def test_a_message_in_another_script_is_always_shown_to_the_neighbour(with_neighbour):
    component = with_neighbour("suicidal")
    m = component.process([classified("أريد أن أنام ولا أستيقظ", [("greet", 0.95)])])[0]
    assert component.neighbours.asked == 1 and m.get(INTENT)["name"] == "suicidal"


def test_inside_the_server_the_hook_finishes_the_vote_off_the_graph(with_neighbour, monkeypatch):
    import asyncio

    component = with_neighbour("suicidal")
    monkeypatch.setitem(semantic_hook._state, "installed", True)
    semantic_hook.register(component)
    m = component.process([classified("allt känns så tungt nu", [("child_wellbeing", 0.3), ("suicidal", 0.2)])])[0]
    assert component.neighbours.asked == 0  # not in the graph …
    parse = {"text": m.get(TEXT), "intent": m.get(INTENT), "intent_ranking": m.get(INTENT_RANKING_KEY),
             "crisis": m.get("crisis")}
    assert parse["intent"]["name"] == "child_wellbeing" and parse["crisis"]["ask"]
    asyncio.run(semantic_hook.complete(parse))  # … but in the hook, in a worker thread
    assert component.neighbours.asked == 1
    assert parse["intent"] == {"name": "suicidal", "confidence": 1.0}
    assert parse["crisis"]["votes"]["semantic"] == "suicidal" and "ask" not in parse["crisis"]


def test_inside_the_server_the_worker_embeds_once_when_the_model_loads(with_neighbour, monkeypatch):
    """The worker thread's first embedding is slow; it is made at load, not for the first message."""
    import threading

    component = with_neighbour("suicidal")
    threads = []
    monkeypatch.setattr(component, "encoder", lambda: type("E", (), {"embed": staticmethod(
        lambda t: threads.append(threading.current_thread().name) or [[0.0]])})())
    monkeypatch.setitem(semantic_hook._state, "installed", True)
    semantic_hook.register(component)
    semantic_hook._executor().submit(lambda: None).result(timeout=10)  # the warm-up ran before this
    assert len(threads) == 1 and threads[0].startswith("semantic")
    assert component.neighbours.asked == 0  # the model only, no vote


# --- LinearIntentClassifier as a Rasa graph component ---------------------------------------------
def _storage(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    return LocalModelStorage(tmp_path), Resource("component"), ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from rasa.shared.nlu.training_data.loading import load_data

    from rasa_wing.components import LinearIntentClassifier
    from tests.conftest import ROOT

    storage, resource, context = _storage(tmp_path_factory.mktemp("storage"))
    config = {**LinearIntentClassifier.get_default_config(), "ranking_length": 5}
    LinearIntentClassifier.create(config, storage, resource, context).train(load_data(str(ROOT / "data" / "nlu")))
    return LinearIntentClassifier.load(config, storage, resource, context)  # what Rasa runs: the saved model


def test_classifier_sets_intent_and_ranking_from_the_saved_model(classifier):
    (m,) = classifier.process([Message(data={TEXT: "pappa slår mig när han är full"})])
    ranking = m.get(INTENT_RANKING_KEY)
    assert m.get(INTENT) == ranking[0]
    assert m.get(INTENT)["name"] in ("child_home_violence", "child_parent_addiction")
    assert len(ranking) == 5 and all(isinstance(r["confidence"], float) for r in ranking)
    assert set(m.as_dict(only_output_properties=True)) >= {INTENT, INTENT_RANKING_KEY}


def test_a_message_without_words_gets_no_intent(classifier):
    empty, emoji, worded = classifier.process([Message(data={TEXT: ""}), Message(data={TEXT: "😢😢"}),
                                               Message(data={TEXT: "hej"})])
    for m in (empty, emoji):
        assert m.get(INTENT) == {"name": None, "confidence": 0.0} and m.get(INTENT_RANKING_KEY) == []
    assert worded.get(INTENT)["name"] == "greet"


def test_an_untrained_classifier_loads_and_classifies_nothing(tmp_path):
    from rasa_wing.components import LinearIntentClassifier

    storage, resource, context = _storage(tmp_path)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, context)
    (m,) = loaded.process([Message(data={TEXT: "hej"})])
    assert m.get(INTENT)["name"] is None


# --- BoundedRulePolicy predicts exactly what RulePolicy predicts ------------------------------------
@pytest.fixture(scope="module")
def rule_policies(tmp_path_factory):
    """RulePolicy and BoundedRulePolicy trained on the project's rules and stories; `load()` gives the
    BoundedRulePolicy Rasa loads to predict."""
    from types import SimpleNamespace

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.training import load_data
    from rasa.shared.core.domain import Domain

    from rasa_wing.policy import BoundedRulePolicy
    from tests.conftest import ROOT

    domain = Domain.load(str(ROOT / "domain.yml"))
    trackers = load_data(str(ROOT / "data"), domain, augmentation_factor=0)
    storage, resource, context = _storage(tmp_path_factory.mktemp("policies"))
    config = {**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3, "enable_fallback_prediction": True}
    reference = RulePolicy.create(dict(config), storage, resource, context)
    reference.train(trackers, domain)
    BoundedRulePolicy.create(dict(config), storage, resource, context).train(trackers, domain)
    return SimpleNamespace(domain=domain, reference=reference,
                           load=lambda: BoundedRulePolicy.load(dict(config), storage, resource, context))


def _random_conversations(domain, rng, conversations, turns):
    """Trackers of random conversations, each yielded before every prediction; the caller predicts and
    sends back the action to add (the loop adds sessions, restarts and undone messages now and then)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import (
        ActionExecuted,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    intents = [*domain.intents, "nlu_fallback"]
    for conversation in range(conversations):
        tracker = DialogueStateTracker.from_events(f"c{conversation}", [ActionExecuted(ACTION_LISTEN_NAME)],
                                                   domain.slots)
        for turn in range(turns):
            # now and then a new session, a restart or an undone message: the states start over
            if turn % 11 == 5:
                tracker.update(rng.choice([SessionStarted(), Restarted(), UserUtteranceReverted()]))
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            tracker.update(UserUttered("…", {"name": rng.choice(intents), "confidence": 1.0}))
            for _ in range(4):
                action = yield tracker
                tracker.update(ActionExecuted(action))
                if action == "action_route":
                    tracker.update(SlotSet("last_need", rng.choice(intents)))
                if action == ACTION_LISTEN_NAME:
                    break


def _predicted_action(domain, prediction):
    return domain.action_names_or_texts[int(max(range(len(prediction.probabilities)),
                                                key=prediction.probabilities.__getitem__))]


def test_bounded_rule_policy_predicts_as_rule_policy_in_long_conversations(rule_policies):
    import random

    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    from rasa_wing.policy import _HISTORY

    domain, reference = rule_policies.domain, rule_policies.reference
    bounded = rule_policies.load()
    assert bounded.rule_window() and bounded._window == bounded.rule_window()
    predictions = carried_on = matched = 0
    conversations = _random_conversations(domain, random.Random(2610), conversations=4, turns=30)
    tracker = next(conversations)
    while True:
        expected = reference.predict_action_probabilities(tracker, domain)
        before = tracker.__dict__.get(_HISTORY)
        got = bounded.predict_action_probabilities(tracker, domain)
        carried_on += before is not None and tracker.__dict__.get(_HISTORY) is before
        assert bounded.last_states(tracker, domain) == tracker.past_states(domain)[-bounded._window:]
        for as_text in (True, False):
            states = reference._prediction_states(tracker, domain, as_text)
            for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
                assert (bounded._get_possible_keys(bounded.lookup[table], states)
                        == reference._get_possible_keys(reference.lookup[table], states))
                matched += bool(reference._get_possible_keys(reference.lookup[table], states))
        assert got.probabilities == expected.probabilities
        assert got.events == expected.events and got.hide_rule_turn == expected.hide_rule_turn
        predictions += 1
        try:
            tracker = conversations.send(_predicted_action(domain, got))
        except StopIteration:
            break
    assert predictions > 200
    assert carried_on > predictions * 0.8  # most carried on from the previous prediction's states
    assert matched > predictions // 2  # rules did match, not only the empty set


def test_rasa_predicts_through_the_bounded_members(rule_policies, monkeypatch):
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_wing.policy import BoundedRulePolicy
    from tests.support.rasa_harness import spy_on

    bounded = rule_policies.load()
    spies = {name: spy_on(monkeypatch, BoundedRulePolicy, name) for name in ("_prediction_states", "_get_possible_keys")}
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted(ACTION_LISTEN_NAME),
                                                     UserUttered("hej", {"name": "greet", "confidence": 1.0})])
    prediction = bounded.predict_action_probabilities(tracker, rule_policies.domain)
    assert _predicted_action(rule_policies.domain, prediction) == "action_route"
    assert {name: spy.calls > 0 for name, spy in spies.items()} == dict.fromkeys(spies, True)


def test_on_an_untested_rasa_the_policy_is_rule_policy(rule_policies, monkeypatch, caplog):
    import logging
    import random

    from rasa_wing import compat
    from rasa_wing.policy import BoundedRulePolicy
    from tests.support.rasa_harness import spy_on

    monkeypatch.setattr(compat, "installed_version", lambda package: "3.7.0")
    caplog.set_level(logging.WARNING, logger="rasa_wing")
    bounded = rule_policies.load()
    assert bounded._window is None and not bounded._bounded
    assert len(caplog.records) == 1 and "arbetar som RulePolicy" in caplog.text and "3.7.0" in caplog.text
    ours = [spy_on(monkeypatch, BoundedRulePolicy, name) for name in ("last_states", "_rule_checks")]
    domain, reference = rule_policies.domain, rule_policies.reference
    conversations = _random_conversations(domain, random.Random(7), conversations=2, turns=12)
    tracker = next(conversations)
    while True:
        got = bounded.predict_action_probabilities(tracker, domain)
        assert got.probabilities == reference.predict_action_probabilities(tracker, domain).probabilities
        try:
            tracker = conversations.send(_predicted_action(domain, got))
        except StopIteration:
            break
    assert [spy.calls for spy in ours] == [0, 0]  # none of the bounded code ran


def _sub_states():
    from hypothesis import strategies as st
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    values = st.sampled_from([SHOULD_NOT_BE_SET, "", None, 0, "greet", "kungalv", "action_route", (1.0,), [1.0], (0.0,)])
    sub = st.dictionaries(st.sampled_from(["intent", "action_name", "municipality", "audience"]), values, max_size=3)
    return st.dictionaries(st.sampled_from(["user", "prev_action", "slots", "active_loop"]), sub, max_size=3)


def test_prepared_rule_checks_agree_with_rule_policy():
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import PREVIOUS_ACTION

    from rasa_wing.policy import _applicable, _turn_check

    @settings(max_examples=600, deadline=None)
    @given(st.lists(_sub_states(), min_size=1, max_size=3), _sub_states(), st.integers(0, 3))
    def agree(rule_states, conversation_state, turn):
        key = json.dumps(rule_states)  # as RulePolicy keys its rules (tuples become lists)
        turns = tuple(_turn_check(state) for state in reversed(json.loads(key)))
        expected = RulePolicy._is_rule_applicable(RulePolicy, key, turn, conversation_state)
        assert _applicable(turns, turn, conversation_state, bool(conversation_state.get(PREVIOUS_ACTION))) == expected

    agree()


def test_rule_tables_give_rule_policys_keys_for_any_rules_and_states():
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rasa.core.policies.rule_policy import RulePolicy

    from rasa_wing.policy import BoundedRulePolicy

    names = st.sampled_from(["action_listen", "action_route", "utter_menu", None])
    intents = st.sampled_from(["greet", "suicidal", "thanks", None])

    def state(action, intent, extra):
        out = dict(extra)
        if action is not None:
            out["prev_action"] = {"action_name": action}
        if intent is not None:
            out["user"] = {"intent": intent}
        return out

    states = st.builds(state, names, intents, _sub_states())
    rules = st.lists(st.lists(states, min_size=1, max_size=3), min_size=1, max_size=12)

    @settings(max_examples=300, deadline=None)
    @given(rules, st.lists(states, min_size=1, max_size=4))
    def agree(rule_list, conversation):
        lookup = {json.dumps(r): "action_route" for r in rule_list}
        bounded = object.__new__(BoundedRulePolicy)
        expected = object.__new__(RulePolicy)._get_possible_keys(lookup, conversation)
        assert bounded._get_possible_keys(lookup, conversation) == expected

    agree()
    # found by hypothesis in a clean clone: a value that cannot be a dict key in the state
    agree.hypothesis.inner_test([[state("action_listen", "greet", {})]],
                                [state("action_listen", None, {"user": {"intent": [1.0]}})])


@pytest.mark.parametrize(("setting", "has_neighbour"), [(None, True), ("1", True), ("0", False)])
def test_stodlotsen_semantic_0_loads_the_vote_without_the_neighbour(tmp_path, monkeypatch, setting, has_neighbour):
    import numpy as np

    from bot.semantic import Neighbours

    storage, resource, context = _storage(tmp_path)
    with storage.write_to(resource) as directory:
        Neighbours(np.eye(2, dtype=np.float32), ["suicidal", "greet"]).save(directory / CrisisOverride.INDEX_FILE)
    monkeypatch.setattr(CrisisOverride, "encoder", lambda self: None)  # no model file needed here
    if setting is None:
        monkeypatch.delenv("STODLOTSEN_SEMANTIC", raising=False)
    else:
        monkeypatch.setenv("STODLOTSEN_SEMANTIC", setting)
    loaded = CrisisOverride.load({**CrisisOverride.get_default_config()}, storage, resource, context)
    assert (loaded.neighbours is not None) == has_neighbour


def test_the_vote_sees_rasas_fallback_intent_under_the_domains_name():
    from bot.crisis import NO_INTENT
    from rasa_wing.components import vote_ranking

    assert vote_ranking([("nlu_fallback", 0.3), ("greet", 0.2)]) == [(NO_INTENT, 0.3), ("greet", 0.2)]
