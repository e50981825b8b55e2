"""bot.intent_model: the intent classifier without Rasa around it (trains in a few seconds)."""
import numpy as np
import pytest
import skops.io as sio
from rasa.shared.nlu.training_data.loading import load_data

from bot.intent_model import IntentModel, Settings
from tests.conftest import ROOT


def _examples(path):
    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


@pytest.fixture(scope="module")
def trained():
    texts, intents = zip(*_examples(ROOT / "data" / "nlu"), strict=True)
    return IntentModel.train(texts, intents)


@pytest.fixture(scope="module")
def held_out():
    return _examples(ROOT / "tests" / "nlu_test.yml")


EDGE_CASES = ["", "   ", "😀😀😀", "x" * 5000, "hej " * 1250, "asdkjh qwpoeiru zzxv", "ÅÄÖ åäö!!", "112 116111 90101"]


def test_fast_scores_are_sklearns_scores(trained, held_out):
    texts = [t for t, _ in held_out] + EDGE_CASES
    fast, reference = trained.rank(texts), trained.rank_with_sklearn(texts)
    for text, mine, theirs in zip(texts, fast, reference, strict=True):
        assert [n for n, _ in mine] == [n for n, _ in theirs], text
        assert np.allclose([p for _, p in mine], [p for _, p in theirs], rtol=0, atol=1e-12), text


def test_ranking_is_every_intent_best_first_summing_to_one(trained):
    (ranking,) = trained.rank(["dom i klassen slår mig på rasten"])
    assert sorted(n for n, _ in ranking) == sorted(trained.intents)
    probabilities = [p for _, p in ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)
    assert ranking[0][0] == "child_bullying"


def test_spelling_without_a_ring_and_dots_is_the_same_message(trained):
    with_dots, without = trained.rank(["jag mår så dåligt och är ledsen", "JAG MAR SA DALIGT OCH AR LEDSEN"])
    assert with_dots == without


def test_held_out_accuracy_without_the_crisis_layer(trained, held_out):
    # The whole pipeline (with FallbackClassifier and CrisisOverride) is measured by `make test-nlu`.
    predicted = [r[0][0] for r in trained.rank([t for t, _ in held_out])]
    accuracy = np.mean([p == i for p, (_, i) in zip(predicted, held_out, strict=True)])
    assert accuracy >= 0.88


def test_training_is_repeatable(trained):
    texts, intents = zip(*_examples(ROOT / "data" / "nlu"), strict=True)
    again = IntentModel.train(texts, intents)
    message = ["min pappa dricker och skriker på mamma"]
    assert again.rank(message) == trained.rank(message)


def test_saved_model_loads_with_the_same_scores(trained, tmp_path):
    path = tmp_path / "model.skops"
    trained.save(path)
    loaded = IntentModel.load(path)
    assert loaded.rank(EDGE_CASES) == trained.rank(EDGE_CASES)


class Unexpected:
    pass


def test_a_model_file_with_unknown_types_is_refused(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"payload": Unexpected()}, path)
    with pytest.raises(ValueError, match="not trusted"):
        IntentModel.load(path)


def test_too_few_examples_for_the_calibration_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 5 examples"):
        IntentModel.train(["hej", "hallå", "tjena", "hejdå", "vi ses", "adjö", "tack"],
                          ["greet", "greet", "greet", "goodbye", "goodbye", "goodbye", "thanks"])


def test_settings_from_config_take_lists_and_ignore_other_keys():
    s = Settings.from_config({"C": 0.5, "char_ngrams": [3, 4], "ranking_length": 10, "name": "x"})
    assert s == Settings(C=0.5, char_ngrams=(3, 4))
