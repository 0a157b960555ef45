"""Request-level numbers of the durations report: how many requests per status, the loop
rate and mean passes (every request counts, cancelled too), and for completed requests
the SOP time (targeted steps summed over all passes) and the end-to-end time, overall and
per WIB week of creation. Imports no web layer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.orm import Session

from engine import report_queries as q
from engine.ranking import percentile
from engine.report_model import Distribution, InstanceCounts, WeekStats, pct, secs
from engine.report_scope import Scope, Selection

EPSILON_S = 0.0005  # the SOP time is compared with the target at millisecond resolution


@dataclass(frozen=True)
class RequestStats:
    counts: InstanceCounts
    sop: Distribution
    sop_within_pct: float | None
    end_to_end: Distribution
    loop_rate: float | None
    mean_passes: float | None
    weeks: tuple[WeekStats, ...]


def distribution(values: Sequence[float]) -> Distribution:
    """Count, mean, median, p90 and max of sorted ``values``."""
    if not values:
        return Distribution(0, None, None, None, None)
    return Distribution(len(values), secs(sum(values) / len(values)),
                        secs(percentile(values, Fraction(1, 2))),
                        secs(percentile(values, Fraction(9, 10))), secs(values[-1]))


class _Week:
    __slots__ = ("requests", "sop_within", "steps", "steps_within")

    def __init__(self) -> None:
        self.requests = self.sop_within = self.steps = self.steps_within = 0

    def stats(self, week: str, targeted: bool) -> WeekStats:
        return WeekStats(date.fromisoformat(week), self.requests,
                         pct(self.sop_within, self.requests) if targeted else None,
                         self.steps, pct(self.steps_within, self.steps))


def request_stats(session: Session, scope: Scope, sel: Selection,
                  target_s: int | None) -> RequestStats:
    counts = q.instance_counts(session, scope)
    sums = q.sop_sums(session, sel)
    limit = (target_s + EPSILON_S) if target_s is not None else -1.0
    weeks: dict[str, _Week] = {}
    sop: list[float] = []
    e2e: list[float] = []
    no_steps = (0.0, 0, 0)
    for inst_id, week, seconds in q.instance_rows(session, scope):
        w = weeks.get(week) or weeks.setdefault(week, _Week())
        total, n, within = sums.get(inst_id, no_steps)
        w.steps += n
        w.steps_within += within
        if seconds is not None:  # completed
            e2e.append(seconds)
            if n:
                sop.append(total)
                w.requests += 1
                w.sop_within += total < limit
    sop.sort()
    e2e.sort()
    requests = counts["total"]
    return RequestStats(
        counts=InstanceCounts(requests, counts["completed"], counts["running"],
                              counts["cancelled"], counts["incident"]),
        sop=distribution(sop),
        sop_within_pct=pct(bisect_left(sop, limit), len(sop)) if target_s else None,
        end_to_end=distribution(e2e),
        loop_rate=round(counts["looped"] / requests, 4) if requests else None,
        mean_passes=round(counts["passes"] / requests, 3) if requests else None,
        weeks=tuple(w.stats(k, target_s is not None) for k, w in sorted(weeks.items())),
    )
