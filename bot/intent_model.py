"""The intent classifier behind `rasa_wing.components.LinearIntentClassifier` (no Rasa here).

Folded text (`bot.text.fold`: lower case, å/ä → a, ö → o, other scripts kept) is turned into TF-IDF weighted
word 1–2-grams and character 2–5-grams within words; a linear support-vector machine
separates the intents, and Platt scaling fitted on cross-validated scores turns its margins
into probabilities (for the FallbackClassifier threshold and the runner-up rules in
`rasa_wing.components.CrisisOverride` and `bot.conversation`).

Why not DIET: on our held-out set (tests/nlu_test.yml) this model is at least as accurate, is
the same after every retraining, trains and answers much faster and needs no TensorFlow model
in memory (the figures: docs/prestanda.md).

`_Scorer` computes the same numbers as sklearn's `predict_proba` from the fitted parameters
directly (the same n-grams, TF-IDF weights, margins and Platt scaling), without sklearn's input
checks and sparse-matrix set-up for a single row; tests/domain/test_intent_model.py checks that both agree.

The model is saved with skops, which refuses to load any type it was not told to trust.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import skops.io as sio
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from bot.text import fold

# The sklearn types a saved model may contain besides skops' own defaults (skops.io trusts
# common numpy/sklearn types by itself). Anything else in a model file is refused.
TRUSTED_TYPES = [
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
]


@dataclass(frozen=True)
class Settings:
    """What config.yml may set for the classifier."""

    C: float = 1.0  # SVM regularisation: smaller is smoother
    word_ngrams: Tuple[int, int] = (1, 2)
    char_ngrams: Tuple[int, int] = (2, 5)
    calibration_folds: int = 5
    random_seed: int = 2610

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Settings:
        known = {k: config[k] for k in cls.__dataclass_fields__ if k in config}
        for key in ("word_ngrams", "char_ngrams"):
            if key in known:
                known[key] = tuple(int(n) for n in known[key])
        return cls(**known)


def build(settings: Settings) -> Pipeline:
    """An untrained pipeline: folded text in, intent probabilities out."""
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=settings.word_ngrams, sublinear_tf=True, lowercase=False)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams, sublinear_tf=True,
                                  lowercase=False)),
    ])
    svm = LinearSVC(C=settings.C, random_state=settings.random_seed)
    folds = StratifiedKFold(settings.calibration_folds, shuffle=True, random_state=settings.random_seed)
    return Pipeline([("features", features),
                     ("classifier", CalibratedClassifierCV(svm, cv=folds, ensemble=False))])


class _Scorer:
    """`pipeline.predict_proba` for one folded text, from the fitted parameters (see module doc)."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: FeatureUnion = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_
        if len(calibrated) != 1 or len(pipeline.classes_) < 3:
            raise ValueError("expects one calibrated classifier (ensemble=False) and at least three intents")
        self.parts = []  # (analyzer, vocabulary, idf, sublinear tf, first column)
        offset = 0
        for _, vectorizer in union.transformer_list:
            if vectorizer.norm != "l2" or not vectorizer.use_idf:
                raise ValueError("expects TF-IDF with l2 norm")
            self.parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_,
                               vectorizer.sublinear_tf, offset))
            offset += len(vectorizer.vocabulary_)
        svm = calibrated[0].base_estimator
        if list(svm.classes_) != list(pipeline.classes_):
            raise ValueError("the classifier's intents are not in the pipeline's order")
        self.coef = np.ascontiguousarray(svm.coef_.T)  # features × intents
        self.intercept = svm.intercept_
        self.a = np.array([c.a_ for c in calibrated[0].calibrators])
        self.b = np.array([c.b_ for c in calibrated[0].calibrators])

    def proba(self, folded: str) -> np.ndarray:
        columns, weights = [], []
        for analyzer, vocabulary, idf, sublinear, offset in self.parts:
            counts = Counter(j for j in map(vocabulary.get, analyzer(folded)) if j is not None)
            if not counts:
                continue
            cols = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
            w = (1.0 + np.log(tf) if sublinear else tf) * idf[cols]
            columns.append(cols + offset)
            weights.append(w / np.sqrt(w @ w))
        margin = self.intercept.copy()
        if columns:
            margin += np.concatenate(weights) @ self.coef[np.concatenate(columns)]
        p = expit(-(self.a * margin + self.b))
        total = p.sum()
        p = p / total if total != 0 else np.full_like(p, 1.0 / len(p))
        p[(1.0 < p) & (p <= 1.0 + 1e-5)] = 1.0
        return p


class IntentModel:
    """A trained classifier: `rank(texts)` gives every intent with its probability, best first."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.intents: List[str] = [str(c) for c in pipeline.classes_]
        self._scorer = _Scorer(pipeline)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], settings: Settings = Settings()) -> IntentModel:
        labels = np.array(intents)
        if len(texts) != len(labels) or not len(labels):
            raise ValueError("training needs as many intents as texts, and at least one of each")
        smallest = min(np.unique(labels, return_counts=True)[1])
        if smallest < settings.calibration_folds:
            raise ValueError(f"every intent needs at least {settings.calibration_folds} examples "
                             f"(calibration_folds); the smallest has {smallest}")
        pipeline = build(settings)
        pipeline.fit([fold(t) for t in texts], labels)
        return cls(pipeline)

    def rank(self, texts: Sequence[str]) -> List[List[Tuple[str, float]]]:
        """For each text, (intent, probability) for every intent, most likely first."""
        return [self._ranking(self._scorer.proba(fold(t))) for t in texts]

    def rank_with_sklearn(self, texts: Sequence[str]) -> List[List[Tuple[str, float]]]:
        """The same as `rank`, through sklearn's own predict_proba (slower; for checks)."""
        if not texts:
            return []
        return [self._ranking(row) for row in self.pipeline.predict_proba([fold(t) for t in texts])]

    def _ranking(self, probabilities: np.ndarray) -> List[Tuple[str, float]]:
        return [(self.intents[j], float(probabilities[j])) for j in np.argsort(-probabilities, kind="stable")]

    def save(self, path: Path) -> None:
        sio.dump(self.pipeline, path)

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if unexpected:
            raise ValueError(f"{path}: the model file holds types that are not trusted: {unexpected}")
        return cls(sio.load(path, trusted=untrusted))
