"""The custom NLU components on hand-made messages (no trained model needed)."""
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_components import UNSURE_ACUTE, CrisisOverride, FoldingWhitespaceTokenizer


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
    assert m.get("crisis") == {"kind": None, "rule": None, "idiom": True, "hint": None}


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


def test_even_a_confident_acute_guess_needs_a_rule(override):
    m = override.process([classified("nån blev rånad vid busshållplatsen, känns otryggt",
                                      [("acute_danger", 0.95), ("fear_news", 0.03)])])[0]
    assert m.get(INTENT)["name"] == "fear_news"
    assert m.get("crisis")["hint"] == UNSURE_ACUTE


def test_calm_message_is_left_alone(override):
    m = override.process([classified("tjena", [("greet", 0.99)])])[0]
    assert m.get(INTENT) == {"name": "greet", "confidence": 0.99}


def test_tokenizer_folds_lemmas_but_keeps_text():
    tok = FoldingWhitespaceTokenizer({**FoldingWhitespaceTokenizer.get_default_config()})
    tokens = tok.tokenize(Message(data={TEXT: "Pappa SLÅR mej"}), TEXT)
    assert [t.text for t in tokens] == ["Pappa", "SLÅR", "mej"]
    assert [t.lemma for t in tokens] == ["pappa", "slar", "mej"]
