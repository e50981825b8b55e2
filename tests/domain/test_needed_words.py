"""bot.needed_words: the words a pattern cannot be found without, and the crisis rules that use them."""
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import crisis
from bot.needed_words import may_match, needed
from tests.domain import test_crisis
from tools import load


@pytest.mark.parametrize("pattern,words", [
    (r"\bkniv\w*", {"kniv"}),
    (r"\b(?:kniv|pistol|vapen)\b", {"kniv", "pistol", "vapen"}),
    (r"hus(?:et)? brinner", {" brinner"}),  # the longest sure part
    (r"(?:slar|slog) mig", {" mig"}),
    (r"(?:kniv)+ nu", {"kniv"}),
    (r"^(?=.*\bblod)(?=.*\bmycket\b)", {"mycket"}),  # a lookahead is in the text too
    (r"(?<=han )slarsig", {"slarsig"}),
    (r"(?<=han slar )dig", {"han slar "}),  # a lookbehind is in the text too
    (r"\bta livet av (?:mig|mej)", {"ta livet av m"}),  # Python's parser makes that m(?:i|e)g
])
def test_what_a_pattern_needs(pattern, words):
    assert needed(pattern) == words


@pytest.mark.parametrize("pattern", [
    r"\w+", r"(?:kniv)? nu|\w+", r"(?:kniv)*", r"(?!kniv)\w+", r"[abc]+", r"(?i)kniv", r"kniv|.", "",
])
def test_no_need_is_claimed_where_none_is_sure(pattern):
    assert needed(pattern) is None


def test_case_insensitive_patterns_are_left_alone():
    assert needed(re.compile("kniv", re.IGNORECASE)) is None
    assert needed(re.compile("(?i:kniv) nu")) == {" nu"}


def test_may_match():
    assert may_match(None, "vad som helst")
    assert may_match(frozenset({"kniv", "vapen"}), "han har en kniv")
    assert not may_match(frozenset({"kniv", "vapen"}), "han har en boll")


# --- the crisis rules: skipping by needed words never changes an answer ------------------------------
RULES = [rule for kind in crisis.KINDS for rule in crisis._PATTERNS.rules[kind]] + list(crisis._PATTERNS.idioms)


def test_every_crisis_rule_has_needed_words():
    assert all(rule.needs for rule in RULES)


def _corpus():
    root = Path(__file__).resolve().parents[2]
    texts = [t for t, _ in test_crisis.CRISIS] + list(test_crisis.CALM_IDIOMS) + list(test_crisis.CALM_NEAR_MISSES)
    texts += load.load_messages()
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            texts += [line[2:].strip() for line in str(block.get("examples", "")).splitlines() if line.startswith("- ")]
    return texts


def test_rules_found_in_real_messages_are_never_skipped():
    fired = 0
    for text in _corpus():
        prepared = crisis._prepare(text)[0]
        for rule in RULES:
            if rule.regex.search(prepared):
                fired += 1
                assert may_match(rule.needs, prepared), (rule.id, text)
    assert fired > 250


def _vocabulary():
    words = set()
    for rule in RULES:
        words |= {w.strip() for w in rule.needs if w.strip()}
    return sorted(words)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_vocabulary() + ["jag", "nu", "han", "mig", "har", "just", "hjalp", "min", "och"]),
                min_size=1, max_size=12))
def test_generated_messages_get_the_same_assessment_with_and_without_skipping(words):
    text = " ".join(words)
    prepared = crisis._prepare(text)[0]
    for rule in RULES:
        if rule.regex.search(prepared):
            assert may_match(rule.needs, prepared), (rule.id, text)
