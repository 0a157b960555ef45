"""The durations report as frozen dataclasses, and its JSON shape (``as_dict``).

Seconds are floats rounded to the millisecond, shares are percentages with one decimal,
``loop_rate`` is a fraction (0–1). Built by ``engine.reporting``; imports no web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from engine.reporting.ranking import percentile

if TYPE_CHECKING:
    from engine.reporting import ReportFilter


def secs(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Distribution:
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None

    @classmethod
    def of_sorted(cls, values: Sequence[float]) -> Distribution:
        """Count, mean, median, p90 and max of sorted ``values``."""
        if not values:
            return cls(0, None, None, None, None)
        return cls(
            len(values),
            secs(sum(values) / len(values)),
            secs(percentile(values, Fraction(1, 2))),
            secs(percentile(values, Fraction(9, 10))),
            secs(values[-1]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_s": self.mean_s,
            "median_s": self.median_s,
            "p90_s": self.p90_s,
            "max_s": self.max_s,
        }


@dataclass(frozen=True)
class Bin:
    """Records whose duration is above the previous bin's bound and at most ``upper_s``
    (None: no upper bound)."""

    upper_s: float | None
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"upper_s": self.upper_s, "count": self.count}


@dataclass(frozen=True)
class PassStats:
    """One pass of the loop for one step: additive sums, so passes roll up into steps."""

    pass_no: int
    count: int
    sum_s: float
    within: int
    targeted: int
    waiting_sum_s: float
    working_sum_s: float
    opened: int

    @property
    def mean_s(self) -> float | None:
        return secs(self.sum_s / self.count) if self.count else None

    @property
    def within_target_pct(self) -> float | None:
        return pct(self.within, self.targeted)

    @property
    def waiting_mean_s(self) -> float | None:
        return secs(self.waiting_sum_s / self.opened) if self.opened else None

    @property
    def working_mean_s(self) -> float | None:
        return secs(self.working_sum_s / self.opened) if self.opened else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pass": self.pass_no,
            "count": self.count,
            "mean_s": self.mean_s,
            "within_target_pct": self.within_target_pct,
            "waiting_mean_s": self.waiting_mean_s,
            "working_mean_s": self.working_mean_s,
        }


@dataclass(frozen=True)
class StepStats:
    bpmn_id: str
    name: str
    step: str | None
    lane: str | None
    kind: str
    target_s: int | None
    durations: Distribution
    passes: tuple[PassStats, ...]
    open: int
    breaches: int
    histogram: tuple[Bin, ...] = ()
    overdue: int = 0  # waiting now past their due time (the percentages count finished ones)

    @property
    def count(self) -> int:
        return self.durations.count

    @property
    def within(self) -> int:
        return sum(p.within for p in self.passes)

    @property
    def targeted(self) -> int:
        return sum(p.targeted for p in self.passes)

    @property
    def within_target_pct(self) -> float | None:
        return pct(self.within, self.targeted)

    @property
    def waiting_mean_s(self) -> float | None:
        opened = sum(p.opened for p in self.passes)
        return secs(sum(p.waiting_sum_s for p in self.passes) / opened) if opened else None

    @property
    def working_mean_s(self) -> float | None:
        opened = sum(p.opened for p in self.passes)
        return secs(sum(p.working_sum_s for p in self.passes) / opened) if opened else None

    def as_dict(self) -> dict[str, Any]:
        d = self.durations
        return {
            "bpmn_id": self.bpmn_id,
            "name": self.name,
            "step": self.step,
            "lane": self.lane,
            "kind": self.kind,
            "target_s": self.target_s,
            "count": d.count,
            "median_s": d.median_s,
            "p90_s": d.p90_s,
            "max_s": d.max_s,
            "mean_s": d.mean_s,
            "within_target_pct": self.within_target_pct,
            "within_target": self.within,
            "waiting_mean_s": self.waiting_mean_s,
            "working_mean_s": self.working_mean_s,
            "open": self.open,
            "breaches": self.breaches,
            "overdue": self.overdue,
            "passes": [p.as_dict() for p in self.passes],
            "histogram": [b.as_dict() for b in self.histogram],
        }


@dataclass(frozen=True)
class WeekStats:
    """One WIB week (Monday) of request creation: completed requests and their share
    within the SOP target, targeted step records and their share within target."""

    week: date
    requests: int
    sop_within_pct: float | None
    steps: int
    steps_within_pct: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": self.week.isoformat(),
            "requests": self.requests,
            "sop_within_pct": self.sop_within_pct,
            "steps": self.steps,
            "steps_within_pct": self.steps_within_pct,
        }


@dataclass(frozen=True)
class InstanceCounts:
    total: int
    completed: int
    running: int
    cancelled: int
    incident: int

    @classmethod
    def of(cls, counts: dict[str, int]) -> InstanceCounts:
        return cls(
            sum(counts.values()),
            counts.get("completed", 0),
            counts.get("running", 0),
            counts.get("cancelled", 0),
            counts.get("incident", 0),
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DurationReport:
    process_id: str
    process_name: str
    version: int
    target_s: int | None
    clock: str  # "calendar" | "office_hours"
    filter: ReportFilter
    instances: InstanceCounts
    steps: tuple[StepStats, ...]
    sop: Distribution
    sop_within_pct: float | None
    end_to_end: Distribution
    loop_rate: float | None
    mean_passes: float | None
    breaches: int
    weeks: tuple[WeekStats, ...]

    def step(self, bpmn_id: str) -> StepStats:
        return next(s for s in self.steps if s.bpmn_id == bpmn_id)

    def total_dict(self) -> dict[str, Any]:
        """The SOP row: the targeted steps summed per request, against the SOP's target."""
        return {
            "name": "Waktu SOP (langkah bertarget)",
            "target_s": self.target_s,
            **self.sop.as_dict(),
            "within_target_pct": self.sop_within_pct,
        }

    def as_dict(self) -> dict[str, Any]:
        f = self.filter
        return {
            "process_id": self.process_id,
            "process_name": self.process_name,
            "version": self.version,
            "target_s": self.target_s,
            "clock": self.clock,
            "filters": {
                "from": f.date_from.isoformat() if f.date_from else None,
                "to": f.date_to.isoformat() if f.date_to else None,
                "instansi": f.instansi,
                "version": f.version,
            },
            "instances": self.instances.as_dict(),
            "steps": [s.as_dict() for s in self.steps],
            "total": self.total_dict(),
            "end_to_end": self.end_to_end.as_dict(),
            "loop_rate": self.loop_rate,
            "mean_passes": self.mean_passes,
            "breaches": self.breaches,
            "weeks": [w.as_dict() for w in self.weeks],
        }
