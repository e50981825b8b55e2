"""Which language a message is in, and the crisis line in that language (no Rasa here).

A crisis reply stays Swedish and keeps 112, Mind 90101 and Bris 116 111. When the message is
written in English, Arabic, Somali, Persian/Dari, Tigrinya, Ukrainian or Finnish, one short line
in that language says what each number in the reply is (`bot/crisis_languages.yml`, each line
`reviewed: false` until someone fluent approves it; `make check` counts them, the staff page reviews them).

Detection: Ethiopic script is Tigrinya (the one language in that script we answer for). Otherwise
`lingua` (lingua-language-detector, its models ship in the wheel) chooses among Swedish and the
seven, in its low-accuracy mode (about 40 MB, well under a millisecond a message); a message is
taken to be in another language only when lingua is at least `MIN_CONFIDENCE` sure, so short or
mixed Swedish stays Swedish. Measured on tests/crisis/ (docs/prestanda.md).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import yaml

logger = logging.getLogger(__name__)
LINES_FILE = Path(__file__).with_name("crisis_languages.yml")
LANGUAGES = ("en", "ar", "so", "fa", "ti", "uk", "fi")
MIN_CONFIDENCE = 0.5
_ETHIOPIC = re.compile(r"[\u1200-\u137f]")
_OTHER_LETTER = re.compile(r"[^\W\d_a-zA-ZÀ-ɏ]")  # a letter outside the Latin script
MIN_WORDS_LATIN = 3
SURE_LATIN = 0.9


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    codes = {Language.SWEDISH: "sv", Language.ENGLISH: "en", Language.ARABIC: "ar", Language.SOMALI: "so",
             Language.PERSIAN: "fa", Language.UKRAINIAN: "uk", Language.FINNISH: "fi"}
    return LanguageDetectorBuilder.from_languages(*codes).with_low_accuracy_mode().build(), codes


def _guess(text: str) -> Tuple[str | None, float]:
    """lingua's most likely language of *text* (a code of Swedish or LANGUAGES) and how sure it is."""
    text = (text or "").strip()
    if not text:
        return None, 0.0
    if _ETHIOPIC.search(text):
        return "ti", 1.0
    detector, codes = _detector()
    values = detector.compute_language_confidence_values(text)
    return (codes.get(values[0].language), values[0].value) if values else (None, 0.0)


def detect(text: str) -> str | None:
    """The language code of *text* if it is one of LANGUAGES, else None (Swedish or unsure)."""
    code, confidence = _guess(text)
    return code if code in LANGUAGES and confidence >= MIN_CONFIDENCE else None


def not_swedish(text: str) -> str | None:
    """The language of a message the bot should tell it cannot read well, or None: one of LANGUAGES but
    English (which the classifier has examples of), in a script other than Latin, or in Latin letters with
    at least `MIN_WORDS_LATIN` words and lingua `SURE_LATIN` sure ("asdf qwerty" is no Finnish)."""
    code, confidence = _guess(text)
    if code not in LANGUAGES or code == "en" or confidence < MIN_CONFIDENCE:
        return None
    if _OTHER_LETTER.search(text):
        return code
    if len(re.findall(r"\w+", text)) < MIN_WORDS_LATIN:
        return None
    return code if confidence >= SURE_LATIN else None


SWEDISH = "sv"  # the Swedish original of each line, for reviewers (staff/translations.py); never added to a reply


def load_lines(path: Path | None = None) -> Dict[str, dict]:
    """The language entries of *path* (LINES_FILE): {code: {name, reviewed, numbers: {number: text}}}, the
    Swedish original left out."""
    path = Path(path or LINES_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of language codes")
    for code, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("numbers"), dict) \
                or not isinstance(entry.get("reviewed"), bool):
            raise ValueError(f"{path}: {code}: needs name, reviewed (true/false) and numbers")
    return {code: entry for code, entry in data.items() if code != SWEDISH}


@lru_cache(maxsize=2)
def _lines_of(path: Path, stamp: tuple) -> Dict[str, dict]:
    return load_lines(path)


_last_lines: Dict[str, dict] = {}
_reported: Dict[Path, tuple] = {}


def _lines() -> Dict[str, dict]:
    """The lines, read again when the file changes (an approved or corrected line is used without a restart);
    while an edit is broken the last lines that loaded stay (make check names the fault)."""
    stamp: tuple = ()
    try:
        st = LINES_FILE.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        lines = _lines_of(LINES_FILE, stamp)
    except (OSError, ValueError, yaml.YAMLError) as e:
        if not _last_lines:
            raise
        if _reported.get(LINES_FILE) != stamp:
            _reported[LINES_FILE] = stamp
            logger.error("%s kan inte läsas (%s); de senaste raderna som gick att läsa används (kör make check).",
                         LINES_FILE.name, type(e).__name__)
        return _last_lines
    _last_lines.clear()
    _last_lines.update(lines)
    return lines


def crisis_line(text: str, reply_text: str) -> str | None:
    """One line in the writer's language naming what each number in *reply_text* is, or None."""
    return numbers_line(detect(text), reply_text)


def numbers_line(code: str | None, reply_text: str) -> str | None:
    """One line in language *code* naming what each number in *reply_text* is, or None."""
    entry = _lines().get(code) if code else None
    if entry is None:
        return None
    parts = [f"{number}: {meaning}" for number, meaning in entry["numbers"].items() if str(number) in reply_text]
    return " · ".join(parts) or None


def with_crisis_line(reply, text: str, cat):
    """*reply* (a `bot.replies.Reply`) with the line in the writer's language added when it names
    the emergency number (a crisis reply) and *text* is in one of LANGUAGES."""
    emergency = {r.id for r in cat.resources if r.emergency}
    if emergency & set(reply.resources):
        line = crisis_line(text, reply.text)
        if line:
            reply.messages.append(line)
    return reply
