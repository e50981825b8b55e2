"""Scrubbing a text: personnummer, phone numbers, e-mail, addresses and names become placeholders.

No Rasa imports. The wing scrubs Rasa's events with it (`rasa_wing/event_scrub.py`) before anything
is written to the database; the pseudonymous ids and the retention time are in `bot/storage.py`.
The classifier and the actions always see the original text in memory; only what is persisted is
scrubbed.

First the text is normalised (`normalise`: NFKC, format characters dropped, every space, dash and digit its
ASCII form) and digits written as words become digits where a run of them forms a number; the scrubbed text
is that normalised text, and that is what is stored.

Scrubbed (replaced by a placeholder), with examples:

- `[personnummer]`: personnummer and samordningsnummer, with or without century, dash, plus
  or space: 19121212-1212, 121212-1212, 121212+1212, 201212121212, 701063-2391.
- `[telefon]`: Swedish phone numbers, national and international: 070-123 45 67, 0701234567,
  +46 70 123 45 67, +46 (0)70-123 45 67, 0046701234567, 08-123 456 78.
- `[e-post]`: e-mail addresses: kalle.svensson@example.com.
- `[adress]`: a street name ending in -gatan/-vägen/-gränd/-stigen/-torget/-backen/... and a
  number (Storgatan 12B, skolvagen 3 lgh 1102, Drottning Kristinas väg 12); a postcode with a
  town (123 45 Nyköping).
- `[adress]` also: "I live at 43 Baker Street", "Hauptstraße 44", "улица Ленина 371", "شارع …", "Storgatan tolv".
- `[användarnamn]`: Snapchat, Instagram … user names ("snap: kalle_99", "min insta är kalle.99", "@kalle_99").
- `[namn]`: names, in every language the bot answers in (`bot/names.py`, cues in `bot/name_cues.yml`).

Never scrubbed: the public support numbers in the catalogue (112, 116 111, 90101, 020-50 50 50,
...), so the bot's own replies stay readable in the store. Over-scrubbing is preferred to
under-scrubbing: a ten-digit number shaped like a date is scrubbed even if it fails the Luhn check.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from bot import names
from bot.unicode_folds import FOLDS

logger = logging.getLogger(__name__)

PERSONNUMMER = "[personnummer]"
PHONE = "[telefon]"
EMAIL = "[e-post]"
ADDRESS = "[adress]"
NAME = names.NAME
HANDLE = "[användarnamn]"


# --- normalisation ------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """*text* as the scrubber reads it and as it is stored: NFKC (full-width and other compatibility forms become
    their plain letters, "＠" and "﹫" an @), format characters dropped (zero-width spaces, direction marks, the
    soft hyphen), every space a plain space, every dash "-", every decimal digit (Arabic-Indic, Persian …) its
    ASCII digit (the table: bot/unicode_folds.py)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(FOLDS)


# Digits written as words, where a run of them forms a number ("noll sju noll, ett två tre …", "zero seven …"):
# the run becomes its digits, so that the number rules below see it. Shorter runs stay words.
_UNITS = {"noll": "0", "ett": "1", "en": "1", "två": "2", "tva": "2", "tre": "3", "fyra": "4", "fem": "5", "sex": "6",
          "sju": "7", "åtta": "8", "atta": "8", "nio": "9", "zero": "0", "one": "1", "two": "2", "three": "3",
          "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_TEENS = {"tio": "10", "elva": "11", "tolv": "12", "tretton": "13", "fjorton": "14", "femton": "15", "sexton": "16",
          "sjutton": "17", "arton": "18", "nitton": "19", "ten": "10", "eleven": "11", "twelve": "12",
          "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
          "nineteen": "19"}
_TENS = {"tjugo": "2", "tjugu": "2", "trettio": "3", "tretti": "3", "fyrtio": "4", "förti": "4", "forti": "4",
         "femtio": "5", "femti": "5", "sextio": "6", "sexti": "6", "sjuttio": "7", "sjutti": "7", "åttio": "8",
         "åtti": "8", "attio": "8", "nittio": "9", "nitti": "9", "twenty": "2", "thirty": "3", "forty": "4",
         "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9"}
_NUMBER_WORD = ("(?:(?:" + "|".join(sorted(_TENS, key=len, reverse=True)) + ")-?(?:"
                + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")?|"
                + "|".join(sorted({**_TEENS, **_UNITS}, key=len, reverse=True)) + ")")
_NUMBER_TOKEN = re.compile(r"(?i:" + _NUMBER_WORD + r")(?!\w)|\d{1,4}(?!\w)")
_SPELLED_RUN = re.compile(r"(?<!\w)(?:(?i:" + _NUMBER_WORD + r")|\d{1,4})(?:[ \t,.-]{1,3}(?:(?i:" + _NUMBER_WORD
                          + r")|\d{1,4})){2,24}(?!\w)")
_ANY_NUMBER_WORD = re.compile(r"(?<!\w)(?i:" + _NUMBER_WORD + r")(?!\w)")


def _token_digits(token: str) -> str:
    lower = token.casefold()
    if lower.isdigit():
        return lower
    if lower in _UNITS or lower in _TEENS:
        return _UNITS.get(lower) or _TEENS[lower]
    for tens in sorted(_TENS, key=len, reverse=True):
        if lower.startswith(tens):
            unit = lower[len(tens):].lstrip("-")
            return _TENS[tens] + (_UNITS[unit] if unit else "0")
    return ""


def _spelled_digits(text: str) -> str:
    """Runs of digit words (with digits among them) that make seven digits or more, written as digits."""
    def sub(m: re.Match) -> str:
        tokens = _NUMBER_TOKEN.findall(m.group(0))
        digits = "".join(_token_digits(t) for t in tokens)
        if len(digits) < 7 or all(t.isdigit() for t in tokens):
            return m.group(0)
        return digits
    return _SPELLED_RUN.sub(sub, text)

# Every pattern below is bounded: no part of it repeats without a limit, so the work per position
# in the text is capped and a scrub takes time in proportion to the text's length, whatever it
# holds (tests/domain/test_privacy.py checks the patterns; tools/bench.py times 5 000-character
# adversarial texts).

# --- personnummer / samordningsnummer ------------------------------------------------------
# YYMMDD or YYYYMMDD, then '-', '+', '.', '/', '_', a space or nothing, then four digits. The day
# may be 61-91 (samordningsnummer: day + 60).
_PNR = re.compile(
    r"(?<![\d+])"
    r"(?P<century>(?:18|19|20))?"
    r"(?P<date>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))"
    r"[ \t]{0,2}(?P<sep>[-+./_])?[ \t]{0,2}"
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
# A run of digits with what people put between them (spaces, dashes, dots, slashes, "(0)"), read
# as a whole so that no part of a number is left behind; `_phone_kind` then decides what the run is.
_NUMBER_RUN = re.compile(r"(?<![\d+])(?:\+[ \t]?|\()?\d(?:[\d \t.\-–/:)]|\(0\)){0,40}")
_RUN_END = " \t.-–/:("
_DATE = r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}(?:[./-](?:\d{4}|\d{2}))?|\d{1,2}[.:]\d{2})"
# Dates and times, one or a few in a row ("2024-05-01", "1/5", "09.00–16.30", "2026-11-28 14:00").
_DATES = re.compile(_DATE + r"(?:[ \t]{0,2}[-–]?[ \t]{0,2}" + _DATE + "){0,3}")
_DIGITS = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D")


def _phone_kind(run: str, keep_digits: frozenset, any_long: bool) -> bool:
    """Whether the number run *run* is a phone number to remove. *any_long*: also any other run of
    nine digits or more (asked after personnummer-shaped numbers have had their turn)."""
    digits = "".join(_DIGITS.findall(run))
    if digits in keep_digits or _DATES.fullmatch(run.strip("()")):
        return False
    if run.startswith("+") or digits.startswith("00"):
        national = digits[2:] if digits.startswith("00") else digits
        return 7 <= len(national) <= 15 and ("0" + national[2:]) not in keep_digits
    if digits.startswith("46") and 10 <= len(digits) <= 12:  # +46 without the plus
        return ("0" + digits[2:].lstrip("0")) not in keep_digits and digits[2:] not in keep_digits
    if digits.startswith("0"):
        return 8 <= len(digits) <= 12
    return any_long and len(digits) >= 9


# --- e-mail -----------------------------------------------------------------------------------
# The local part (at most 64 characters, as in RFC 5321), an at sign in any of the ways people
# write it, and a domain whose dots may be written out too. Written-out signs need a known
# top-level domain ("kalle at hotmail punkt com"), so ordinary sentences with "at" are left alone.
_LOCAL = r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+=?^`{|}~-]{1,64}"
_AT_SIGN = r"[ \t]{0,3}[@＠][ \t]{0,3}"
_AT_WORD = (r"[ \t]{0,3}(?:[(\[{<][ \t]?(?:at|snabel-?a)[ \t]?[)\]}>]|[ \t](?:at|snabel-?a|snabbel-?a)[ \t])"
            r"[ \t]{0,3}")
_DOT_SIGN = r"[ \t]{0,2}[.．。][ \t]{0,2}"
_DOT_WORD = r"[ \t]{0,2}(?:[(\[{<][ \t]?(?:dot|punkt|prick)[ \t]?[)\]}>]|[ \t](?:dot|punkt|prick)[ \t])[ \t]{0,2}"
_COMMA = r"[ \t]{0,2},[ \t]{0,2}"  # "kalle@mail,com": a comma for the dot, only before a known top-level domain
_LABEL = r"[\w-]{1,63}"
_TLD = (r"(?:com|se|nu|net|org|info|io|eu|no|dk|fi|de|uk|me|biz|co|edu|gov|fr|es|it|nl|pl|ee|is|ru|ua|by|kz|ir|af"
        r"|so|et|er|sa|ae|eg|iq|sy|jo|lb|tr|ma|dz|tn|ly|qa|kw|om|ye|pk|in|us|ca|au|at|ch|be|cz|lt|lv|pt|gr|hu|ro"
        r"|bg|rs|ba|hr|al|xyz|online|app|dev)(?!\w)")
_EMAIL = re.compile(
    _LOCAL + r"(?:"
    + _AT_SIGN + _LABEL + r"(?:" + _DOT_SIGN + _LABEL + r"){0,6}(?:" + _DOT_SIGN + r"[^\W\d_]{2,24}|"
    + r"(?:" + _DOT_WORD + r"|" + _COMMA + r")" + _TLD + r")"
    + r"|" + _AT_WORD + _LABEL + r"(?:(?:" + _DOT_SIGN + r"|" + _DOT_WORD + r")" + _LABEL + r"){0,5}"
    + r"(?:" + _DOT_SIGN + r"|" + _DOT_WORD + r")" + _TLD
    + r")(?!\w)",
    re.IGNORECASE,
)
_MAYBE_EMAIL = re.compile(r"[@＠]|(?<!\w)(?:at|snabb?el-?a)(?!\w)", re.IGNORECASE)

# --- user names on Snapchat, Instagram … ---------------------------------------------------------
# After the service's name: "snap: kalle_99", "min insta är kalle.99", "adda mig på snap kalle99"; after "är", ":" or
# "=" any word, else only a word shaped like a user name (a digit, "_", "." or a leading @). And "@kalle_99" alone.
_HANDLE_CUE = re.compile(
    r"(?<!\w)(?i:snap(?:chat)?|snäpp|insta(?:gram)?|ig|sc|tiktok|tik[ \t]tok|kik|discord|telegram|twitter|threads"
    r"|användarnamn(?:et)?|username|user[ \t]?name|anv\.?namn)"
    r"(?P<said>[ \t]{0,3}(?:[:=]|(?i:är|ar|e|is)(?!\w)))?[ \t]{0,3}:?[ \t]{1,3}"
    r"(?P<handle>@?[A-Za-z0-9._]{2,30})(?![\w@])")
_AT_HANDLE = re.compile(r"(?<![\w@.])@(?=[A-Za-z0-9._]{0,29}[A-Za-z])[A-Za-z0-9._]{2,30}(?![\w@])")
_HANDLE_SHAPE = re.compile(r"[\d_.@]")
_NOT_A_HANDLE = {"och", "eller", "men", "med", "på", "pa", "som", "and", "or", "but", "with", "on",
                 "har", "hade", "kan", "finns", "inte", "int", "du", "jag", "ja", "han", "hon", "the", "a", "är", "is"}
_MAYBE_HANDLE = re.compile(r"@|(?i:snap|snäpp|insta|ig|sc|tiktok|tik[ \t]tok|kik|discord|telegram|twitter|threads|"
                           r"användarnamn|username|user[ \t]?name|anv)")

# --- street addresses -------------------------------------------------------------------------
_STREET_SUFFIXES = [
    "gatan", "gata", "vägen", "väg", "gränd", "gränden", "stigen", "stig", "torget", "torg", "allén", "allé",
    "backen", "backe", "plan", "planen", "leden", "led", "platsen", "plats", "liden", "lid", "slingan", "ringen",
    "parken", "kroken", "krok", "berget", "höjden", "strand", "stranden", "kajen", "esplanaden", "svängen",
    "vägen", "gården", "gård", "hagen", "ängen", "udden", "holmen", "tået", "bron", "längan", "stråket", "stråk",
    "straße", "strasse", "weg", "platz", "gasse", "allee", "katu", "tie", "kuja", "polku",
]
# Abbreviated street words: "Storg. 19", "Kungsv. 3", "Hauptstr. 4".
_STREET_ABBREVIATIONS = ["g", "gat", "v", "vg", "gr", "pl", "st", "tg", "all", "str"]


_fold_variants = names.fold_variants


_WORD = r"[^\W\d_][\w'’-]{0,40}"
_CAPITAL_WORD = r"[A-ZÅÄÖÉ][\w'’-]{0,40}"
_SUFFIX = "(?i:" + "|".join(_fold_variants(_STREET_SUFFIXES)) + ")"
# The house number: "12", "12B", "12 b", "nummer 4", "nr 4", then an apartment if given.
_HOUSE = (r"(?:[ \t]{1,3}(?i:nummer|nr\.?|no\.?))?[ \t]{0,3}\d{1,4}(?:[ \t]?[A-Za-z](?!\w))?"
          r"(?:[ \t]{0,3},?[ \t]{0,3}(?i:lgh|lägenhet|lagenhet|lägenhetsnummer|våning|vaning|tr)\.?[ \t]{0,3}\d{1,4})?")
_STREET = re.compile(
    r"(?<!\w)(?:"
    r"(?:" + _CAPITAL_WORD + r"[ \t]{1,3}){0,2}[^\W\d_]{2,40}" + _SUFFIX  # Storgatan, skolvagen, Gamla Kungsvägen
    + r"|(?:" + _CAPITAL_WORD + r"[ \t]{1,3}){1,2}" + _SUFFIX  # Drottning Kristinas väg
    + r"|[^\W\d_]{2,40}(?i:" + "|".join(_STREET_ABBREVIATIONS) + r")\."  # Storg. 19
    + r")" + _HOUSE + r"(?!\w)"
)
# Any name with a number and an apartment ("Tallbacka 22, lägenhet 1101"), and a place with a
# number after "bor på", "adress" … ("jag bor på Sjölyckan 14").
_APARTMENT = re.compile(
    r"(?<!\w)(?:" + _CAPITAL_WORD + r"[ \t]{1,3}){0,2}" + _WORD + r"[ \t]{1,3}\d{1,4}(?:[ \t]?[A-Za-z](?!\w))?"
    r"[ \t]{0,3},?[ \t]{0,3}(?i:lgh|lägenhet|lagenhet|lägenhetsnummer)\.?[ \t]{0,3}\d{1,4}(?!\w)"
)
_ADDRESS_CUE = re.compile(
    r"(?<!\w)(?i:bor[ \t]{1,3}(?:på|pa|i|vid)|adress(?:en)?(?:[ \t]{1,3}(?:är|ar|e))?[ \t]{0,3}:?|adr\.?[ \t]{0,3}:?"
    r"|hem[ \t]{1,3}till[ \t]{1,3}mig[ \t]{1,3}på)[ \t]{1,3}"
    r"(?P<place>(?:" + _WORD + r"[ \t]{1,3}){0,2}" + _WORD + _HOUSE + r")(?!\w)"
)
# A postcode followed by a town: "123 45 Nyköping".
_POSTCODE = re.compile(r"(?<![\d\w])[1-9]\d{2}[ \t]?\d{2}[ \t]{1,3}[A-ZÅÄÖ][a-zåäöé]{1,30}")
# A street word with its number in words: "Storgatan tolv", "Baker Street"-style names are below.
_STREET_NUMBER_WORD = re.compile(r"(?<!\w)(?P<street>[^\W\d_]{2,40})[ \t]{1,3}(?i:" + _NUMBER_WORD + r")(?!\w)")
# Other languages: "I live at 43 Baker Street", "ул. Ленина 371", "улица Пушкина", "شارع الملك فهد 12", "خیابان آزادی".
_ENGLISH_STREET = re.compile(
    r"(?<!\w)\d{1,5}[A-Za-z]?,?[ \t]{1,3}(?:" + _WORD + r"[ \t]{1,3}){0,3}(?i:street|st\.|road|rd\.|avenue|ave\.?|lane"
    r"|drive|way|close|court|place|crescent|terrace|grove|gardens|square|boulevard|blvd\.?)(?!\w)")
_LIVE_AT = re.compile(r"(?<!\w)(?i:live[ \t]{1,3}(?:at|on)|my[ \t]{1,3}address[ \t]{1,3}is|address[ \t]{0,3}:)[ \t]{1,3}"
                      r"(?P<place>\d{1,5}[A-Za-z]?(?:[ \t,]{1,3}" + _WORD + r"){1,3})")
_OTHER_STREET = re.compile(
    r"(?<!\w)(?i:улица|ул\.|вулиця|вул\.|проспект|просп\.|переулок|провулок|пер\.|бульвар|шоссе|площадь|площа"
    r"|شارع|ش\.|خیابان|کوچه|بلوار|جادة|waddada|wadada|jidka)[ \t]{0,3}(?:" + _WORD + r"[ \t,]{1,3}){0,2}" + _WORD
    + r"(?:[ \t,]{1,3}(?i:д\.|дом|буд\.|будинок|رقم|پلاک|no\.?|nr\.?)?[ \t]{0,2}\d{1,4}[A-Za-zа-я]?)?(?!\w)")
_OTHER_STREET_WORDS = re.compile(r"(?i:улиц|ул\.|вулиц|вул\.|проспект|просп\.|переул|провул|пер\.|бульвар|шоссе|площ"
                                 r"|شارع|ش\.|خیابان|کوچه|بلوار|جادة|wadd?ada|jidka)")

# --- phone numbers without an area code, after a word that says a number comes -------------------------
# "ring 123 45 67", "mitt nummer är 1234567", "رقمي ١٢٣٤٥٦٧٨": seven or eight digits (a local number).
_PHONE_CUE = re.compile(
    r"(?<!\w)(?i:ring|ringa|nummer|numret|nr|tel|telefon|telefonnummer|telnr|mobil|mobilnummer|mobilnr|hemnummer"
    r"|sms|sms:a|smsa|whatsapp|swish|phone|number|call|text|رقم|رقمي|الرقم|شماره|شمارهام|شماره ام|lambarka|"
    r"lambarkayga|taleefan|номер|телефон|puhelin|puhelinnumero|numero|numeroni|ቁጽሪ|ቁፅሪ)(?!\w)"
    r"[^\d\n]{0,20}?(?<!\d)(?P<number>\d(?:[ \t.\-/]{0,2}\d){6,7})(?![ \t.\-/]{0,2}\d)")

# --- public numbers that are never scrubbed -----------------------------------------------------
def _digits(text: str) -> str:
    return _NOT_DIGITS.sub("", text)


@lru_cache(maxsize=1)
def public_numbers() -> frozenset:
    """Digits of every phone/sms number in the catalogue, and of every number its texts give (the
    bot says them; they identify nobody)."""
    try:
        from bot import catalogue_file, catalogue_store

        path = catalogue_file.catalogue_path()
        cat = catalogue_store.load(path)
        text = path.read_text(encoding="utf-8-sig")
    except Exception:  # noqa: BLE001 - without a catalogue, scrub everything that looks like a number
        logger.warning("Katalogen kunde inte läsas; alla telefonnummer rensas.")
        return frozenset()
    in_texts = {_digits(m.group(0)) for m in _NUMBER_RUN.finditer(text)}
    return frozenset({_digits(n) for r in cat.resources for n in (r.phone, r.sms) if n}
                     | {d for d in in_texts if len(d) >= 5})


_HAS_DIGIT = re.compile(r"\d")
_HAS_SPACE = re.compile(r"\s")
_HAS_SIGNATURE = re.compile(r"[/–-]")


# The street patterns run only when a cheap necessary condition holds. `_STREET`: a letter, then
# (after an optional dot and "nummer"/"nr") a digit, with a street word or an abbreviation and its
# dot just before ("Storgatan 12", "Storg. 19", "Ekhagsgatan5"). `_APARTMENT` and
# `_ADDRESS_CUE`: one of their words. tests/domain/test_privacy.py checks that no address is skipped.
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(\.?)[ \t]{0,3}(?:(?i:nummer|nr\.?|no\.?)[ \t]{0,3})?\d")
_STREET_ENDINGS = tuple(w.casefold() for w in _fold_variants(_STREET_SUFFIXES))
_ABBREVIATION_ENDINGS = tuple(_STREET_ABBREVIATIONS)
_ADDRESS_WORDS = re.compile(r"(?i:lgh|lägenhet|lagenhet|bor|adr|hem)")
_ENGLISH_STREET_WORDS = re.compile(r"(?i:street|st\.|road|rd\.|avenue|ave|lane|drive|way|close|court|place|crescent"
                                   r"|terrace|grove|gardens|square|boulevard|blvd|live|address)")


def _may_hold_street(text: str) -> bool:
    for m in _LETTER_THEN_DIGIT.finditer(text):
        before = text[max(0, m.start() - 14):m.start()].casefold()
        if before.endswith(_ABBREVIATION_ENDINGS if m.group(1) else _STREET_ENDINGS):
            return True
    return False


def scrub(text: str, keep: Iterable[str] | None = None, found: list | None = None) -> str:
    """*text* with personal identifiers replaced by placeholders.

    *keep*: digit strings that stay (default: the catalogue's public support numbers).
    *found*: if given, each removed identifier is appended as (original, placeholder).

    >>> scrub("jag heter Kalle Svensson, ring 070-123 45 67 eller 116 111")
    'jag heter [namn], ring [telefon] eller 116 111'
    """
    if not text:
        return text
    text = normalise(text)
    if _ANY_NUMBER_WORD.search(text):
        text = _spelled_digits(text)
    has_digit = _HAS_DIGIT.search(text) is not None
    if _MAYBE_HANDLE.search(text):
        text = _scrub_handles(text, found)
    if _OTHER_STREET_WORDS.search(text):
        text = _OTHER_STREET.sub(_replace(ADDRESS, found), text)
    if _ANY_NUMBER_WORD.search(text):
        text = _STREET_NUMBER_WORD.sub(_replace(ADDRESS, found, lambda m: _street_word(m.group("street"))), text)
    if not has_digit and not _MAYBE_EMAIL.search(text):
        # Without digits or an e-mail sign only a name can be in it ("jag heter Kalle").
        return names.scrub_names(text, found)
    keep_digits = public_numbers() if keep is None else frozenset(_digits(k) for k in keep)

    def replace(placeholder: str, check=None):
        return _replace(placeholder, found, check)

    def phones(any_long: bool):
        def sub(m: re.Match) -> str:
            run = m.group(0)
            core = run.rstrip(_RUN_END)
            if not _phone_kind(core, keep_digits, any_long):
                return run
            if found is not None:
                found.append((core, PHONE))
            return PHONE + run[len(core):]
        return sub

    if _MAYBE_EMAIL.search(text):
        text = _EMAIL.sub(replace(EMAIL), text)
        if _MAYBE_HANDLE.search(text):  # "@kalle_99" that was no e-mail address
            text = _scrub_handles(text, found)
    if has_digit:
        # A personnummer-shaped number with a valid check digit, then phone numbers, then any other
        # date-shaped ten/twelve digit number and any other long number (over-scrubbing is safer
        # than leaking one).
        text = _PNR.sub(replace(PERSONNUMMER, lambda m: luhn_ok(m.group("date") + m.group("tail"))), text)
        text = _NUMBER_RUN.sub(phones(False), text)
        text = _PNR.sub(replace(PERSONNUMMER), text)
        text = _NUMBER_RUN.sub(phones(True), text)
        text = _PHONE_CUE.sub(lambda m: _cued_phone(m, keep_digits, found), text)
        if _ENGLISH_STREET_WORDS.search(text):
            text = _LIVE_AT.sub(lambda m: _replace_group(m, "place", ADDRESS, found), text)
            text = _ENGLISH_STREET.sub(replace(ADDRESS), text)
        address_words = _ADDRESS_WORDS.search(text) is not None
        if address_words:
            text = _APARTMENT.sub(replace(ADDRESS), text)
        if _may_hold_street(text):
            text = _STREET.sub(replace(ADDRESS), text)
        if address_words:
            text = _ADDRESS_CUE.sub(lambda m: _replace_group(m, "place", ADDRESS, found), text)
        text = _POSTCODE.sub(replace(ADDRESS), text)
    return names.scrub_names(text, found)


def _replace(placeholder: str, found: list | None, check=None):
    def sub(m: re.Match) -> str:
        if check is not None and not check(m):
            return m.group(0)
        if found is not None:
            found.append((m.group(0), placeholder))
        return placeholder
    return sub


def _street_word(word: str) -> bool:
    return word.casefold().endswith(_STREET_ENDINGS) and word.casefold() not in _STREET_ENDINGS


def _scrub_handles(text: str, found: list | None) -> str:
    def cued(m: re.Match) -> str:
        handle = m.group("handle")
        if handle.casefold() in _NOT_A_HANDLE or not (m.group("said") or _HANDLE_SHAPE.search(handle)):
            return m.group(0)
        return _replace_group(m, "handle", HANDLE, found)
    text = _HANDLE_CUE.sub(cued, text)
    return _AT_HANDLE.sub(_replace(HANDLE, found), text)


def _cued_phone(m: re.Match, keep_digits: frozenset, found: list | None) -> str:
    number = m.group("number")
    if _digits(number) in keep_digits or _DATES.fullmatch(number):
        return m.group(0)
    return _replace_group(m, "number", PHONE, found)


def _replace_group(m: re.Match, group: str, placeholder: str, found: list | None) -> str:
    """The match with only *group* replaced by *placeholder*."""
    if found is not None:
        found.append((m.group(group), placeholder))
    whole, start = m.group(0), m.start(group) - m.start()
    return whole[:start] + placeholder + whole[start + len(m.group(group)):]
