"""How the report reads per-step numbers: ``SqlReader`` on the calendar clock (sums in SQL,
ranks by walking the duration index); ``engine.reporting.office.OfficeReader`` offers the same
three methods on the working-hours clock. Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from sqlalchemy.orm import Session

from engine.reporting import queries as q
from engine.reporting.model import Bin, Distribution, PassStats, secs
from engine.reporting.ranking import percentile
from engine.reporting.scope import Selection

MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)
# Histogram bounds as multiples of the step's target (or, without one, of its median).
BIN_FACTORS = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)


class Reader(Protocol):
    def passes(self) -> dict[str, list[PassStats]]: ...

    def distribution(self, bpmn_id: str, passes: Sequence[PassStats]) -> Distribution: ...

    def histogram(self, bpmn_id: str, d: Distribution, target_s: int | None) -> tuple[Bin, ...]: ...


def bounds_for(d: Distribution, target_s: int | None) -> list[float]:
    """Bin bounds: multiples of the target, or of the median without one (none if empty)."""
    unit = float(target_s) if target_s else (d.median_s or 0.0)
    return [unit * f for f in BIN_FACTORS] if d.count and unit > 0 else []


def passes_of(sums: dict[tuple[str, int], q.Sums]) -> dict[str, list[PassStats]]:
    out: dict[str, list[PassStats]] = {}
    for (bpmn_id, pass_no), (n, total, within, targeted, waiting, working, opened) in sorted(
        sums.items()
    ):
        out.setdefault(bpmn_id, []).append(
            PassStats(
                pass_no=pass_no,
                count=n,
                sum_s=total,
                within=within,
                targeted=targeted,
                waiting_sum_s=waiting,
                working_sum_s=working,
                opened=opened,
            )
        )
    return out


@dataclass(frozen=True)
class SqlReader:
    """Reads the step records with SQL: sums per (step, pass), ranks by walking the duration
    index, histogram bins by counting ranges of it."""

    session: Session
    sel: Selection
    removed: dict[str, list[float]]
    sums: dict[tuple[str, int], q.Sums]

    @classmethod
    def open(cls, session: Session, sel: Selection) -> SqlReader:
        removed = q.removed_records(session, sel)
        return cls(session, sel, removed.durations, q.step_sums(session, sel, removed))

    def passes(self) -> dict[str, list[PassStats]]:
        return passes_of(self.sums)

    def ranked(self, bpmn_id: str, n: int, position: int, limit: int = 2) -> list[float]:
        return q.ranked_durations(
            self.session, self.sel, bpmn_id, n, position, self.removed.get(bpmn_id, []), limit
        )

    def percentile(self, bpmn_id: str, n: int, p: Fraction) -> float | None:
        h = (n - 1) * p
        window = self.ranked(bpmn_id, n, int(h))
        return percentile(window, h - int(h)) if window else None

    def histogram(self, bpmn_id: str, d: Distribution, target_s: int | None) -> tuple[Bin, ...]:
        """Counts between bounds (``bounds_for``), each from the nearer end of the index."""
        bounds = bounds_for(d, target_s)
        if not bounds:
            return ()
        removed = self.removed.get(bpmn_id, [])
        upto = [
            q.count_at_most(
                self.session, self.sel, bpmn_id, d.count, b, removed, from_top=b > (d.median_s or 0)
            )
            for b in bounds
        ]
        counts = [b - a for a, b in zip([0, *upto], [*upto, d.count], strict=True)]
        return tuple(Bin(u, c) for u, c in zip([*bounds, None], counts, strict=True))

    def distribution(self, bpmn_id: str, passes: Sequence[PassStats]) -> Distribution:
        n = sum(p.count for p in passes)
        if not n:
            return Distribution(0, None, None, None, None)
        longest = self.ranked(bpmn_id, n, n - 1, limit=1)
        return Distribution(
            n,
            secs(sum(p.sum_s for p in passes) / n),
            secs(self.percentile(bpmn_id, n, MEDIAN)),
            secs(self.percentile(bpmn_id, n, P90)),
            secs(longest[0]) if longest else None,
        )
