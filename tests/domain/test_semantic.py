"""The semantic neighbour (bot/semantic.py): the decision on made-up vectors, and the real encoder."""
import numpy as np
import pytest

from bot import semantic
from bot.semantic import Encoder, ModelMismatch, Neighbours, clip


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def neighbours():
    vectors = np.stack([unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0), unit(0, 0, 1)])
    return Neighbours(vectors, ["suicidal", "acute_danger", "greet", "friend_self_harm"], margin=0.05)


def test_the_nearest_crisis_example_must_beat_the_nearest_calm_one_by_the_margin(neighbours):
    assert neighbours.opinion(unit(1, 0.05, 0)).kind == "suicidal"
    assert neighbours.opinion(unit(0.3, 1, 0)).kind is None  # nearer the calm example
    assert neighbours.opinion(unit(0, 0.1, 1)).kind == "self_harm"  # a friend's self-harm is self-harm
    two = Neighbours(np.stack([unit(1, 0), unit(0, 1)]), ["suicidal", "greet"], margin=0.05)
    barely = unit(1, 0.95)  # 0.036 nearer the crisis example
    assert two.opinion(barely).kind is None
    assert two.opinion(barely, margin=0.0).kind == "suicidal"


def test_an_index_survives_saving(neighbours, tmp_path):
    neighbours.save(tmp_path / "n.npz")
    again = Neighbours.load(tmp_path / "n.npz", margin=0.05)
    assert again.opinion(unit(1, 0.05, 0)).kind == "suicidal"
    assert list(again.intents) == list(neighbours.intents)


def test_an_index_needs_crisis_and_calm_examples():
    with pytest.raises(ValueError):
        Neighbours(np.stack([unit(1, 0)]), ["greet"])


def test_long_text_keeps_its_beginning_and_end():
    text = "början " + "mitten " * 200 + "slutet"
    clipped = clip(text, 100)
    assert clipped.startswith("början") and clipped.endswith("slutet") and len(clipped) < 110


@pytest.fixture(scope="module")
def encoder():
    return Encoder()


def test_the_bundled_model_puts_a_paraphrase_nearer_than_an_unrelated_message(encoder):
    a, b, c = encoder.embed(["jag vill inte leva längre", "I don't want to live anymore", "när öppnar biblioteket"])
    assert a @ b > a @ c
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-3


def test_the_cache_gives_the_same_vectors(encoder, tmp_path):
    texts = ["hej", "mobilen dog"]
    first = encoder.embed_cached(texts, tmp_path / "cache.npz")
    again = encoder.embed_cached(texts, tmp_path / "cache.npz")
    assert np.allclose(first, again) and np.allclose(first, encoder.embed(texts), atol=1e-5)


def test_a_model_file_that_is_not_the_pinned_one_is_refused(monkeypatch):
    monkeypatch.setattr(semantic, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelMismatch):
        Encoder()
