"""The SQL behind the durations report, portable to SQLite and PostgreSQL.

Speed comes from the indexes of migration ``0002_report_indexes`` and from never testing
every row's instance (see ``engine.reporting.scope``): per-step sums stream from a covering
index in (step, pass) order; percentiles walk an index ordered by duration
(``ORDER BY duration LIMIT w OFFSET k``) instead of sorting; per-request sums stream from a
covering index in instance order; instance rows come from a covering index, never from
the row with its serialized workflow. ``Dialect.duration_key`` must stay the expression
``ix_step_duration`` was built on, or the walk falls back to a sort.
Durations are seconds with millisecond resolution (SQLite's ``julianday`` keeps ms).
Imports no web layer.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from engine.models import Event, Instance, ProcessVersion, StepRecord
from engine.reporting import ranking
from engine.reporting.scope import Dialect, Scope, Selection

S, Inst = StepRecord, Instance
# A step is within target when it completed by its due time (ready + target): a plain
# comparison of two stored times, no date arithmetic per row.
WITHIN = case((S.completed_at <= S.due_at, 1), else_=0)
EPSILON_S = 0.0005  # bin bounds compare durations at millisecond resolution
Sums = tuple[int, float, int, int, float, float, int]


def versions(session: Session, process_id: str) -> Sequence[Any]:
    stmt = (
        select(ProcessVersion.id, ProcessVersion.version, ProcessVersion.meta)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
    )
    return session.execute(stmt).all()


def version_xml(session: Session, version_id: int) -> str:
    return str(
        session.scalar(select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id))
    )


def instansi_values(session: Session, limit: int = 500) -> list[str]:
    stmt = (
        select(Inst.instansi)
        .where(Inst.instansi.is_not(None))
        .distinct()
        .order_by(Inst.instansi)
        .limit(limit)
    )
    return [str(v) for v in session.scalars(stmt)]


def process_count(session: Session) -> int:
    return int(session.scalar(select(func.count(func.distinct(ProcessVersion.process_id)))) or 0)


def _sums(session: Session, condition: ColumnElement[bool] | None) -> dict[tuple[str, int], Sums]:
    # A duration is waiting + working when the step was opened: computing it only for the
    # unopened ones (service tasks) saves a third of the date arithmetic of this scan.
    sql = Dialect(session)
    unopened = case((S.opened_at.is_(None), sql.seconds(S.ready_at, S.completed_at)))
    stmt = (
        select(
            S.bpmn_id,
            S.pass_no,
            func.count(),
            func.sum(unopened),
            func.sum(WITHIN),
            func.count(S.due_at),
            func.sum(sql.seconds(S.ready_at, S.opened_at)),
            func.sum(sql.seconds(S.opened_at, S.completed_at)),
            func.count(S.opened_at),
        )
        .where(S.state == "completed")
        .group_by(S.bpmn_id, S.pass_no)
    )
    if condition is not None:
        stmt = stmt.where(condition)
    out: dict[tuple[str, int], Sums] = {}
    for b, p, n, rest, w, t, waiting, working, o in session.execute(stmt):
        waiting, working = float(waiting or 0), float(working or 0)
        out[(b, int(p))] = (
            int(n),
            float(rest or 0) + waiting + working,
            int(w or 0),
            int(t),
            waiting,
            working,
            int(o),
        )
    return out


@dataclass(frozen=True)
class Removed:
    """The completed records a "subtract" selection leaves out: their sums per
    (bpmn_id, pass) and their sorted durations per step."""

    sums: dict[tuple[str, int], Sums]
    durations: dict[str, list[float]]


def removed_records(session: Session, sel: Selection) -> Removed:
    """Read the left-out records one by one (no GROUP BY, so SQLite drives the query from
    the few left-out instances instead of scanning every record)."""
    if sel.mode == "keep":
        return Removed({}, {})
    sql = Dialect(session)
    stmt = select(
        S.bpmn_id,
        S.pass_no,
        sql.seconds(S.ready_at, S.completed_at),
        WITHIN,
        S.due_at.is_not(None),
        sql.seconds(S.ready_at, S.opened_at),
        sql.seconds(S.opened_at, S.completed_at),
    ).where(S.state == "completed", S.instance_id.in_(sel.ids))
    sums: dict[tuple[str, int], list[Any]] = {}
    durations: dict[str, list[float]] = {}
    for bpmn_id, pass_no, dur, within, targeted, waiting, working in session.execute(stmt):
        acc = sums.setdefault((bpmn_id, int(pass_no)), [0, 0.0, 0, 0, 0.0, 0.0, 0])
        acc[0] += 1
        acc[1] += float(dur)
        acc[2] += int(within)
        acc[3] += int(bool(targeted))
        if waiting is not None:
            acc[4] += float(waiting)
            acc[5] += float(working)
            acc[6] += 1
        durations.setdefault(bpmn_id, []).append(float(dur))
    for values in durations.values():
        values.sort()
    return Removed({k: tuple(v) for k, v in sums.items()}, durations)


def step_sums(session: Session, sel: Selection, removed: Removed) -> dict[tuple[str, int], Sums]:
    """Per (bpmn_id, pass) of the selected completed records: count, duration sum,
    within-target count, targeted count, waiting sum, working sum, opened count."""
    if sel.mode == "keep":
        return _sums(session, S.instance_id.in_(sel.ids))
    out = _sums(session, None)
    for key, minus in removed.sums.items():
        left = tuple(a - b for a, b in zip(out[key], minus, strict=True))
        if left[0]:
            out[key] = left  # type: ignore[assignment]
        else:
            del out[key]
    return out


def _walk(
    session: Session, sel: Selection, bpmn_id: str, offset: int, limit: int, descending: bool
) -> list[float]:
    sql = Dialect(session)
    key = sql.duration_key()
    stmt = (
        select(sql.seconds(S.ready_at, S.completed_at))
        .where(S.state == "completed", S.bpmn_id == bpmn_id)
        .order_by(key.desc() if descending else key)
        .offset(offset)
        .limit(limit)
    )
    if sel.mode == "keep":
        stmt = stmt.where(S.instance_id.in_(sel.ids))
    return [float(v) for v in session.scalars(stmt)]


def _subtracted(
    session: Session,
    sel: Selection,
    bpmn_id: str,
    count: int,
    rank: int,
    limit: int,
    removed: Sequence[float],
    descending: bool,
) -> list[float]:
    """Ranks ``rank``.. (in walk order) of the selected durations: a window of all
    durations minus the removed ones. The window is first sized for removed values spread
    like the rest, then, if that was too short, to the size that is always enough."""
    flip = -1.0 if descending else 1.0
    gone = sorted(flip * v for v in removed)
    safe = ranking.window_size(removed, limit)
    size = min(safe, int(1.25 * len(removed) * rank / max(count, 1)) + 64 + limit)
    while True:
        window = [flip * v for v in _walk(session, sel, bpmn_id, rank, size, descending)]
        values = ranking.without(window, gone)[:limit]
        ends = len(window) < size  # the walk reached the end of the index
        if size >= safe or ends or (len(values) == limit and window[-1] != window[0]):
            return [flip * v for v in values]
        size = safe


def ranked_durations(
    session: Session,
    sel: Selection,
    bpmn_id: str,
    count: int,
    position: int,
    removed: Sequence[float],
    limit: int = 2,
) -> list[float]:
    """Selected durations of ``bpmn_id`` at ascending positions ``position``.. among
    ``count``, walking the duration index from whichever end is nearer."""
    last = min(position + limit, count) - 1
    descending = position > count // 2
    rank = count - 1 - last if descending else position
    wanted = last - position + 1
    if sel.mode == "keep":
        values = _walk(session, sel, bpmn_id, rank, wanted, descending)
    else:
        values = _subtracted(session, sel, bpmn_id, count, rank, wanted, removed, descending)
    return values[::-1] if descending else values


def count_at_most(
    session: Session,
    sel: Selection,
    bpmn_id: str,
    count: int,
    seconds: float,
    removed: Sequence[float],
    *,
    from_top: bool,
) -> int:
    """How many of the ``count`` selected durations of ``bpmn_id`` are at most ``seconds``:
    a counted range of the duration index, from the nearer end (``from_top``)."""
    sql = Dialect(session)
    bound = sql.key_of(seconds + EPSILON_S)
    key = sql.duration_key()
    stmt = (
        select(func.count())
        .select_from(S)
        .where(
            S.state == "completed", S.bpmn_id == bpmn_id, key > bound if from_top else key <= bound
        )
    )
    if sel.mode == "keep":
        stmt = stmt.where(S.instance_id.in_(sel.ids))
    found = int(session.scalar(stmt) or 0)
    if sel.mode == "all":
        below = bisect_right(removed, seconds + EPSILON_S)
        found -= len(removed) - below if from_top else below
    return count - found if from_top else found


def open_counts(session: Session, sel: Selection) -> dict[str, int]:
    stmt = select(S.bpmn_id, func.count()).where(S.state == "ready", sel.kept()).group_by(S.bpmn_id)
    return {b: int(n) for b, n in session.execute(stmt)}


def overdue_counts(session: Session, sel: Selection, now: datetime) -> dict[str, int]:
    """Steps waiting now past their due time, per step."""
    stmt = (select(S.bpmn_id, func.count())
            .where(S.state == "ready", S.due_at.is_not(None), S.due_at < now, sel.kept())
            .group_by(S.bpmn_id))
    return {b: int(n) for b, n in session.execute(stmt)}


def breach_counts(session: Session, scope: Scope) -> dict[str, int]:
    """``target_breached`` events per step (cancelled requests too: it happened)."""
    stmt = (
        select(S.bpmn_id, func.count())
        .select_from(Event)
        .join(S, S.task_id == Event.task_id)
        .where(Event.kind == "target_breached")
        .group_by(S.bpmn_id)
    )
    if scope.narrowed:
        stmt = stmt.where(Event.instance_id.in_(select(Inst.id).where(*scope.where())))
    return {b: int(n) for b, n in session.execute(stmt)}


def instance_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Requests in scope per status, how many went round the loop, and their passes."""
    passes = func.coalesce(Inst.pass_count, 1)
    columns = {
        status: func.sum(case((Inst.status == status, 1), else_=0))
        for status in ("completed", "running", "cancelled", "incident")
    }
    stmt = select(
        func.count(), func.sum(case((passes > 1, 1), else_=0)), func.sum(passes), *columns.values()
    ).where(*scope.where())
    total, looped, passes_sum, *per_status = session.execute(stmt).one()
    return {
        "total": int(total or 0),
        "looped": int(looped or 0),
        "passes": int(passes_sum or 0),
        **{k: int(v or 0) for k, v in zip(columns, per_status, strict=True)},
    }


@dataclass(frozen=True)
class RecordRow:
    """One step record for the CSV export."""

    number: str
    instance_id: str
    instansi: str | None
    version: int
    status: str
    bpmn_id: str
    name: str
    lane: str | None
    pass_no: int
    state: str
    ready_at: datetime
    opened_at: datetime | None
    completed_at: datetime | None
    target_s: int | None
    completed_by: str | None = None
    completed_by_name: str | None = None
    data: dict[str, Any] | None = None  # what this pass submitted (its own record)


def record_rows(session: Session, scope: Scope, *, batch: int = 2000) -> Iterator[RecordRow]:
    """Step records of the instances in scope (all states), oldest request first, streamed."""
    stmt = (
        select(
            Inst.number,
            S.instance_id,
            Inst.instansi,
            ProcessVersion.version,
            Inst.status,
            S.bpmn_id,
            S.name,
            S.lane,
            S.pass_no,
            S.state,
            S.ready_at,
            S.opened_at,
            S.completed_at,
            S.target_s,
            S.completed_by,
            S.completed_by_name,
            S.data,
        )
        .join(Inst, Inst.id == S.instance_id)
        .join(ProcessVersion, ProcessVersion.id == Inst.process_version_id)
        .where(*scope.where())
        .order_by(Inst.created_at, Inst.id, S.ready_at, S.id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        yield RecordRow(**row._mapping)
