"""bot.suppression: cells below 5 are hidden, and no hidden cell can be worked out from what is shown
(checked by an attacker with linear programming, tests/support/disclosure.py, on generated tables)."""
import random

import pytest

from bot.suppression import FEWER, HIDDEN, Line, protect
from tests.support.disclosure import worked_out


def _lines(lines):
    return [(line.total, line.parts) for line in lines]


def test_a_small_cell_is_hidden_and_its_partner_too():
    # A week with 9 replies, 7 from children: the 2 from adults must not be shown, nor be left by subtraction.
    values = {"barn": 7, "vuxna": 2, "vecka": 9}
    labels = protect(values, [Line("vecka", ("barn", "vuxna"))])
    assert labels["vuxna"] == FEWER
    assert labels["barn"] == HIDDEN and labels["vecka"] == "9"
    assert worked_out(labels, _lines([Line("vecka", ("barn", "vuxna"))])) == []


def test_nothing_is_hidden_when_every_cell_is_large():
    values = {"a": 5, "b": 12, "t": 17}
    assert protect(values, [Line("t", ("a", "b"))]) == {"a": "5", "b": "12", "t": "17"}


def test_two_small_cells_that_would_give_each_other_away_get_company():
    # 4 + 4 hidden under a total that leaves exactly 8: both would be 4 for sure.
    values = {"a": 4, "b": 4, "c": 30, "t": 38}
    lines = [Line("t", ("a", "b", "c"))]
    labels = protect(values, lines)
    assert labels["a"] == labels["b"] == FEWER
    assert worked_out(labels, _lines(lines)) == []


def test_a_small_total_is_hidden_and_cannot_be_summed_from_its_parts():
    values = {"a": 0, "b": 3, "t": 3, "u": 40, "g": 43}
    lines = [Line("t", ("a", "b")), Line("g", ("t", "u"))]
    labels = protect(values, lines)
    assert labels["t"] == FEWER
    assert worked_out(labels, _lines(lines)) == []


def _tree(rng, weeks, categories, low):
    """A generated report-like table: per week, categories summing to the week's total; the weeks summing to
    the grand total; and a second split of the same weeks (as readers and needs both split replies)."""
    values, lines = {}, []
    for w in range(weeks):
        for split in ("a", "b"):
            parts = tuple((w, split, c) for c in range(categories))
            for p in parts:
                values[p] = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) if rng.random() < low else rng.randint(5, 60)
            if split == "a":
                total = sum(values[p] for p in parts)
            else:  # the second split must add up to the same total: move the difference into its last cell
                rest = sum(values[p] for p in parts[:-1])
                while rest > total:
                    big = max(parts[:-1], key=values.get)
                    values[big] -= 1
                    rest -= 1
                values[parts[-1]] = total - rest
            lines.append(Line((w, "total"), parts))
        values[(w, "total")] = total
    values["all"] = sum(values[(w, "total")] for w in range(weeks))
    lines.append(Line("all", tuple((w, "total") for w in range(weeks))))
    return values, lines


@pytest.mark.parametrize("seed", range(12))
def test_generated_tables_give_nothing_away(seed):
    rng = random.Random(seed)
    values, lines = _tree(rng, weeks=rng.randint(2, 8), categories=rng.randint(2, 5), low=rng.choice([0.3, 0.6, 0.9]))
    labels = protect(values, lines)
    for key, value in values.items():
        if value < 5:
            assert labels[key] == FEWER, (key, value)
        elif labels[key] not in (HIDDEN,):
            assert labels[key] == str(value)
    assert worked_out(labels, _lines(lines)) == []
