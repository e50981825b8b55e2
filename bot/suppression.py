"""Small counts hidden wherever they leave the server, also from subtraction (no Rasa, no I/O).

A published table is a set of cells (any hashable key → a count) and the sums among them (`Line`: a total and
its parts – a week's replies and their split by reader, a need's total over the weeks and its weekly counts).
`protect` decides what may be shown:

1. every cell below `MIN_COUNT` (5) is hidden and shown as "färre än 5" (`FEWER`) – the primary suppression;
2. then no hidden cell may be worked out from what is shown: for every hidden cell the published cells and
   the sums leave a range of at least two whole numbers. Where they do not – "the week had 9 replies, 7 from
   children" leaves exactly 2 from adults – one more cell of that sum is hidden, the smallest shown one, and
   shown as "dolt" (`HIDDEN`): the complementary suppression. Repeated until nothing can be worked out.

What a reader knows is used too: a "färre än 5" cell is between 0 and 4, a "dolt" one at least 5. The ranges
are found by propagating every sum's bounds to its cells until nothing changes; the report builds its tables
so that the sums form a tree (a cell is a part of at most one sum and the total of at most one), where this is
exactly what linear programming would find (tests/domain/test_suppression.py checks it with an LP on
generated data).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Generic, Hashable, List, Mapping, Sequence, Set, Tuple, TypeVar

MIN_COUNT = 5
FEWER = "färre än 5"
HIDDEN = "dolt"
_INF = math.inf

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Line(Generic[K]):
    """total = sum of parts."""

    total: K
    parts: Tuple[K, ...]

    def terms(self) -> List[Tuple[K, int]]:
        return [(p, 1) for p in self.parts] + [(self.total, -1)]


def bounds(label: str, value: int) -> Tuple[float, float]:
    """What a reader knows of a cell from its label."""
    if label == FEWER:
        return 0.0, MIN_COUNT - 1.0
    if label == HIDDEN:
        return float(MIN_COUNT), _INF
    return float(value), float(value)


def ranges(values: Mapping[K, int], labels: Mapping[K, str], lines: Sequence[Line[K]]) -> Dict[K, Tuple[float, float]]:
    """The range each cell can have given the labels and the sums (interval propagation to a fixed point)."""
    box = {k: bounds(labels[k], values[k]) for k in values}
    changed, rounds = True, 0
    while changed and rounds < 1000:
        changed, rounds = False, rounds + 1
        for line in lines:
            terms = [(k, a, *_contribution(a, box[k])) for k, a in line.terms()]
            low, high = _Sum([t[2] for t in terms]), _Sum([t[3] for t in terms])
            for key, a, own_low, own_high in terms:
                lo, hi = box[key]
                if lo == hi:
                    continue
                # a*x = -(the others), and the others span [low - own_low, high - own_high]
                others_lo, others_hi = low.without(own_low), high.without(own_high)
                new_lo, new_hi = (-others_hi / a, -others_lo / a) if a > 0 else (-others_lo / a, -others_hi / a)
                new_lo, new_hi = max(lo, new_lo), min(hi, new_hi)
                if new_hi - new_lo < hi - lo - 1e-9:
                    box[key] = (new_lo, new_hi)
                    changed = True
    return box


def _contribution(a: int, box: Tuple[float, float]) -> Tuple[float, float]:
    """The smallest and largest a*x for x in *box*."""
    return (a * box[0], a * box[1]) if a > 0 else (a * box[1], a * box[0])


class _Sum:
    """A sum of terms some of which may be infinite, from which one term can be taken out again."""

    def __init__(self, terms: Sequence[float]) -> None:
        self.finite = sum(t for t in terms if math.isfinite(t))
        self.up = sum(1 for t in terms if t == _INF)
        self.down = sum(1 for t in terms if t == -_INF)

    def without(self, term: float) -> float:
        up, down = self.up - (term == _INF), self.down - (term == -_INF)
        if up and down:
            return math.nan
        if up or down:
            return _INF if up else -_INF
        return self.finite - (term if math.isfinite(term) else 0.0)


def pinned(box: Tuple[float, float]) -> bool:
    """True when a range leaves fewer than two whole numbers."""
    lo, hi = box
    return math.isfinite(hi) and math.floor(hi + 1e-9) - math.ceil(lo - 1e-9) < 1


def protect(values: Mapping[K, int], lines: Sequence[Line[K]]) -> Dict[K, str]:
    """The label of every cell: its count, `FEWER` or `HIDDEN` (see the module docstring)."""
    labels = {k: (FEWER if v < MIN_COUNT else str(v)) for k, v in values.items()}
    touching: Dict[K, List[Line[K]]] = {k: [] for k in values}
    for line in lines:
        for key, _ in line.terms():
            touching[key].append(line)
    for _ in range(len(values) + 1):
        box = ranges(values, labels, lines)
        exposed = sorted((k for k in values if labels[k] in (FEWER, HIDDEN) and pinned(box[k])), key=repr)
        if not exposed:
            return labels
        widened: Set[Line[K]] = set()  # sums that got a hidden cell in this round
        for key in exposed:
            if any(line in widened for line in touching[key]):
                continue  # another cell hidden in its sum this round may be enough: see in the next round
            extra = _complement(key, values, labels, touching)
            if extra is not None:
                labels[extra] = HIDDEN
                widened.update(touching[extra], touching[key])
        if not widened:  # nothing left to hide around them: hide the sums themselves (cannot happen with a true total)
            for key in exposed:
                for line in touching[key]:
                    for other, _ in line.terms():
                        if labels[other] not in (FEWER, HIDDEN):
                            labels[other] = HIDDEN
    return labels


def _complement(key: K, values: Mapping[K, int], labels: Dict[K, str], touching: Mapping[K, List[Line[K]]]) -> K | None:
    """The shown cell to hide so that *key* cannot be worked out: the smallest in a sum with *key*, else in a sum
    with the hidden cells of those sums, and so on outwards."""
    seen: Set[K] = {key}
    frontier = [key]
    while frontier:
        shown = {other for k in frontier for line in touching[k] for other, _ in line.terms()
                 if labels[other] not in (FEWER, HIDDEN)}
        if shown:
            return min(shown, key=lambda k: (values[k], repr(k)))
        hidden = {other for k in frontier for line in touching[k] for other, _ in line.terms()} - seen
        seen |= hidden
        frontier = sorted(hidden, key=repr)
    return None
