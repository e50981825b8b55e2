"""Finding the names in a text, in every language Stödlotsen answers in (no Rasa). `bot.privacy.scrub` calls
`scrub_names` on the normalised text; the cues per language are in `bot/name_cues.yml`, the first names in
`bot/first_names.txt`.

A name is found
- after a strong cue ("jag heter", "my name is", "اسمي", "меня зовут", "nimeni on", "ስመይ" …): any word that
  is not a pronoun or an ordinary word of that language (up to three words);
- after a weak cue ("jag är", "min kompis", "pappa", "I'm", "صديقي", "мой друг", "kaverini" …): a word that
  looks like a name, i.e. with a capital letter, in a script without capital letters (Arabic, Ethiopic …)
  and not an ordinary word, or a lower-case first name ("jag är kevin");
- in a frame ("من <name> هستم", "hej <name> här", "det är <Name>." at the end of a sentence);
- before "slår mig", "hotar mig" … when it has a capital letter ("Kalle slår mig");
- as a capitalised first name in the middle of a sentence, also in the genitive ("igår sa Kalle", "Kalles pappa");
- as a signature at the end ("/Kevin", "- Kevin").
Ordinary words after a cue stay ("jag är orolig", "min kompis mår dåligt", "أنا خائف", "мой друг болеет").
Every pattern is bounded (tests/domain/test_privacy.py), so the time taken grows with the text's length only.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

NAME = "[namn]"
HERE = Path(__file__).resolve().parent
CUES_FILE = HERE / "name_cues.yml"
FIRST_NAMES_FILE = HERE / "first_names.txt"

_WORD = r"[^\W\d_][\w'’-]{0,40}"
_CAPITAL_WORD = r"[A-ZÅÄÖÉА-ЯЁІЇЄҐ][\w'’-]{0,40}"
_CYRILLIC_CAPITAL = re.compile(r"[А-ЯЁІЇЄҐ]")
_GAP_RE = r"[ \t]{1,3}"

_RELATIONS = [
    "kompis", "kompisen", "kompisar", "vän", "vännen", "väninna", "bästis", "bästa vän", "bästa kompis", "polare",
    "kille", "killen", "tjej", "tjejen", "pojkvän", "flickvän", "partner", "sambo", "man", "fru", "ex",
    "bror", "brorsa", "lillebror", "storebror", "syster", "syrra", "lillasyster", "storasyster",
    "mamma", "pappa", "styvpappa", "styvmamma", "bonuspappa", "bonusmamma", "plastpappa", "plastmamma",
    "morfar", "farfar", "mormor", "farmor", "morbror", "farbror", "moster", "faster", "kusin", "granne", "grannen",
    "lärare", "läraren", "mentor", "mentorn", "fröken", "tränare", "tränaren", "rektor", "kurator", "chef",
    "kollega", "elev", "eleven", "son", "dotter", "barn", "styvson", "styvdotter",
]
# Said without "min"/"mitt" before a name: "pappa Johan slår mig", "fröken Anna sa" (a capital letter needed).
_BARE_RELATIONS = [
    "mamma", "pappa", "styvpappa", "styvmamma", "bonuspappa", "bonusmamma", "plastpappa", "plastmamma", "morfar",
    "farfar", "mormor", "farmor", "morbror", "farbror", "moster", "faster", "kusin", "bror", "brorsan", "syster",
    "syrran", "lillebror", "storebror", "lillasyster", "storasyster", "kompis", "kompisen", "granne", "grannen",
    "fröken", "läraren", "tränaren", "rektor", "mentor", "mentorn",
]
# What someone does to the writer, after a name with no cue before it: "Kalle slår mig".
_HARM_VERBS = ["slår", "slog", "sparkar", "sparkade", "hotar", "hotade", "mobbar", "mobbade", "knuffar", "nyper",
               "tafsar", "rör", "våldtog", "våldtar", "förföljer", "retar", "hatar", "skriker på", "tar på",
               "tvingar", "låser in", "skadar", "bränner",
               "бьёт", "бьет", "бил", "била", "ударил", "ударила", "избил", "избила", "обижает", "угрожает", "трогает",
               "кричит на", "б'є", "бʼє", "б’є", "бив", "била", "вдарив", "ображає", "погрожує", "торкається"]
_HARM_OBJECTS = ["mig", "mej", "oss", "henne", "honom", "hen", "dem", "dom", "min", "mitt", "mina", "меня", "нас",
                 "мене", "маму", "мою", "мого"]

_NOT_A_NAME = {
    # pronouns, question words, verbs and little words that follow "heter" without being a name
    "du", "ni", "han", "hon", "hen", "den", "det", "de", "dom", "vi", "jag", "ja", "man", "mig", "mej", "dig", "dej",
    "vad", "va", "hur", "vem", "vilken", "något", "nåt", "nat", "inget", "ingenting", "samma", "också", "ocksa",
    "you", "he", "she", "it", "they", "me", "what", "who", "a", "the", "is", "igen", "alla", "allihop",
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
    "afraid", "worried", "not", "so", "very", "okay", "ok", "okej", "fine", "sorry", "here", "the", "an", "sverige",
    "stödlotsen", "stodlotsen", "bris", "polisen", "kommunen", "skolan", "bup", "umo", "soc", "socialtjänsten",
    "någon", "nån", "ingen", "alla", "killarna", "tjejerna", "läraren", "fröken", "rektorn", "de", "dom",
    "mamma", "pappa", "styvpappa", "styvmamma", "bror", "syster", "brorsan", "syrran", "kompisen", "kompisar",
    "lillebror", "storebror", "lillasyster", "storasyster", "mormor", "morfar", "farmor", "farfar", "hans", "hennes",
    "deras", "vår", "min", "mitt", "mina", "din", "ditt", "dina", "sin", "sitt", "sina", "jobbigt", "svårt", "lugnt",
    "bra", "dåligt", "kul", "tråkigt", "sant", "fel", "slut", "viktigt", "akut", "allvarligt", "hemskt",
}


@lru_cache(maxsize=1)
def cues() -> dict:
    """The cues of bot/name_cues.yml: {language: {"strong": [...], "weak": [...], "stop": [...], "frames": [...]}}."""
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    return {lang: {k: [str(w) if not isinstance(w, list) else [str(x) for x in w] for w in (v.get(k) or [])]
                   for k in ("strong", "weak", "stop", "frames")} for lang, v in data.items()}


@lru_cache(maxsize=1)
def first_names() -> frozenset:
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().casefold() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def _stops() -> frozenset:
    """Every language's ordinary words (casefolded), plus the Swedish lists above."""
    words = {w.casefold() for lang in cues().values() for w in lang["stop"]}
    return frozenset(words | _STOP_AFTER_NAME)


def fold_variants(words: Iterable[str]) -> list[str]:
    """*words* and their spellings without å, ä, ö, é; longest first (for a regex alternation)."""
    out = set()
    for w in words:
        out.add(w)
        out.add(w.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e"))
    return sorted(out, key=len, reverse=True)


def _phrase(cue: str) -> str:
    return _GAP_RE.join(re.escape(part) for part in cue.split())


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(_phrase(p) for p in sorted(set(phrases), key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    data = cues()
    strong = _alternation(c for lang in data.values() for c in lang["strong"])
    weak = _alternation(c for lang in data.values() for c in lang["weak"])
    relations = "|".join(fold_variants(_RELATIONS))
    bare = "|".join(fold_variants(_BARE_RELATIONS))
    frames = "|".join(_phrase(a) + _GAP_RE + r"(?P<f" + str(i) + ">" + _WORD + r")" + _GAP_RE + _phrase(b) + r"(?!\w)"
                      for i, (a, b) in enumerate(f for lang in data.values() for f in lang["frames"]))
    return {
        "strong": re.compile(r"(?<!\w)(?i:" + strong + r")[ \t]{0,3}[:,=]?[ \t\n]{1,3}"),
        "weak": re.compile(
            r"(?<!\w)(?:(?i:" + weak + r")"
            r"|(?i:det|de|dä)[ \t]{1,3}(?i:är|ar|e)(?=[ \t]{1,3}\S{1,41}(?:[ \t]{1,3}" + _CAPITAL_WORD
            + r")?(?:[ \t]{1,3}(?i:här|har|som[ \t]{1,3}skriver)(?!\w)|[ \t]{0,2}(?:[.!]|\Z)))"
            r"|(?i:min|mitt|mina|hans|hennes|vår|våran|deras)[ \t]{1,3}(?i:" + relations + r")"
            r"|(?i:" + bare + r")(?=[ \t]{1,3}[A-ZÅÄÖÉ])"
            r")[ \t]{0,3}[:,]?[ \t]{1,3}"),
        "frame": re.compile(r"(?<!\w)(?:" + frames + r"|(?i:hej|hejsan|hallå|halla|tja|tjena)[ \t]{0,2},?[ \t]{1,3}"
                            r"(?P<hello>" + _WORD + r")[ \t]{1,3}(?i:här|har)(?!\w))") if frames else re.compile(r"(?!)"),
        "harm": re.compile(r"(?<![\w'’-])(?P<name>" + _CAPITAL_WORD + r")[ \t]{1,3}(?i:" + "|".join(fold_variants(_HARM_VERBS))
                           + r")[ \t]{1,3}(?i:" + "|".join(_HARM_OBJECTS) + r")(?!\w)"),
        # A capitalised word; `spans` keeps it when it is a known first name in the middle of a sentence, or one
        # in the genitive anywhere ("Kalles pappa").
        "capital": re.compile(r"(?<![\w'’-])(?P<name>" + _CAPITAL_WORD + r")"),
    }


# A signature at the end: "/Kevin", "// kevin", "- Kevin" (after a dash only with a capital letter).
_LETTERS = r"[^\W\d_](?:[^\W\d_]|['’-]){0,40}"  # no digits or underscores: "/child_wellbeing" is a button
_SIGNATURE = re.compile(r"(?<=\s)(?:(?P<slash>/{1,2})|[-–]{1,2})[ \t]{0,2}(?P<name>" + _LETTERS + r"(?:[ \t]"
                        + _LETTERS + r")?)[ \t]{0,3}[.!]?[ \t]{0,3}\Z")
_NAME_WORD = re.compile(_WORD)
_GAP = re.compile(_GAP_RE)
_MID_SENTENCE = re.compile(r"[\w,;:)][ \t]{1,2}\Z")


def caseless(word: str) -> bool:
    """Whether *word* is written in a script without capital letters (Arabic, Persian, Ethiopic …)."""
    first = word[0]
    return not first.isupper() and not first.islower()


def _looks_like_name(word: str, lower: str) -> bool:
    """After a weak cue: a capital letter, a script without capitals, or a known first name."""
    if lower in _NOT_A_CAPITAL_NAME or lower in _stops():
        return False
    return word[0].isupper() or caseless(word) or lower in first_names()


def _name_words(text: str, i: int, weak: bool, cue: bool = True) -> list:
    """The words of a name starting at *i* (at most three), [] when there is none. *weak*: only words that
    look like a name (`_looks_like_name`); *cue*: False when no word said a name comes (a signature), so
    that common words are never taken for one."""
    words: list = []
    while len(words) < 3:
        w = _NAME_WORD.match(text, i)
        if not w:
            break
        word = w.group(0)
        lower = word.lower().strip("'’-")
        if weak and not _looks_like_name(word, lower):
            break
        if not cue and lower in _NOT_A_CAPITAL_NAME:
            break
        if (not words and lower in _NOT_A_NAME) or lower in _stops() and (words or caseless(word)):
            break
        words.append(w)
        gap = _GAP.match(text, w.end())
        if not gap:
            break
        i = gap.end()
    return words


def spans(text: str) -> list[tuple[int, int, list]]:
    """(start, end, words) of every name in *text*, in any order, possibly overlapping."""
    found: list = []
    p = _patterns()
    for trigger, weak in ((p["strong"], False), (p["weak"], True)):
        for m in trigger.finditer(text):
            words = _name_words(text, m.end(), weak)
            if words:
                found.append((words[0].start(), words[-1].end(), words))
    for m in p["frame"].finditer(text):
        group = next(g for g in m.groupdict() if m.group(g) is not None)
        word = m.group(group)
        if word.casefold() not in _stops() and word.casefold() not in _NOT_A_CAPITAL_NAME:
            found.append((m.start(group), m.end(group), [_NAME_WORD.match(text, m.start(group))]))
    for m in p["harm"].finditer(text):
        if m.group("name").casefold() not in _NOT_A_CAPITAL_NAME and m.group("name").casefold() not in _stops():
            found.append((m.start("name"), m.end("name"), [_NAME_WORD.match(text, m.start("name"))]))
    for m in p["capital"].finditer(text):
        word = m.group("name").strip("'’-")
        lower = word.casefold()
        mid_sentence = _MID_SENTENCE.search(text, max(0, m.start() - 3), m.start()) is not None
        genitive = lower.endswith("s") and lower[:-1] in first_names()
        # Russian and Ukrainian write only names (and places) with a capital letter in the middle of a sentence.
        cyrillic = mid_sentence and _CYRILLIC_CAPITAL.match(word) is not None and lower not in _stops()
        if genitive or cyrillic or (mid_sentence and lower in first_names()):
            found.append((m.start("name"), m.start("name") + len(word), [_NAME_WORD.match(text, m.start("name"))]))
    signature = _SIGNATURE.search(text)
    if signature:
        words = _name_words(text, signature.start("name"), weak=not signature.group("slash"), cue=False)
        if words:
            found.append((words[0].start(), words[-1].end(), words))
    return found


def may_hold_name(text: str) -> bool:
    """A cheap necessary condition: a space or a signature mark (every name pattern needs one)."""
    return any(c in text for c in " \t\n/-–")


def scrub_names(text: str, found: list | None = None) -> str:
    """*text* with every name replaced by `NAME`; *found* gets (original, NAME) for the whole name and each word."""
    if not may_hold_name(text):
        return text
    hits = spans(text)
    if not hits:
        return text
    out: list[str] = []
    pos = 0
    for start, end, words in sorted(hits, key=lambda s: (s[0], -s[1])):
        if start < pos:
            continue
        if found is not None:
            found.append((text[start:end], NAME))
            found.extend((w.group(0), NAME) for w in words if w is not None)
        out.append(text[pos:start])
        out.append(NAME)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def all_patterns() -> dict[str, Any]:
    """Every compiled pattern of this module (tests/domain/test_privacy.py checks that each is bounded)."""
    return {**{f"names.{k}": v for k, v in _patterns().items()}, "names._SIGNATURE": _SIGNATURE,
            "names._NAME_WORD": _NAME_WORD, "names._MID_SENTENCE": _MID_SENTENCE}
