"""What a conversation gave away, kept as keyed hashes only, and found again in its later texts (no Rasa).

When a person writes "jag heter Kalle" or "ring 070-123 45 67", the scrubber replaces the name and the number
(`bot.privacy.scrub`, which reports them as (original, placeholder)). The same name may come back later without
a cue ("Kalle slog mig igen", "Kalles pappa"), or the number without its leading 0 or with +46. `Known` keeps,
for one conversation, a keyed hash (HMAC-SHA256 with a key derived from the conversation-id key,
`bot.storage.load_key`) of each form of each identifier, never the identifier itself, and replaces every later
word, run of words or number whose hash it knows. The wing stores the hashes beside the conversation
(rasa_wing/event_writer.py), so they outlive the memory of recent conversations and a restart, and are purged
with it.

Forms: a name's words and the whole name (casefolded; a later genitive "Kalles", "Kalle's" counts); an
address's words with letters and the whole address; an e-mail address's and a user name's words; every number
as its national digits (no "+46", "0046", "46" or leading 0), also the last ten digits of a twelve-digit one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Dict, Iterable, Iterator, Tuple

_SUBKEY_LABEL = b"stodlotsen identifiers v1"
DIGEST_CHARS = 32  # 128 bits of the HMAC, as hex
MIN_WORD = 2  # shorter words are never remembered
MIN_DIGITS = 6  # shorter numbers are never remembered
MAX_PER_CONVERSATION = 400  # forms remembered per conversation (the first ones stay)
MAX_WORDS = 3  # a name or an address is matched as up to three words in a row

_WORD = re.compile(r"\w[\w'’-]{0,40}")
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER = re.compile(r"(?<![\d+])\+?\d(?:[ \t.\-/()]{0,2}\d){5,19}(?!\d)")
_SPLIT = re.compile(r"[\s._@'’:-]+")
_NUMBER_PLACEHOLDERS = ("[telefon]", "[personnummer]")
_AT = re.compile(r"@|[\s(\[{<](?:at|snabb?el-?a)[\s)\]}>]", re.IGNORECASE)


def subkey(key: bytes) -> bytes:
    """The key for identifiers, derived from the conversation-id key (a hash of one never equals the other)."""
    return hmac.new(key, _SUBKEY_LABEL, hashlib.sha256).digest()


def digest(key: bytes, form: str) -> str:
    return hmac.digest(key, form.encode("utf-8"), "sha256").hex()[:DIGEST_CHARS]


def number_forms(text: str) -> set[str]:
    """The national digits of a number as written ("+46 70-123 45 67" and "070 1234567" give the same), and the
    last ten digits of a twelve-digit one (a personnummer with its century)."""
    digits = re.sub(r"\D", "", text)
    forms = {_national(digits)}
    if len(digits) == 12:
        forms.add(_national(digits[2:]))
    return {"#" + f for f in forms if len(f) >= MIN_DIGITS}


def _national(digits: str) -> str:
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("46") and len(digits) >= 11:
        digits = digits[2:]
    return digits.lstrip("0")


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _SPLIT.split(text) if len(w) >= MIN_WORD and _LETTER.search(w)]


def forms(original: str, placeholder: str) -> set[str]:
    """The forms of one identifier the scrubber found (see the module docstring). Of an e-mail address only the
    part before the at sign counts ("hotmail", "com" and "se" identify nobody)."""
    if placeholder in _NUMBER_PLACEHOLDERS:
        return number_forms(original)
    if placeholder == "[e-post]":
        original = _AT.split(original, 1)[0]
    words = _words(original)
    out = set(words)
    if 1 < len(words) <= MAX_WORDS:
        out.add(" ".join(words))
    if len(re.sub(r"\D", "", original)) >= MIN_DIGITS:
        out |= number_forms(original)
    return out


def _genitive_free(word: str) -> str | None:
    for ending in ("'s", "’s", ":s", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= MIN_WORD:
            return word[: -len(ending)]
    return None


def candidates(text: str) -> Iterator[Tuple[int, int, str]]:
    """(start, end, form) of every word, run of up to three words and number in *text* that could be a form."""
    words = list(_WORD.finditer(text))
    for i, first in enumerate(words):
        parts: list[str] = []
        for w in words[i:i + MAX_WORDS]:
            if parts and text[words[i + len(parts) - 1].end():w.start()].strip():
                break  # only words with nothing but spaces between them
            parts.append(w.group(0).casefold())
            form = " ".join(parts)
            yield first.start(), w.end(), form
            bare = _genitive_free(parts[-1])
            if bare:
                yield first.start(), w.end(), " ".join(parts[:-1] + [bare])
    for m in _NUMBER.finditer(text):
        for form in number_forms(m.group(0)):
            yield m.start(), m.end(), form


class Known:
    """One conversation's identifiers as keyed hashes: digest -> placeholder."""

    def __init__(self, key: bytes, digests: Dict[str, str] | None = None) -> None:
        self._key = subkey(key)
        self.digests: Dict[str, str] = dict(digests or {})

    def add(self, found: Iterable[Tuple[str, str]]) -> Dict[str, str]:
        """Remember what the scrubber *found* ((original, placeholder) pairs); returns the digests that are new."""
        new: Dict[str, str] = {}
        for original, placeholder in found:
            for form in forms(original, placeholder):
                d = digest(self._key, form)
                if d not in self.digests and len(self.digests) < MAX_PER_CONVERSATION:
                    self.digests[d] = new[d] = placeholder
        return new

    def __bool__(self) -> bool:
        return bool(self.digests)

    def scrub(self, text: str) -> str:
        """*text* with every known word, run of words and number replaced by its placeholder (longest first)."""
        if not self.digests or len(text) < MIN_WORD:
            return text
        hits = []
        for start, end, form in candidates(text):
            placeholder = self.digests.get(digest(self._key, form))
            if placeholder is not None:
                hits.append((start, end, placeholder))
        if not hits:
            return text
        out, pos = [], 0
        for start, end, placeholder in sorted(hits, key=lambda h: (h[0], -h[1])):
            if start < pos:
                continue
            out += [text[pos:start], placeholder]
            pos = end
        out.append(text[pos:])
        return "".join(out)
