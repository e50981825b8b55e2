"""An attacker for the suppression tests: what can be worked out about each hidden cell from what was
published, by linear programming over the published sums (scipy's HiGHS), knowing that "färre än 5" is 0–4
and "dolt" at least 5."""
from __future__ import annotations

import math
from typing import Dict, Hashable, List, Mapping, Sequence, Tuple

from scipy.optimize import linprog

from bot.suppression import FEWER, HIDDEN, MIN_COUNT


def published_ranges(labels: Mapping[Hashable, str],
                     lines: Sequence[Tuple[Hashable, Sequence[Hashable]]]) -> Dict[Hashable, Tuple[float, float]]:
    """For every hidden cell, the smallest and largest value the published labels and sums allow.
    *lines*: (total, parts) with total = sum(parts); only the labels are used, never the true values."""
    hidden = sorted((k for k, label in labels.items() if label in (FEWER, HIDDEN)), key=repr)
    index = {k: i for i, k in enumerate(hidden)}
    rows: List[List[float]] = []
    rhs: List[float] = []
    for total, parts in lines:
        row = [0.0] * len(hidden)
        known = 0.0
        for key, a in [*((p, 1) for p in parts), (total, -1)]:
            if key in index:
                row[index[key]] += a
            else:
                known += a * int(labels[key])
        if any(row):
            rows.append(row)
            rhs.append(-known)
    box = [(0, MIN_COUNT - 1) if labels[k] == FEWER else (MIN_COUNT, None) for k in hidden]
    found = {}
    for key, i in index.items():
        c = [0.0] * len(hidden)
        c[i] = 1.0
        low = linprog(c, A_eq=rows or None, b_eq=rhs or None, bounds=box, method="highs")
        c[i] = -1.0
        high = linprog(c, A_eq=rows or None, b_eq=rhs or None, bounds=box, method="highs")
        assert low.status == 0, f"the published table is inconsistent: {low.message}"
        found[key] = (low.fun, -high.fun if high.status == 0 else math.inf)
    return found


def worked_out(labels: Mapping[Hashable, str], lines: Sequence[Tuple[Hashable, Sequence[Hashable]]]) -> List[Hashable]:
    """The hidden cells whose value the published table gives away (fewer than two whole numbers possible)."""
    return [k for k, (lo, hi) in published_ranges(labels, lines).items()
            if math.isfinite(hi) and math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) < 1]
