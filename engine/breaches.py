"""Targets while work is running: a step still waiting after its SOP target (``due_at``)
is a breach, in whole seconds as the report counts them (``engine.seconds``).
``record_breaches`` marks each such step record once, logs a ``target_breached`` event
(the report counts these) and queues a ``notify`` job with payload
``{"event": "breach"}`` for the task, all in the caller's transaction.

The worker calls it on every tick; on PostgreSQL the rows are locked with SKIP LOCKED so two
workers never report the same breach twice (SQLite serialises writers anyway).
Imports no web layer.
"""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, lazyload

from engine import store
from engine.models import BREACHED_KIND, StepRecord
from engine.seconds import late_at

EVENT = BREACHED_KIND
PAYLOAD = {"event": "breach"}


def _overdue(session: Session, now: datetime, limit: int) -> list[StepRecord]:
    stmt = _overdue_statement(session.get_bind().dialect.name == "postgresql")
    return list(session.scalars(stmt, {"now": late_at(now), "limit": limit}))


@functools.cache
def _overdue_statement(skip_locked: bool) -> Select[StepRecord]:
    """``_overdue``'s statement, built once: the worker asks it on every tick."""
    now = bindparam("now", type_=StepRecord.__table__.c.due_at.type)
    stmt = (
        select(StepRecord)
        .where(StepRecord.state == "ready", StepRecord.due_at.is_not(None),
               StepRecord.due_at < now, StepRecord.breach_notified.is_(False))
        .order_by(StepRecord.due_at, StepRecord.id)
        .limit(bindparam("limit"))
        .options(lazyload(StepRecord.instance))
    )
    return stmt.with_for_update(skip_locked=True, of=StepRecord) if skip_locked else stmt


def record_breaches(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Report every ready step whose target passed before ``now``; returns how many."""
    records = _overdue(session, now, limit)
    for record in records:
        record.breach_notified = True
        due = record.due_at
        store.add_event(
            session, at=now, kind=EVENT, actor="sistem", instance_id=record.instance_id,
            task_id=record.task_id,
            detail={"bpmn_id": record.bpmn_id, "name": record.name, "pass": record.pass_no,
                    "target_s": record.target_s,
                    "due_at": due.isoformat() if due else None,
                    "late_s": round((now - due).total_seconds(), 3) if due else None},
        )
        store.add_job(session, kind="notify", now=now, instance_id=record.instance_id,
                      task_id=record.task_id, payload=dict(PAYLOAD))
    session.flush()
    return len(records)
