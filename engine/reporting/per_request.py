"""Request-level numbers of the durations report, computed in SQL so that no per-request row
reaches Python: how many requests per status, the loop rate and mean passes (every request
counts, cancelled too); for completed requests the SOP time (their targeted steps summed
over all passes) and the end-to-end time (created → completed) as distributions; and per
WIB week in which a request's SOP clock started (its first targeted step became ready;
for this SOP, its creation) the completed requests, the share within the SOP target and the
share of their targeted steps within target.

Percentiles come from ``row_number() OVER (ORDER BY v)`` keeping only the rows at the ranks
needed (the ranks are computed from the count in SQL with integer division).
Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from engine.models import Instance, StepRecord
from engine.reporting import queries as q
from engine.reporting.model import Distribution, InstanceCounts, WeekStats, pct, secs
from engine.reporting.per_step import within
from engine.reporting.ranking import percentile
from engine.reporting.scope import Dialect, Scope, Selection
from engine.reporting.stamps import Clock

S, Inst = StepRecord, Instance
EPSILON_S = 0.0005  # the SOP time is compared with the target at millisecond resolution
PICKS = ((1, 2), (9, 10))  # the median and the 90th percentile, as fractions


@dataclass(frozen=True)
class RequestStats:
    counts: InstanceCounts
    sop: Distribution
    sop_within_pct: float | None
    end_to_end: Distribution
    loop_rate: float | None
    mean_passes: float | None
    weeks: tuple[WeekStats, ...]


def _picked(values: Any) -> Select[Any]:
    """Rows (value, rank, count, sum) of ``values`` (one column ``v``) at the ranks the
    median, the 90th percentile and the maximum need."""
    ranked = select(
        values.c.v,
        func.row_number().over(order_by=values.c.v).label("rn"),
        func.count().over().label("cnt"),
        func.sum(values.c.v).over().label("tot"),
    ).subquery()
    last = ranked.c.cnt - 1
    ranks = [r for num, den in PICKS for r in ((last * num) // den, (last * num) // den + 1)]
    return select(ranked.c.v, ranked.c.rn, ranked.c.cnt, ranked.c.tot).where(
        (ranked.c.rn - 1).in_([*ranks, last])
    )


def _distribution(rows: list[Any]) -> Distribution:
    """A distribution from picked rows (value, 1-based rank, count, sum)."""
    if not rows:
        return Distribution(0, None, None, None, None)
    at = {int(rn) - 1: float(v) for v, rn, _, _ in rows}
    n, total = int(rows[0][2]), float(rows[0][3])

    def pick(num: int, den: int) -> float | None:
        h = Fraction((n - 1) * num, den)
        lo = int(h)
        return percentile([at[lo], at.get(lo + 1, at[lo])], h - lo)

    return Distribution(
        n, secs(total / n), secs(pick(*PICKS[0])), secs(pick(*PICKS[1])), secs(at[n - 1])
    )


def _limit_of_version(per_version: Mapping[int, int | None]) -> Any:
    """The SOP limit of the request's own version (-1: none), for scopes whose versions
    state different SOP targets (each request is judged against the version it ran on)."""
    limits = {vid: t + EPSILON_S for vid, t in per_version.items() if t is not None}
    return func.max(case(limits, value=Inst.process_version_id, else_=-1.0)).label("lim")


def _sop_per_request(
    session: Session, scope: Scope, sel: Selection, clock: Clock,
    per_version: Mapping[int, int | None] | None = None,
) -> Any:
    """Per completed request in scope: week its SOP clock started, SOP time, targeted
    steps, steps within target (and its version's SOP limit, when versions differ)."""
    sql = Dialect(session)
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
        select(
            sql.week_of(func.min(S.ready_at)).label("week"),
            func.sum(clock.duration).label("v"),
            func.count().label("n"),
            func.sum(within(clock)).label("w"),
        )
        .where(S.state == "completed", S.due_at.is_not(None))
        .group_by(S.instance_id)
    )
    if per_version is not None:
        stmt = stmt.add_columns(_limit_of_version(per_version)).join(
            Inst, Inst.id == S.instance_id
        )
    stmt = stmt.where(completed) if sel.mode == "keep" else stmt.having(completed)
    return stmt.cte("sop")


def _sop(
    session: Session, scope: Scope, sel: Selection, clock: Clock, limit: float,
    per_version: Mapping[int, int | None] | None = None,
) -> tuple[Any, Any]:
    """Weekly rows and picked SOP times from one statement (the per-request sums are read
    once: a CTE used twice is materialized)."""
    per = _sop_per_request(session, scope, sel, clock, per_version)
    within = per.c.v < (per.c.lim if per_version is not None else limit)
    weekly = select(
        literal("w").label("kind"),
        per.c.week,
        func.count(),
        func.sum(case((within, 1), else_=0)),
        func.sum(per.c.n),
        func.sum(per.c.w),
    ).group_by(per.c.week)
    picks = _picked(select(per.c.v).subquery())
    stmt = union_all(weekly, select(literal("r"), literal(None), *picks.subquery().c))
    rows = session.connection().execute(stmt).all()
    return (
        [r[1:] for r in rows if r[0] == "w"],
        [(r[2], r[3], r[4], r[5]) for r in rows if r[0] == "r"],
    )


def _end_to_end(
    session: Session, scope: Scope, seconds: Callable[[float, float], float]
) -> Distribution:
    """Created → completed of the completed requests in scope, on the report's clock, read
    from the covering index ``ix_instances_report`` as Unix times."""
    sql = Dialect(session)
    stmt = select(sql.epoch(Inst.created_at), sql.epoch(Inst.completed_at)).where(
        *scope.where(), Inst.status == "completed")
    return Distribution.of_sorted(sorted(seconds(a, b) for a, b in session.execute(stmt)))


def calendar_seconds(start: float, end: float) -> float:
    return end - start


def request_stats(
    session: Session, scope: Scope, sel: Selection, clock: Clock, target_s: int | None,
    per_version: Mapping[int, int | None] | None = None,
    seconds: Callable[[float, float], float] = calendar_seconds,
) -> RequestStats:
    """The request-level numbers; with ``per_version`` (version id → SOP target, when the
    versions in scope differ) each request is judged against its own version's target."""
    counts = q.instance_counts(session, scope)
    limit = (target_s + EPSILON_S) if target_s is not None else -1.0
    weekly, picks = _sop(session, scope, sel, clock, limit, per_version)
    sop = _distribution(picks)
    within = sum(int(r[2] or 0) for r in weekly)
    weeks = tuple(
        WeekStats(
            date.fromisoformat(str(week)),
            int(n),
            pct(int(ok or 0), int(n)) if target_s is not None else None,
            int(steps or 0),
            pct(int(steps_ok or 0), int(steps or 0)),
        )
        for week, n, ok, steps, steps_ok in sorted(weekly, key=lambda r: str(r[0]))
    )
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
        sop_within_pct=pct(within, sop.count) if target_s is not None else None,
        end_to_end=_end_to_end(session, scope, seconds),
        loop_rate=round(counts["looped"] / requests, 4) if requests else None,
        mean_passes=round(counts["passes"] / requests, 3) if requests else None,
        weeks=weeks,
    )
