"""The durations report's small queries, portable to SQLite and PostgreSQL: the versions
and filter choices, request counts, steps open or overdue now, breaches, and the records
of the CSV export. Instance rows come from a covering index (``ix_instances_report``),
never from the row with its serialized workflow. Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.models import BREACHED_KIND, Event, Instance, ProcessVersion, StepRecord
from engine.reporting.scope import Scope, Selection
from engine.seconds import late_at

S, Inst = StepRecord, Instance


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


def open_counts(session: Session, sel: Selection) -> dict[str, int]:
    stmt = select(S.bpmn_id, func.count()).where(S.state == "ready", sel.kept()).group_by(S.bpmn_id)
    return {b: int(n) for b, n in session.execute(stmt)}


def overdue_counts(session: Session, sel: Selection, now: datetime) -> dict[str, int]:
    """Steps waiting now past their due time (in whole seconds, ``engine.seconds``), per
    step."""
    stmt = (select(S.bpmn_id, func.count())
            .where(S.state == "ready", S.due_at.is_not(None), S.due_at < late_at(now),
                   sel.kept())
            .group_by(S.bpmn_id))
    return {b: int(n) for b, n in session.execute(stmt)}


def breach_counts(session: Session, scope: Scope) -> dict[str, int]:
    """``target_breached`` events per step (cancelled requests too: it happened)."""
    stmt = (
        select(S.bpmn_id, func.count())
        .select_from(Event)
        .join(S, S.task_id == Event.task_id)
        .where(audit.of_kind(BREACHED_KIND))
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
