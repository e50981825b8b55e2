"""Scrubbing a text: personnummer, phone numbers, e-mail, addresses and names become placeholders.

No Rasa imports. The wing scrubs Rasa's events with it (`rasa_wing/event_scrub.py`) before anything
is written to the database; the pseudonymous ids and the retention time are in `bot/storage.py`.
The classifier and the actions always see the original text in memory; only what is persisted is
scrubbed.

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

import logging
import re
from functools import lru_cache
from typing import Iterable

logger = logging.getLogger(__name__)

PERSONNUMMER = "[personnummer]"
PHONE = "[telefon]"
EMAIL = "[e-post]"
ADDRESS = "[adress]"
NAME = "[namn]"

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
_DOT_WORD = r"[ \t]{0,2}(?:[(\[{<][ \t]?(?:dot|punkt)[ \t]?[)\]}>]|[ \t](?:dot|punkt)[ \t])[ \t]{0,2}"
_LABEL = r"[\w-]{1,63}"
_TLD = r"(?:com|se|nu|net|org|info|io|eu|no|dk|fi|de|uk|me|biz|co|edu|gov|fr|es|it|nl|pl|ee|is)(?!\w)"
_EMAIL = re.compile(
    _LOCAL + r"(?:"
    + _AT_SIGN + _LABEL + r"(?:" + _DOT_SIGN + _LABEL + r"){0,6}(?:" + _DOT_SIGN + r"[^\W\d_]{2,24}|"
    + _DOT_WORD + _TLD + r")"
    + r"|" + _AT_WORD + _LABEL + r"(?:(?:" + _DOT_SIGN + r"|" + _DOT_WORD + r")" + _LABEL + r"){0,5}"
    + r"(?:" + _DOT_SIGN + r"|" + _DOT_WORD + r")" + _TLD
    + r")(?!\w)",
    re.IGNORECASE,
)
_MAYBE_EMAIL = re.compile(r"[@＠]|(?<!\w)(?:at|snabb?el-?a)(?!\w)", re.IGNORECASE)

# --- street addresses -------------------------------------------------------------------------
_STREET_SUFFIXES = [
    "gatan", "gata", "vägen", "väg", "gränd", "gränden", "stigen", "stig", "torget", "torg", "allén", "allé",
    "backen", "backe", "plan", "planen", "leden", "led", "platsen", "plats", "liden", "lid", "slingan", "ringen",
    "parken", "kroken", "krok", "berget", "höjden", "strand", "stranden", "kajen", "esplanaden", "svängen",
    "vägen", "gården", "hagen", "ängen", "udden", "holmen", "tået", "bron", "längan",
]
# Abbreviated street words: "Storg. 19", "Kungsv. 3".
_STREET_ABBREVIATIONS = ["g", "gat", "v", "vg", "gr", "pl", "st", "tg", "all"]


def _fold_variants(words: Iterable[str]) -> list[str]:
    out = set()
    for w in words:
        out.add(w)
        out.add(w.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e"))
    return sorted(out, key=len, reverse=True)


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

# --- names ------------------------------------------------------------------------------------
# A cue, then the name: up to three words. After a strong cue ("jag heter", "mitt namn är",
# "Mitt namn:") any word that is not a pronoun or a little word is a name, "ja heter kalle" too.
# After a weak cue ("jag är", "I'm", "det är … här", "min kompis", "min styvpappa", "min lärare" …)
# only a word with a capital letter is: "jag är Kevin", but not "jag är orolig".
_NAME_TRIGGER = re.compile(
    r"(?<!\w)(?:"
    r"heter|hetter|heeter|kallas|kalla[ \t]{1,3}mig|mitt[ \t]{1,3}namn(?:[ \t]{1,3}(?:är|ar|e|va|var)|[ \t]{0,3}[:=])"
    r"|namnet[ \t]{1,3}(?:är|ar|e)|namn[ \t]{0,3}:|my[ \t]{1,3}name[ \t]{1,3}is|my[ \t]{1,3}name's|my[ \t]{1,3}name[ \t]{0,3}:"
    r"|i'?m[ \t]{1,3}called|i[ \t]{1,3}am[ \t]{1,3}called|call[ \t]{1,3}me|they[ \t]{1,3}call[ \t]{1,3}me"
    r"|mvh|med[ \t]{1,3}vänlig[ \t]{1,3}hälsning|hälsningar|h[aä]lsn\."
    r")[ \t]{0,3}[:,]?[ \t\n]{1,3}",
    re.IGNORECASE,
)
_RELATIONS = [
    "kompis", "kompisen", "kompisar", "vän", "vännen", "väninna", "bästis", "bästa vän", "bästa kompis", "polare",
    "kille", "killen", "tjej", "tjejen", "pojkvän", "flickvän", "partner", "sambo", "man", "fru", "ex",
    "bror", "brorsa", "lillebror", "storebror", "syster", "syrra", "lillasyster", "storasyster",
    "mamma", "pappa", "styvpappa", "styvmamma", "bonuspappa", "bonusmamma", "plastpappa", "plastmamma",
    "morfar", "farfar", "mormor", "farmor", "morbror", "farbror", "moster", "faster", "kusin", "granne", "grannen",
    "lärare", "läraren", "mentor", "mentorn", "fröken", "tränare", "tränaren", "rektor", "kurator", "chef",
    "kollega", "elev", "eleven", "son", "dotter", "barn", "dotter", "styvson", "styvdotter", "kompis",
]
_WEAK_TRIGGER = re.compile(
    r"(?<!\w)(?:"
    r"(?i:jag|ja|jg)[ \t]{1,3}(?i:är|ar|e)|(?i:i'?m|i[ \t]{1,3}am|this[ \t]{1,3}is)"
    r"|(?i:det|de|dä)[ \t]{1,3}(?i:är|ar|e)(?=[ \t]{1,3}" + _CAPITAL_WORD + r"(?:[ \t]{1,3}" + _CAPITAL_WORD
    + r")?[ \t]{1,3}(?i:här|har|som[ \t]{1,3}skriver)(?!\w))"
    r"|(?i:min|mitt|mina|hans|hennes|vår|våran|deras)[ \t]{1,3}(?i:" + "|".join(_fold_variants(_RELATIONS)) + r")"
    r")[ \t]{0,3}[:,]?[ \t]{1,3}"
)
# A signature at the end: "/Kevin", "// kevin", "- Kevin" (after a dash only with a capital letter).
_LETTERS = r"[^\W\d_](?:[^\W\d_]|['’-]){0,40}"  # no digits or underscores: "/child_wellbeing" is a button
_SIGNATURE = re.compile(r"(?<=\s)(?:(?P<slash>/{1,2})|[-–]{1,2})[ \t]{0,2}(?P<name>" + _LETTERS + r"(?:[ \t]"
                        + _LETTERS + r")?)[ \t]{0,3}[.!]?[ \t]{0,3}\Z")
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
    "här", "skriver",
}
# Words that start a sentence or stand capitalised after a weak cue without being a name.
_NOT_A_CAPITAL_NAME = _STOP_AFTER_NAME | {
    "orolig", "rädd", "radd", "ledsen", "arg", "glad", "trött", "trott", "ensam", "sjuk", "kär", "kar", "gravid",
    "mobbad", "slagen", "hemma", "själv", "sjalv", "ny", "nya", "en", "ett", "elev", "tjej", "kille", "förälder",
    "forelder", "lärare", "larare", "vuxen", "barn", "ungdom", "kurator", "socialsekreterare", "sad", "scared",
    "afraid", "worried", "not", "so", "very", "okay", "ok", "fine", "sorry", "here", "the", "an", "sverige",
    "stödlotsen", "stodlotsen", "bris", "polisen", "kommunen", "skolan", "bup", "umo",
}
_NAME_WORD = re.compile(_WORD)
_GAP = re.compile(r"[ \t]{1,3}")


def _name_words(text: str, i: int, capital_only: bool, cue: bool = True) -> list:
    """The words of a name starting at *i* (at most three), [] when there is none. *capital_only*:
    only words with a capital letter; *cue*: False when no word said a name comes (a signature),
    so that common words are never taken for one."""
    words: list = []
    while len(words) < 3:
        w = _NAME_WORD.match(text, i)
        if not w:
            break
        word = w.group(0)
        lower = word.lower().strip("'’-")
        if (capital_only and not word[0].isupper()) or ((capital_only or not cue) and lower in _NOT_A_CAPITAL_NAME):
            break
        if (not words and lower in _NOT_A_NAME) or (words and lower in _STOP_AFTER_NAME):
            break
        words.append(w)
        gap = _GAP.match(text, w.end())
        if not gap:
            break
        i = gap.end()
    return words


def _scrub_names(text: str, found: list | None) -> str:
    spans: list = []
    for trigger, capital_only in ((_NAME_TRIGGER, False), (_WEAK_TRIGGER, True)):
        for m in trigger.finditer(text):
            words = _name_words(text, m.end(), capital_only)
            if words:
                spans.append((words[0].start(), words[-1].end(), words))
    signature = _SIGNATURE.search(text)
    if signature:
        words = _name_words(text, signature.start("name"), capital_only=not signature.group("slash"), cue=False)
        if words:
            spans.append((words[0].start(), words[-1].end(), words))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, words in sorted(spans, key=lambda s: s[0]):
        if start < pos:
            continue
        if found is not None:
            found.append((text[start:end], NAME))
            found.extend((w.group(0), NAME) for w in words)
        out.append(text[pos:start])
        out.append(NAME)
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
    has_digit = _HAS_DIGIT.search(text) is not None
    if not has_digit and not _MAYBE_EMAIL.search(text):
        # Without digits or an e-mail sign only a name can be in it ("jag heter Kalle").
        return _scrub_names(text, found) if _HAS_SPACE.search(text) or _HAS_SIGNATURE.search(text) else text
    keep_digits = public_numbers() if keep is None else frozenset(_digits(k) for k in keep)

    def replace(placeholder: str, check=None):
        def sub(m: re.Match) -> str:
            if check is not None and not check(m):
                return m.group(0)
            if found is not None:
                found.append((m.group(0), placeholder))
            return placeholder
        return sub

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
    if has_digit:
        # A personnummer-shaped number with a valid check digit, then phone numbers, then any other
        # date-shaped ten/twelve digit number and any other long number (over-scrubbing is safer
        # than leaking one).
        text = _PNR.sub(replace(PERSONNUMMER, lambda m: luhn_ok(m.group("date") + m.group("tail"))), text)
        text = _NUMBER_RUN.sub(phones(False), text)
        text = _PNR.sub(replace(PERSONNUMMER), text)
        text = _NUMBER_RUN.sub(phones(True), text)
        address_words = _ADDRESS_WORDS.search(text) is not None
        if address_words:
            text = _APARTMENT.sub(replace(ADDRESS), text)
        if _may_hold_street(text):
            text = _STREET.sub(replace(ADDRESS), text)
        if address_words:
            text = _ADDRESS_CUE.sub(lambda m: _replace_group(m, "place", ADDRESS, found), text)
        text = _POSTCODE.sub(replace(ADDRESS), text)
    return _scrub_names(text, found)


def _replace_group(m: re.Match, group: str, placeholder: str, found: list | None) -> str:
    """The match with only *group* replaced by *placeholder*."""
    if found is not None:
        found.append((m.group(group), placeholder))
    whole, start = m.group(0), m.start(group) - m.start()
    return whole[:start] + placeholder + whole[start + len(m.group(group)):]
