"""Text normalisation shared by every matcher (crisis, audience, municipality)."""
from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "æ": "a", "ø": "o"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NON_LETTER = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower-case, fold å/ä/ö to a/a/o, turn everything but letters and digits into single spaces.

    >>> normalize("Jag VILL inte leva längre!!")
    'jag vill inte leva langre'
    """
    text = unicodedata.normalize("NFKC", text or "").lower().translate(_FOLD)
    return _NON_WORD.sub(" ", text).strip()


def fold(text: str) -> str:
    """Like `normalize`, but letters of other scripts (Arabic, Cyrillic, Ethiopic …) are kept.

    The classifier reads this, so that its character n-grams can learn from examples in other
    languages; for Swedish text it is the same as `normalize`.

    >>> fold("Jag VILL inte leva längre!!"), fold("أريد أن أموت")
    ('jag vill inte leva langre', 'أريد أن أموت')
    """
    text = unicodedata.normalize("NFKC", text or "").lower().translate(_FOLD)
    return _NON_LETTER.sub(" ", text).strip()


def mentions_any(text: str, words: list[str]) -> bool:
    """Whether the normalised *text* contains any of *words* (also normalised) as a substring.

    >>> mentions_any("Får jag vara ANONYM?", ["anonym", "namn"])
    True
    """
    t = normalize(text)
    return any(normalize(w) in t for w in words if normalize(w))
