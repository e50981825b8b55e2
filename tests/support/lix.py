"""LIX (läsbarhetsindex): words per sentence + percentage of words longer than six letters.

Below 30 is very easy (children's books), 30–40 easy, 40–50 ordinary news text.
"""
from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n+")


def lix(text: str) -> float:
    """LIX of *text*; a text without words scores 0.

    Sentences end at . ! ? : or a line break; a text with no end mark is one sentence.
    """
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    long_words = sum(1 for w in words if len(w.replace("-", "")) > 6)
    return len(words) / max(1, len(sentences)) + 100.0 * long_words / len(words)
