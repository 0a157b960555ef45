"""Request-level numbers of the durations report: how many requests per status, the loop
rate and mean passes (every request counts, cancelled too); for completed requests the SOP
time (their targeted steps' stamped durations summed over all passes, grouped in SQL from
the covering ``ix_step_by_instance``) and the end-to-end time (created → completed, on the
report's clock) as distributions; and per WIB week in which a request's SOP clock started
(its first targeted step became ready; for this SOP, its creation) the completed requests,
the share within the SOP target and the share of their targeted steps within target.
One number per request reaches Python, where it is sorted. Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from engine.models import Instance, StepRecord
from engine.reporting import queries as q
from engine.reporting.model import Distribution, InstanceCounts, WeekStats, pct
from engine.reporting.per_step import stamped, within
from engine.reporting.scope import Dialect, Scope, Selection
from engine.reporting.stamps import Clock

S, Inst = StepRecord, Instance
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


def _sop_per_request(
    session: Session, scope: Scope, sel: Selection, clock: Clock, versions: bool
) -> Any:
    """Per completed request in scope: the week its SOP clock started, its SOP time,
    targeted steps, steps within target (and its version, when ``versions``)."""
    completed: ColumnElement[bool]
    if sel.mode == "keep":
        completed = S.instance_id.in_(
            select(Inst.id).where(*scope.where(), Inst.status == "completed")
        )
    else:  # few requests are not completed or out of scope: test the groups, not the rows
        completed = S.instance_id.not_in(
            select(Inst.id).where(scope.left_out() | (Inst.status != "completed"))
        )
    stmt = (
        select(Dialect(session).week_of(func.min(S.ready_at)), func.sum(clock.duration),
               func.count(), func.sum(within(clock)))
        .where(stamped(clock.duration), S.due_at.is_not(None))
        .group_by(S.instance_id)
    )
    if versions:
        stmt = stmt.add_columns(func.max(Inst.process_version_id)).join(
            Inst, Inst.id == S.instance_id)
    return stmt.where(completed) if sel.mode == "keep" else stmt.having(completed)


def _sop(
    session: Session, scope: Scope, sel: Selection, clock: Clock, target_s: int | None,
    per_version: Mapping[int, int | None] | None,
) -> tuple[list[float], int, dict[str, list[int]]]:
    """Sorted SOP times, how many within their target, and per week: requests, within,
    targeted steps, steps within."""
    def limit(target: int | None) -> float:
        return target + EPSILON_S if target is not None else -1.0

    limits = {v: limit(t) for v, t in (per_version or {}).items()}
    single = limit(target_s)
    values: list[float] = []
    ok, weeks = 0, dict[str, list[int]]()
    stmt = _sop_per_request(session, scope, sel, clock, per_version is not None)
    for week, v, n, w, *version in session.connection().execute(stmt):  # Core: no ORM rows
        within_sop = v < (limits.get(version[0], -1.0) if version else single)
        values.append(v)
        ok += within_sop
        acc = weeks.setdefault(str(week), [0, 0, 0, 0])
        acc[0] += 1
        acc[1] += within_sop
        acc[2] += n
        acc[3] += w
    values.sort()
    return values, ok, weeks


def _end_to_end(session: Session, scope: Scope, clock: Clock) -> Distribution:
    """Created → completed of the completed requests in scope, on the report's clock, as
    stamped when each completed, read from the covering index ``ix_instances_report``."""
    column = clock.end_to_end
    stmt = select(column).where(*scope.where(), Inst.status == "completed", column.is_not(None))
    return Distribution.of_sorted(sorted(session.connection().execute(stmt).scalars()))


def request_stats(
    session: Session, scope: Scope, sel: Selection, clock: Clock, target_s: int | None,
    per_version: Mapping[int, int | None] | None = None,
) -> RequestStats:
    """The request-level numbers; with ``per_version`` (version id → SOP target, when the
    versions in scope differ) each request is judged against its own version's target."""
    counts = q.instance_counts(session, scope)
    values, ok, weekly = _sop(session, scope, sel, clock, target_s, per_version)
    targeted = target_s is not None
    weeks = tuple(
        WeekStats(date.fromisoformat(week), n, pct(w, n) if targeted else None, steps,
                  pct(steps_ok, steps))
        for week, (n, w, steps, steps_ok) in sorted(weekly.items())
    )
    sop = Distribution.of_sorted(values)
    requests = counts["total"]
    return RequestStats(
        counts=InstanceCounts(
            requests,
            counts["completed"],
            counts["running"],
            counts["cancelled"],
            counts["incident"],
        ),
        sop=sop,
        sop_within_pct=pct(ok, sop.count) if targeted else None,
        end_to_end=_end_to_end(session, scope, clock),
        loop_rate=round(counts["looped"] / requests, 4) if requests else None,
        mean_passes=round(counts["passes"] / requests, 3) if requests else None,
        weeks=weeks,
    )
