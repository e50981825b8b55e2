"""What a regular expression cannot match without: a cheap test to run before the regex.

`needed(pattern)` reads the pattern's syntax tree (Python's own parser, `sre_parse`) and returns a
set of literal strings such that every text the pattern is found in contains at least one of
them, or None when it finds no such set. A text that contains none of them cannot match, so the regex
need not run on it: "is one of these few words in the text" is a handful of substring tests in
C, much cheaper than trying a long pattern at every position of the text.

How the set is found, for each part of the pattern:

* a run of literal characters ("kniv") must appear as it is;
* an alternation (kniv|pistol|vapen) needs what one of its branches needs: the union of what
  each branch needs (nothing, if one branch needs nothing);
* a group needs what its contents need; a repeat needs it only if it repeats at least once;
* a lookahead or lookbehind (?=…) needs what its contents need: they must be found in the text
  too, next to the match ("^(?=.*\\bkniv)…" needs "kniv");
* anchors, negative lookarounds, classes and wildcards need nothing;
* a sequence needs what its most telling part needs (the set whose shortest string is longest).

Used by `bot.crisis` to skip the crisis rules that cannot fire on a message; the tests check that
the skipped rules indeed do not match (tests/domain/test_needed_words.py).
"""
from __future__ import annotations

import re
from typing import FrozenSet, List, Union

try:  # Python 3.11 moved it
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # Python 3.10
    import sre_parse

Needed = Union[FrozenSet[str], None]

_C = sre_parse
LITERAL, BRANCH, SUBPATTERN, ASSERT = _C.LITERAL, _C.BRANCH, _C.SUBPATTERN, _C.ASSERT
REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None))
ATOMIC = getattr(_C, "ATOMIC_GROUP", None)
_CASE_FLAGS = re.IGNORECASE | re.LOCALE


def _better(a: Needed, b: Needed) -> Needed:
    """The more telling of two needs: the one whose shortest string is longer, then the smaller."""
    if a is None:
        return b
    if b is None:
        return a
    key = lambda s: (min(map(len, s)), -len(s))  # noqa: E731
    return a if key(a) >= key(b) else b


def _sequence(items: List) -> Needed:
    best: Needed = None
    run: List[str] = []

    def end_run() -> None:
        nonlocal best, run
        if run:
            best = _better(best, frozenset({"".join(run)}))
            run = []

    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))
            continue
        end_run()
        best = _better(best, _item(op, av))
    end_run()
    return best


def _item(op, av) -> Needed:
    if op is BRANCH:
        needs = [_sequence(list(branch)) for branch in av[1]]
        if any(n is None for n in needs):
            return None
        return frozenset().union(*(n for n in needs if n is not None))
    if op is SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        if add_flags & _CASE_FLAGS:
            return None
        return _sequence(list(pattern))
    if op is ASSERT:  # (direction, pattern): what it asserts is in the text as well
        return _sequence(list(av[1]))
    if op is ATOMIC and op is not None:
        return _sequence(list(av))
    if op in REPEATS and op is not None:
        low, _high, pattern = av
        return _sequence(list(pattern)) if low >= 1 else None
    return None  # anchors, lookarounds, classes, wildcards, back references


def needed(pattern: str | re.Pattern) -> Needed:
    """Literal strings of which every match of *pattern* contains at least one; None if unknown."""
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    if flags & _CASE_FLAGS or not isinstance(text, str):
        return None
    parsed = sre_parse.parse(text, flags)
    if parsed.state.flags & _CASE_FLAGS:  # an inline (?i) for the whole pattern
        return None
    found = _sequence(list(parsed))
    return found if found and all(found) else None


def may_match(needs: Needed, text: str) -> bool:
    """False only when *text* holds none of *needs*: then the pattern cannot match it."""
    return needs is None or any(word in text for word in needs)
