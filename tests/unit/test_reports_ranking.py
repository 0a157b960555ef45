"""Order statistics of the report: percentiles interpolate between the closest ranks, and
the k-th value of a multiset minus a few removed values is found from a short window."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from engine.reporting.ranking import percentile, window_size, without


def test_percentiles_interpolate_between_the_closest_ranks() -> None:
    values = [100.0, 120.0, 170.0, 200.0, 400.0]
    assert percentile(values, Fraction(1, 2)) == 170.0
    assert percentile(values, Fraction(9, 10)) == pytest.approx(320.0)
    assert percentile([90.0, 100.0], 0.5) == 95.0
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([], 0.5) is None


def test_without_finds_the_ranks_of_what_remains() -> None:
    """Against brute force, with many ties (values 0–12) and up to all but one removed."""
    rng = random.Random(5)
    for _ in range(2000):
        full = sorted(float(rng.randint(0, 12)) for _ in range(rng.randint(1, 40)))
        removed = sorted(rng.sample(full, rng.randint(0, len(full) - 1)))
        remaining = list(full)
        for value in removed:
            remaining.remove(value)
        t = rng.randrange(len(remaining))
        window = full[t:t + window_size(removed)]
        assert without(window, removed)[:2] == remaining[t:t + 2], (full, removed, t)


def test_without_nothing_removed_is_the_window() -> None:
    assert without([3.0, 4.0], []) == [3.0, 4.0]
    assert without([], [1.0]) == []
