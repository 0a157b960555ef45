"""The durations report on the working-hours clock: every interval counts only the office
hours it overlaps (``engine.reporting.workclock``), so the numbers are computed in Python over the
selected records' times, fetched as Unix seconds (no datetimes built). Same rules and
shapes as the calendar report (``engine.reporting``); slower, because nothing can be
summed or ranked in SQL when each interval needs its own calendar arithmetic.
Imports no web layer.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Instance, StepRecord
from engine.reporting import queries as q
from engine.reporting.model import Bin, Distribution, InstanceCounts, PassStats, WeekStats, pct
from engine.reporting.per_request import EPSILON_S, RequestStats
from engine.reporting.readers import bounds_for
from engine.reporting.scope import Dialect, Scope, Selection
from engine.reporting.workclock import OfficeHours, monday_of

S, Inst = StepRecord, Instance


@dataclass
class _Pass:
    durations: list[float] = field(default_factory=list)
    within: int = 0
    targeted: int = 0
    waiting: float = 0.0
    working: float = 0.0
    opened: int = 0

    def stats(self, pass_no: int) -> PassStats:
        return PassStats(
            pass_no,
            len(self.durations),
            sum(self.durations),
            self.within,
            self.targeted,
            self.waiting,
            self.working,
            self.opened,
        )


@dataclass
class OfficeNumbers:
    """What the calendar report reads from SQL, on the working-hours clock."""

    passes: dict[str, dict[int, _Pass]] = field(default_factory=dict)
    sorted: dict[str, list[float]] = field(default_factory=dict)
    sop: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    weeks: dict[date, list[int]] = field(default_factory=dict)
    sop_within: int = 0  # requests within their own version's SOP target

    def pass_stats(self, bpmn_id: str) -> list[PassStats]:
        return [p.stats(n) for n, p in sorted(self.passes.get(bpmn_id, {}).items())]

    def histogram(self, bpmn_id: str, bounds: Sequence[float]) -> tuple[Bin, ...]:
        values = self.sorted.get(bpmn_id, [])
        upto = [bisect_right(values, b + EPSILON_S) for b in bounds]
        counts = [b - a for a, b in zip([0, *upto], [*upto, len(values)], strict=True)]
        return tuple(Bin(u, c) for u, c in zip([*bounds, None], counts, strict=True))

    def week_stats(self, targeted: bool) -> tuple[WeekStats, ...]:
        return tuple(
            WeekStats(w, r[0], pct(r[1], r[0]) if targeted else None, r[2], pct(r[3], r[2]))
            for w, r in sorted(self.weeks.items())
        )


def _records(session: Session, sel: Selection) -> Any:
    sql = Dialect(session)
    stmt = select(
        S.bpmn_id,
        S.pass_no,
        S.instance_id,
        S.target_s,
        sql.epoch(S.ready_at),
        sql.epoch(S.opened_at),
        sql.epoch(S.completed_at),
    ).where(S.state == "completed", sel.kept())
    return session.connection().execute(stmt)


def _completed(session: Session, scope: Scope) -> dict[str, tuple[float, float]]:
    sql = Dialect(session)
    stmt = select(Inst.id, sql.epoch(Inst.created_at), sql.epoch(Inst.completed_at)).where(
        *scope.where(), Inst.status == "completed"
    )
    return {i: (c, d) for i, c, d in session.connection().execute(stmt)}


def _limits(
    session: Session, scope: Scope, target_s: int | None,
    per_version: Mapping[int, int | None] | None,
) -> Callable[[str], float]:
    """Request id → its SOP limit: one for all, or its own version's (``per_version``)."""
    single = (target_s + EPSILON_S) if target_s is not None else -1.0
    if per_version is None:
        return lambda _inst_id: single
    stmt = select(Inst.id, Inst.process_version_id).where(*scope.where())
    version_of: dict[str, int] = {i: v for i, v in session.connection().execute(stmt)}

    def limit(inst_id: str) -> float:
        target = per_version.get(version_of.get(inst_id, -1))
        return (target + EPSILON_S) if target is not None else -1.0

    return limit


def office_numbers(
    session: Session, scope: Scope, sel: Selection, hours: OfficeHours, target_s: int | None,
    per_version: Mapping[int, int | None] | None = None,
) -> OfficeNumbers:
    out = OfficeNumbers()
    per_request: dict[str, list[float]] = {}  # SOP seconds, steps, within, first ready
    for bpmn_id, pass_no, inst_id, target, ready, opened, done in _records(session, sel):
        p = out.passes.setdefault(bpmn_id, {}).setdefault(int(pass_no), _Pass())
        duration = hours.seconds(ready, done)
        p.durations.append(duration)
        if opened is not None:
            p.opened += 1
            p.waiting += hours.seconds(ready, opened)
            p.working += hours.seconds(opened, done)
        if target is not None:
            p.targeted += 1
            ok = duration < target + EPSILON_S
            p.within += ok
            acc = per_request.setdefault(inst_id, [0.0, 0, 0, ready])
            acc[0] += duration
            acc[1] += 1
            acc[2] += ok
            acc[3] = min(acc[3], ready)
    for bpmn_id, passes in out.passes.items():
        out.sorted[bpmn_id] = sorted(d for p in passes.values() for d in p.durations)
    limit_of = _limits(session, scope, target_s, per_version)
    completed = _completed(session, scope)
    for inst_id, (total, n, ok, first) in per_request.items():
        if inst_id not in completed:
            continue
        out.sop.append(total)
        within = total < limit_of(inst_id)
        out.sop_within += within
        week = out.weeks.setdefault(monday_of(first), [0, 0, 0, 0])
        week[0] += 1
        week[1] += within
        week[2] += int(n)
        week[3] += int(ok)
    out.sop.sort()
    out.e2e = sorted(hours.seconds(c, d) for c, d in completed.values())
    return out


@dataclass(frozen=True)
class OfficeReader:
    """The per-step numbers of ``OfficeNumbers`` behind the report's ``Reader`` methods."""

    numbers: OfficeNumbers

    def passes(self) -> dict[str, list[PassStats]]:
        return {b: self.numbers.pass_stats(b) for b in self.numbers.passes}

    def distribution(self, bpmn_id: str, passes: Sequence[PassStats]) -> Distribution:
        return Distribution.of_sorted(self.numbers.sorted.get(bpmn_id, []))

    def histogram(self, bpmn_id: str, d: Distribution, target_s: int | None) -> tuple[Bin, ...]:
        bounds = bounds_for(d, target_s)
        return self.numbers.histogram(bpmn_id, bounds) if bounds else ()


def office_requests(
    session: Session, scope: Scope, numbers: OfficeNumbers, target_s: int | None
) -> RequestStats:
    counts = q.instance_counts(session, scope)
    requests = counts["total"]
    sop = Distribution.of_sorted(numbers.sop)
    return RequestStats(
        counts=InstanceCounts(
            requests,
            counts["completed"],
            counts["running"],
            counts["cancelled"],
            counts["incident"],
        ),
        sop=sop,
        sop_within_pct=pct(numbers.sop_within, sop.count) if target_s is not None else None,
        end_to_end=Distribution.of_sorted(numbers.e2e),
        loop_rate=round(counts["looped"] / requests, 4) if requests else None,
        mean_passes=round(counts["passes"] / requests, 3) if requests else None,
        weeks=numbers.week_stats(target_s is not None),
    )
