"""Deterministic crisis safety net: suicide, self-harm and danger right now.

`assess(text)` recognises crisis wording whatever the ML classifier thought – misspelt, without
å/ä/ö, in slang or in some English – and tells harmless idioms ("dog av skratt",
"dödstråkig", "skjuta upp läxan") apart from the real thing. The patterns are data, in
`bot/crisis_patterns.yml` next to this module; see the comment at the top of that file for the
format. They are read and compiled once, at import.

How a message is assessed
-------------------------
1. The text is normalized (`bot.text.normalize`: lower case, å/ä → a, ö → o, punctuation to
   spaces) and runs of three or more equal letters are shortened ("vill dööööö" → "vill do",
   "hjääälp" → "hjalp").
2. Every idiom is cut out of the text (and noted: `Assessment.idiom`), so "jag dog av skratt
   igår men idag vill jag inte leva längre" is assessed as "jag . igår men idag vill jag inte
   leva längre" – suicidal, with `idiom=True`. The cut leaves a "." so that the words around
   it never join into a new phrase.
3. The crisis rules are tried kind by kind, in this order, and the first rule that fires wins:

   acute_danger
       Every acute rule needs a *dangerous element* – violence being done, a weapon, fire, an
       explosion, heavy bleeding, someone unconscious or not breathing, being locked in or
       taken – together with a sign that it is happening *now or here* ("just nu", "nu",
       "här", "hit", "utanför dörren", an interjected "hjälp!", "ring polisen!"). When such a
       rule fires, the message is acute even if it also speaks of suicide or self-harm: the
       writer needs 112 first ("han slår mig just nu och jag vill dö" → acute_danger). The
       exception is an injury that may be self-inflicted (bleeding, an overdose: the rules in
       SELF_INFLICTED_EMERGENCIES): with suicide or self-harm wording beside it, that kind wins,
       since its reply leads with 112 as well and adds the support that fits
       ("jag skar mig och det blöder jättemycket" → self_harm).
   suicidal
       Suicide wording, own or someone else's. A bare "nu" is not a dangerous element, so
       "jag vill ta livet av mig nu" stays suicidal (whose reply names 112 as well).
   self_harm
       Self-harm wording. Suicide wording wins over it ("skär mig och vill dö" → suicidal).

   So: acute_danger (danger element + now/here) > suicidal > self_harm.

`Assessment.rule` is the id of the rule that fired – never the user's text, so it can be
logged – and is None when `kind` is None.

Borderline decisions (pinned in tests/domain/test_crisis.py::test_borderline_decisions)
--------------------------------------------------------------------------------
* "tänker på att dö" (dying as an act) is suicidal; "tänker på döden" (death as a subject –
  grief, fear after the news) is NOT matched and is left to the classifier. "dödstankar" is
  suicidal.
* "vill dö" said in exaggeration ("jag vill dö, så pinsamt") IS suicidal – we err on the side
  of safety; only the fixed idioms in the pattern file are excused ("jag dör av skam").
* Vague exhaustion is left to the classifier: "orkar inte mer", "vill bara försvinna".
  Explicit wishes are suicidal: "vill försvinna för alltid", "ingen mening med livet",
  "vill inte vakna imorgon" (but not "vill inte vakna tidigt imorgon").
* Violence without a now/here marker is not acute: "pappa slog mig igår" and "pappa slår mig
  ibland" are home violence for the classifier; "pappa slår mig just nu" is acute. Acts that
  are dangerous while they happen need no marker: strangling, holding down, breaking in, not
  letting someone out. Threats to kill are acute only with a time or place close by ("han ska
  skjuta mig" → classifier; "… ikväll" → acute).
* Weapons need a sure now/here ("just nu", "här", "utanför dörren"), a present-tense act
  ("viftar med", "har tagit fram", "står … med en kniv") or a bare present statement ("han
  har en kniv"). A bare "nu" near a weapon word is not enough ("jag är rädd för knivar nu"),
  nor are fear, news, films or talk ("läser om skjutningar", "tänk om det kommer en bomb hit")
  or past tips ("hade en kniv i skolan förra veckan").
* An overdose without a time is suicidal; one that just happened ("tog massa tabletter nyss",
  "… och vaknar inte") is acute.
* A message that is only "hjälp"/"help" is not acute (it is often "help me use the bot");
  "hjälp hjälp", "snälla hjälp", "sos" and "hjälp" + a danger word are.
* "jag kan inte andas" (typical of panic attacks) is not acute; "han andas inte" is.
* "hänga sig" only counts for people ("datorn hänger sig" is an idiom).

Performance: one call normalizes once, runs one combined idiom substitution and then the
rules in order until one fires. A rule's regex runs only if the text holds one of the words the
pattern cannot match without (`bot.needed_words`, worked out from the pattern when it is
loaded): most rules are skipped after a few substring tests (timings: docs/prestanda.md). The
patterns have no nested unbounded repetition, so the time grows linearly with the length of the
text (no catastrophic backtracking).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Tuple

import yaml

from bot.needed_words import may_match, needed
from bot.text import normalize

__all__ = ["KINDS", "PATTERNS_FILE", "Assessment", "Rule", "assess", "load_patterns", "rule_ids"]

PATTERNS_FILE = Path(__file__).with_name("crisis_patterns.yml")

# Acute rules about an injury that may be self-inflicted. When a suicide or self-harm rule fires
# too, that kind wins: its reply also leads with 112 and adds Bris / 1177 / Mind.
SELF_INFLICTED_EMERGENCIES = frozenset({"ad_blodning", "ad_overdos_nu"})

# Parse-data hint from the Rasa component: the classifier guessed acute_danger without
# conviction and no rule confirmed it, so the reply leads with 112 (see docs/design.md).
# The intent of a message that no intent fits (the wing and the actions translate Rasa's name for it).
NO_INTENT = "no_intent"
UNSURE_ACUTE = "unsure_acute"
#: The crisis kinds, in the order they are tried (see the module docstring). They are also the
#: names of the crisis intents; every other module takes the list from here.
KINDS: Tuple[str, ...] = ("acute_danger", "suicidal", "self_harm")
#: Every crisis intent and the kind it stands for: the kinds themselves, and a friend who self-harms
#: (answered with its own text, kept as self-harm for the rest of the conversation).
INTENT_KINDS: Dict[str, str] = {**{kind: kind for kind in KINDS}, "friend_self_harm": "self_harm"}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Emoji that stand for a means of suicide become words the patterns can see (su_farval).
_EMOJI_WORDS = str.maketrans({"💊": " emojipiller ", "⚰": " emojikista ", "🪦": " emojikista ",
                              "🪢": " emojirep ", "🔪": " emojikniv "})
_SPACES = re.compile(r" {2,}")
_EDGE_CUTS = re.compile(r"^[ .]+|[ .]+$")
_FORBIDDEN = re.compile(r"[åäöÅÄÖéÉA-Z]")
_ESCAPE = re.compile(r"\\.")


@dataclass(frozen=True)
class Assessment:
    kind: str | None  # "suicidal" | "self_harm" | "acute_danger" | None
    idiom: bool  # a known harmless idiom was present
    rule: str | None  # id of the pattern that matched (never user text)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # one of KINDS, or "idiom"
    regex: re.Pattern
    unless: re.Pattern | None = None
    # words of which the pattern cannot match without one (bot.needed_words); None: none known
    needs: FrozenSet[str] | None = field(default=None, compare=False)

    def fires(self, text: str) -> bool:
        return (may_match(self.needs, text) and self.regex.search(text) is not None
                and (self.unless is None or self.unless.search(text) is None))


@dataclass(frozen=True)
class _Patterns:
    idioms: Tuple[Rule, ...]
    idiom_any: re.Pattern | None
    rules: Dict[str, Tuple[Rule, ...]]
    idiom_needs: FrozenSet[str] | None = None


def _expand(pattern: str, defs: Dict[str, str], where: str, depth: int = 0) -> str:
    if depth > 10:
        raise ValueError(f"{where}: macros nest too deep (a macro refers to itself?)")

    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in defs:
            raise ValueError(f"{where}: unknown macro {{{name}}}")
        return _expand(defs[name], defs, f"{where} → {{{name}}}", depth + 1)

    return _MACRO.sub(one, pattern)


def _check_text(pattern: str, where: str) -> None:
    if _FORBIDDEN.search(_ESCAPE.sub("", pattern)):
        raise ValueError(f"{where}: patterns run on normalized text – no å/ä/ö/é and no upper case")


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: bad regular expression: {exc}") from exc


def _rules(data: Dict[str, Any], key: str, defs: Dict[str, str], seen: set) -> Tuple[Rule, ...]:
    entries = data.get(key) or []
    if not isinstance(entries, list):
        raise ValueError(f"{key}: expected a list of {{id, pattern}}")
    out: List[Rule] = []
    for i, entry in enumerate(entries):
        where = f"{key}[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("pattern"), str):
            raise ValueError(f"{where}: expected {{id: ..., pattern: ...}}")
        extra = set(entry) - {"id", "pattern", "unless"}
        if extra:
            raise ValueError(f"{where}: unknown keys {sorted(extra)}")
        rule_id = entry["id"]
        if not _ID.match(rule_id):
            raise ValueError(f"{where}: id {rule_id!r} must be snake_case")
        if rule_id in seen:
            raise ValueError(f"{where}: duplicate id {rule_id!r}")
        seen.add(rule_id)
        where = f"{key}/{rule_id}"
        _check_text(entry["pattern"], where)
        regex = _compile(_expand(entry["pattern"], defs, where), where)
        unless = None
        if entry.get("unless") is not None:
            _check_text(entry["unless"], where + " unless")
            unless = _compile(_expand(entry["unless"], defs, where + " unless"), where + " unless")
        out.append(Rule(rule_id, "idiom" if key == "idioms" else key, regex, unless, needed(regex)))
    return tuple(out)


def _combined(rules: Tuple[Rule, ...]) -> re.Pattern | None:
    if not rules:
        return None
    return re.compile("|".join(f"(?:{r.regex.pattern})" for r in rules))


def load_patterns(path: Path = PATTERNS_FILE) -> _Patterns:
    """Read and compile a pattern file; ValueError says what is wrong with it."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    unknown = set(data) - {"defs", "idioms", *KINDS}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    defs = data.get("defs") or {}
    if not isinstance(defs, dict) or not all(isinstance(v, str) for v in defs.values()):
        raise ValueError("defs: expected a mapping of name → regex text")
    for name, text in defs.items():
        _check_text(text, f"defs/{name}")
    seen: set = set()
    idioms = _rules(data, "idioms", defs, seen)
    rules = {kind: _rules(data, kind, defs, seen) for kind in KINDS}
    idiom_any = _combined(idioms)
    return _Patterns(idioms, idiom_any, rules, needed(idiom_any) if idiom_any is not None else None)


_PATTERNS = load_patterns()


def rule_ids() -> Dict[str, Tuple[str, ...]]:
    """The ids of the shipped rules: {"idioms": (...), "acute_danger": (...), ...}."""
    out = {"idioms": tuple(r.id for r in _PATTERNS.idioms)}
    out.update({kind: tuple(r.id for r in _PATTERNS.rules[kind]) for kind in KINDS})
    return out


def _prepare(text: str) -> Tuple[str, bool]:
    """Normalized text with idioms cut out, and whether an idiom was cut.

    An idiom is replaced by " . " rather than deleted, so the words on either side are not
    glued into a new phrase ("vill [dog av skratt] dö" must not become "vill dö"); crisis
    patterns only step over word characters and single spaces.
    """
    folded = _REPEATS.sub(r"\1", normalize(text.translate(_EMOJI_WORDS)))
    if not folded or _PATTERNS.idiom_any is None or not may_match(_PATTERNS.idiom_needs, folded):
        return folded, False
    cut, count = _PATTERNS.idiom_any.subn(" . ", folded)
    if not count:
        return folded, False
    return _EDGE_CUTS.sub("", _SPACES.sub(" ", cut)), True


def _first_rule(kind: str, prepared: str) -> Rule | None:
    return next((rule for rule in _PATTERNS.rules[kind] if rule.fires(prepared)), None)


def assess(text: str) -> Assessment:
    """Which crisis, if any, *text* is about; see the module docstring for the rules."""
    prepared, idiom = _prepare(text if isinstance(text, str) else "")
    if prepared:
        for kind in KINDS:
            rule = _first_rule(kind, prepared)
            if rule is None:
                continue
            if rule.id in SELF_INFLICTED_EMERGENCIES:
                # Bleeding or an overdose from the writer's own self-harm or suicide attempt: the
                # self-harm / suicide reply starts with 112 too, and adds the support that fits.
                for own in ("suicidal", "self_harm"):
                    own_rule = _first_rule(own, prepared)
                    if own_rule is not None:
                        return Assessment(kind=own, idiom=idiom, rule=own_rule.id)
            return Assessment(kind=kind, idiom=idiom, rule=rule.id)
    return Assessment(kind=None, idiom=idiom, rule=None)
