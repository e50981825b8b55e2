"""What may be kept about a conversation: scrubbing, pseudonymous ids, retention settings.

No Rasa imports: the tracker store (`bot/adapters/tracker_store.py`) calls these before anything is
written to the database. The classifier and the actions always see the original text in
memory; only what is persisted is scrubbed.

Scrubbed (replaced by a placeholder), with examples:

- `[personnummer]`: personnummer and samordningsnummer, with or without century, dash, plus
  or space: 19121212-1212, 121212-1212, 121212+1212, 201212121212, 701063-2391.
- `[telefon]`: Swedish phone numbers, national and international: 070-123 45 67, 0701234567,
  +46 70 123 45 67, +46 (0)70-123 45 67, 0046701234567, 08-123 456 78.
- `[e-post]`: e-mail addresses: kalle.svensson@example.com.
- `[adress]`: a street name ending in -gatan/-vägen/-gränd/-stigen/-torget/-backen/... and a
  number (Storgatan 12B, skolvagen 3 lgh 1102, Drottning Kristinas väg 12); a postcode with a
  town (123 45 Nyköping).
- `[namn]`: the name after "heter", "mitt namn är", "kallas", "my name is", "I'm called",
  "call me": jag heter Kalle Svensson, ja heter kalle, min pappa heter Johan Andersson.

Never scrubbed: the public support numbers in the catalogue (112, 116 111, 90101, 020-50 50 50,
...), so the bot's own replies stay readable in the store. Over-scrubbing is preferred to
under-scrubbing: a ten-digit number shaped like a date is scrubbed even if it fails the Luhn check.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

logger = logging.getLogger(__name__)

PERSONNUMMER = "[personnummer]"
PHONE = "[telefon]"
EMAIL = "[e-post]"
ADDRESS = "[adress]"
NAME = "[namn]"

KEY_ENV = "STODLOTSEN_HASH_KEY"
KEY_FILE_ENV = "STODLOTSEN_HASH_KEY_FILE"
DEFAULT_KEY_FILE = ".stodlotsen-nyckel"
RETENTION_ENV = "STODLOTSEN_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
SENDER_PREFIX = "anon-"

# --- personnummer / samordningsnummer ------------------------------------------------------
# YYMMDD or YYYYMMDD, then '-', '+', ' ' or nothing, then four digits. The day may be 61-91
# (samordningsnummer: day + 60).
_PNR = re.compile(
    r"(?<![\d+])"
    r"(?P<century>(?:18|19|20))?"
    r"(?P<date>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))"
    r"\s?(?P<sep>[-+])?\s?"
    r"(?P<tail>\d{4})"
    r"(?!\d)"
)


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by Swedish personnummer (on the ten digits YYMMDDNNNC)."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


# --- phone numbers ----------------------------------------------------------------------------
# International: +46 / 0046, optional (0), then 7-9 digits with spaces or dashes between.
_SEP = r"(?:\s?[-–]\s?|\s)?"  # between digits: nothing, a space, or a dash with optional spaces
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|00)\s?46" + _SEP + r"(?:\(0\)\s?)?\d(?:" + _SEP + r"\d){6,9}(?!\d)"
)
# National: a leading 0, then 7-9 more digits (8-10 digits in all) with spaces or dashes between.
_PHONE_NATIONAL = re.compile(
    r"(?<![\w+(])(?:0\d(?:" + _SEP + r"\d){6,8}"  # 070-123 45 67, 08-123 456 78
    r"|\(0\d{1,3}\)\s?\d(?:" + _SEP + r"\d){4,7})(?!\d)"  # (070) 123 45 67, (08) 12 34 56
)

# --- e-mail -----------------------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)

# --- street addresses -------------------------------------------------------------------------
_STREET_SUFFIXES = [
    "gatan", "gata", "vägen", "väg", "gränd", "gränden", "stigen", "stig", "torget", "torg", "allén", "allé",
    "backen", "backe", "plan", "planen", "leden", "led", "platsen", "plats", "liden", "lid", "slingan", "ringen",
    "parken", "kroken", "krok", "berget", "höjden", "strand", "stranden", "kajen", "esplanaden", "svängen",
    "vägen", "gården", "hagen", "ängen", "udden", "holmen", "tået", "bron", "längan",
]


def _fold_variants(words: Iterable[str]) -> list[str]:
    out = set()
    for w in words:
        out.add(w)
        out.add(w.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e"))
    return sorted(out, key=len, reverse=True)


_WORD = r"[^\W\d_][\w'’-]*"
_SUFFIX = "(?i:" + "|".join(_fold_variants(_STREET_SUFFIXES)) + ")"
_STREET = re.compile(
    r"(?<!\w)(?:"
    r"(?:[A-ZÅÄÖ][\w'’-]*\s+){0,2}[^\W\d_]{2,}" + _SUFFIX  # Storgatan, skolvagen, Gamla Kungsvägen
    + r"|(?:[A-ZÅÄÖ][\w'’-]*\s+){1,2}" + _SUFFIX  # Drottning Kristinas väg
    + r")\s+\d{1,4}(?:\s?[A-Za-z](?!\w))?"  # number, optional letter: 12B, 12 b
    r"(?:\s*,?\s*(?i:lgh|lägenhet|lagenhet|våning|vaning|tr)\.?\s*\d{1,4})?"  # apartment
)
# A postcode followed by a town: "123 45 Nyköping".
_POSTCODE = re.compile(r"(?<![\d\w])[1-9]\d{2}\s?\d{2}\s+[A-ZÅÄÖ][a-zåäöé]+")

# --- names ------------------------------------------------------------------------------------
# The trigger, then the name: the first word always (unless a pronoun/question word), then up
# to two more words that are not common function words ("jag heter kalle och ...").
_NAME_TRIGGER = re.compile(
    r"(?<!\w)(?:"
    r"heter|hetter|heeter|kallas|kalla\s+mig|mitt\s+namn\s+(?:är|ar|e|va|var)|namnet\s+(?:är|ar|e)"
    r"|my\s+name\s+is|my\s+name's|i'?m\s+called|i\s+am\s+called|call\s+me|they\s+call\s+me"
    r")\s*[:,]?\s+",
    re.IGNORECASE,
)
_NOT_A_NAME = {
    # pronouns, question words, verbs and little words that follow "heter" without being a name
    "du", "ni", "han", "hon", "hen", "den", "det", "de", "dom", "vi", "jag", "ja", "man", "mig", "mej", "dig", "dej",
    "vad", "va", "hur", "vem", "vilken", "något", "nåt", "nat", "inget", "ingenting", "samma", "också", "ocksa",
    "you", "he", "she", "it", "they", "me", "what", "who", "a", "the", "is",
}
_STOP_AFTER_NAME = _NOT_A_NAME | {
    "och", "o", "å", "men", "eller", "är", "ar", "e", "va", "var", "bor", "går", "gar", "mår", "mar",
    "i", "på", "pa", "från", "fran", "med", "som", "typ", "liksom", "alltså", "asså", "jag", "ja",
    "min", "mitt", "mina", "pappa", "mamma", "har", "hade", "kan", "vill", "ska", "fast", "så", "sa",
    "till", "för", "for", "om", "när", "nar", "hej", "hejsan", "tack", "snälla", "snalla", "inte", "int",
    "år", "gammal", "gamla", "tycker", "känner", "kanner", "behöver", "behover", "undrar", "blir", "slår",
    "slar", "and", "i'm", "im", "am", "from", "live", "but", "my", "years", "old", "who", "is", "was",
}
_NAME_WORD = re.compile(_WORD)


def _scrub_names(text: str, found: list | None) -> str:
    out: list[str] = []
    pos = 0
    for m in _NAME_TRIGGER.finditer(text):
        if m.start() < pos:
            continue
        i = m.end()
        words = []
        while len(words) < 3:
            w = _NAME_WORD.match(text, i)
            if not w:
                break
            word = w.group(0)
            lower = word.lower().strip("'’-")
            if (not words and lower in _NOT_A_NAME) or (words and lower in _STOP_AFTER_NAME):
                break
            words.append(w)
            gap = re.match(r"[ \t]+", text[w.end():])
            if not gap:
                break
            i = w.end() + gap.end()
        if not words:
            continue
        if found is not None:
            found.append((text[words[0].start():words[-1].end()], NAME))
            found.extend((w.group(0), NAME) for w in words)
        out.append(text[pos:words[0].start()])
        out.append(NAME)
        pos = words[-1].end()
    out.append(text[pos:])
    return "".join(out)


# --- public numbers that are never scrubbed -----------------------------------------------------
def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@lru_cache(maxsize=1)
def public_numbers() -> frozenset:
    """Digits of every phone/sms number in the catalogue (the bot says them; they identify nobody)."""
    try:
        from bot import catalogue

        cat = catalogue.load()
    except Exception:  # noqa: BLE001 - without a catalogue, scrub everything that looks like a number
        logger.warning("Katalogen kunde inte läsas; alla telefonnummer rensas.")
        return frozenset()
    return frozenset(_digits(n) for r in cat.resources for n in (r.phone, r.sms) if n)


_HAS_DIGIT = re.compile(r"\d")
_HAS_SPACE = re.compile(r"\s")
_MAYBE_EMAIL = re.compile(r"@|\(at\)|\[at\]", re.IGNORECASE)
# The two slowest patterns (they backtrack over every word) run only when a cheap necessary
# condition holds: an e-mail needs its @ sign; a street address needs a letter right before a
# space and a digit, and the letters there must end in a street word ("Storgatan 12").
_LETTER_SPACE_DIGIT = re.compile(r"(?<=[^\W\d_])\s+\d")
_STREET_ENDINGS = tuple(w.casefold() for w in _fold_variants(_STREET_SUFFIXES))


def _may_hold_street(text: str) -> bool:
    return any(text[max(0, m.start() - 12):m.start()].casefold().endswith(_STREET_ENDINGS)
               for m in _LETTER_SPACE_DIGIT.finditer(text))


def scrub(text: str, keep: Iterable[str] | None = None, found: list | None = None) -> str:
    """*text* with personal identifiers replaced by placeholders.

    *keep*: digit strings that stay (default: the catalogue's public support numbers).
    *found*: if given, each removed identifier is appended as (original, placeholder).

    >>> scrub("jag heter Kalle Svensson, ring 070-123 45 67 eller 116 111")
    'jag heter [namn], ring [telefon] eller 116 111'
    """
    if not text:
        return text
    if not _HAS_DIGIT.search(text) and not _MAYBE_EMAIL.search(text):
        # Without digits or an e-mail sign only a name can be in it ("jag heter Kalle").
        return _scrub_names(text, found) if _HAS_SPACE.search(text) else text
    keep_digits = public_numbers() if keep is None else frozenset(_digits(k) for k in keep)

    def replace(placeholder: str, check=None):
        def sub(m: re.Match) -> str:
            if check is not None and not check(m):
                return m.group(0)
            if found is not None:
                found.append((m.group(0), placeholder))
            return placeholder
        return sub

    if _MAYBE_EMAIL.search(text):
        text = _EMAIL.sub(replace(EMAIL), text)
    # A personnummer-shaped number with a valid check digit, then phone numbers, then any other
    # date-shaped ten/twelve digit number (over-scrubbing is safer than leaking one).
    text = _PNR.sub(replace(PERSONNUMMER, lambda m: luhn_ok(m.group("date") + m.group("tail"))), text)
    not_public = lambda m: _digits(m.group(0)) not in keep_digits  # noqa: E731
    text = _PHONE_INTL.sub(replace(PHONE, not_public), text)
    text = _PHONE_NATIONAL.sub(replace(PHONE, not_public), text)
    text = _PNR.sub(replace(PERSONNUMMER), text)
    if _may_hold_street(text):
        text = _STREET.sub(replace(ADDRESS), text)
    text = _POSTCODE.sub(replace(ADDRESS), text)
    return _scrub_names(text, found)


def identifiers(value: Any) -> list:
    """Every identifier found in the strings inside *value*, as (original, placeholder)."""
    found: list = []
    for text in _strings(value):
        scrub(text, found=found)
    return found


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in _STRUCTURAL_KEYS:
                yield from _strings(k)
                yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


# --- events -------------------------------------------------------------------------------------
# Keys whose values are structural (set by Rasa or by us, never by the user): left as they are.
_STRUCTURAL_KEYS = {"event", "timestamp", "policy", "confidence", "type_name", "input_channel", "message_id"}


REMOVED = "[borttaget]"


def _scrub_text(text: str, echoes: list) -> str:
    text = scrub(text)
    for original, placeholder in echoes:
        text = re.sub(r"(?<!\w)" + re.escape(original) + r"(?!\w)", placeholder, text, flags=re.IGNORECASE)
    return text


def scrub_value(value: Any, key: str | None = None, echoes: list = ()) -> Any:
    """Scrub every string inside *value* (dicts, lists, nested), dict keys included.

    *echoes*: identifiers found elsewhere in the conversation, as (original, placeholder); they are
    replaced wherever they occur (a reply that repeats a name the user gave)."""
    if key in _STRUCTURAL_KEYS:
        return value
    if isinstance(value, str):
        return _scrub_text(value, echoes)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        # A number sent as a JSON integer (e.g. a personnummer in metadata) is still a number.
        as_text = str(value)
        scrubbed = scrub(as_text)
        return value if scrubbed == as_text else scrubbed
    if isinstance(value, dict):
        return {(_scrub_text(k, echoes) if isinstance(k, str) else k): scrub_value(v, k, echoes) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_value(v, None, echoes) for v in value]
    return value


def _normal(text: str) -> str:
    from bot.text import normalize

    return normalize(text)


def scrub_event(event: dict, echoes: Iterable = ()) -> dict:
    """A copy of a Rasa event dict (`Event.as_dict()`) with every user-controlled string scrubbed:
    user text, parse data (text, entity values), metadata, slot values, bot text.

    An entity value that no longer occurs in the scrubbed text (it was part of an identifier,
    e.g. a name the classifier took for a place) becomes "[borttaget]". *echoes*: identifiers
    found in the user's messages of the same conversation (see `identifiers`)."""
    echoes = sorted(set(echoes), key=lambda e: len(e[0]), reverse=True)
    echoes = [e for e in echoes if len(e[0]) >= 2]
    out = scrub_value(event, None, echoes)
    parse = out.get("parse_data") if isinstance(out, dict) else None
    if isinstance(parse, dict):
        kept = _normal(parse.get("text") or out.get("text") or "")
        for entity in parse.get("entities") or []:
            if not isinstance(entity, dict):
                continue
            value = entity.get("value")
            if isinstance(value, str) and _normal(value) and _normal(value) not in kept:
                entity["value"] = REMOVED
            if isinstance(entity.get("text"), str) and _normal(entity["text"]) not in kept:
                entity["text"] = REMOVED
    return out


# --- pseudonymous conversation ids ---------------------------------------------------------------
def hash_sender(sender_id: str, key: bytes) -> str:
    """A keyed hash (HMAC-SHA256) of the conversation id: stable for the same key, not reversible."""
    digest = hmac.new(key, str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest


def load_key(path: os.PathLike | str | None = None) -> bytes:
    """The hashing key: `STODLOTSEN_HASH_KEY`, else the key file (created on first run, mode 0600)."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        if len(from_env) < 16:
            raise ValueError(f"{KEY_ENV} är för kort: använd minst 16 tecken (gärna 64 slumpade hextecken).")
        return from_env.encode("utf-8")
    path = Path(path or os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 16:
            raise ValueError(f"Nyckelfilen {path} är tom eller för kort. Ta bort den så skapas en ny.") from None
        return key.encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    logger.info("Skapade en ny nyckel för pseudonyma samtals-id i %s", path)
    return key.encode("ascii")


def retention_days(configured: Any = None) -> int:
    """Days a conversation is kept: `STODLOTSEN_RETENTION_DAYS`, else *configured*, else 30."""
    raw = os.environ.get(RETENTION_ENV) or configured
    if raw in (None, ""):
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"Lagringstiden måste vara ett heltal (dagar), inte {raw!r}.") from None
    if days < 1:
        raise ValueError(f"Lagringstiden måste vara minst 1 dag, inte {days}.")
    return days
