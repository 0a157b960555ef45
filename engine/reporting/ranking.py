"""Order statistics for the report: percentiles of sorted values, and the k-th value of a
sorted multiset after removing a small sub-multiset, from a short window of it.

The report walks an index of all durations (cheap) and removes the few left out (records
of cancelled or filtered-out requests) here, instead of testing every row in SQL.
Pure Python; imports nothing from the application.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction


def percentile(values: Sequence[float], p: Fraction | float) -> float | None:
    """Linear interpolation between the closest ranks of sorted ``values`` (numpy's
    default, SQL's PERCENTILE_CONT)."""
    if not values:
        return None
    h = (len(values) - 1) * Fraction(p)
    lo = int(h)
    upper = values[min(lo + 1, len(values) - 1)]
    return values[lo] + float(h - lo) * (upper - values[lo])


def window_size(removed: Sequence[float], wanted: int = 2) -> int:
    """How many values from rank ``t`` of the full list ``without`` needs."""
    return len(removed) + wanted


def without(window: Sequence[float], removed: Sequence[float]) -> list[float]:
    """The values from rank ``t`` on of ``full`` minus ``removed`` (both sorted ascending,
    ``removed`` a sub-multiset of ``full``), given ``window = full[t:t + len(removed) + w]``.

    Removed values below ``window[0]`` sit before rank ``t`` and shift it; those equal to
    it are taken from the window first (equal values are interchangeable) and the rest
    were before rank ``t``; larger ones are dropped from the window. At least ``w``
    values are left unless ``full`` ends.
    """
    if not window:
        return []
    first = window[0]
    below = bisect_left(removed, first)
    equal_removed = bisect_right(removed, first) - below
    equal_in_window = bisect_right(window, first)
    leftover = max(0, equal_removed - equal_in_window)
    drop = Counter(removed[below + equal_removed :])
    drop[first] = equal_removed - leftover
    kept = []
    for value in window:
        if drop[value] > 0:
            drop[value] -= 1
        else:
            kept.append(value)
    return kept[below + leftover :]
