"""Drafts: a request is a draft (status ``draft``) from "Ajukan Permintaan" until the
requester first submits its first step. A draft is the requester's own: no mail, no due
time, not in staff lists or the report. Its first step's clock restarts each time the
requester opens the form (``restart_clock``), so step 1 measures opening the form to
submitting it, not how long a tab stayed closed; at the first submission the step gets
its due time from that opening and the request starts running (``submit``).

Drafts nobody submitted expire after ``draft_days`` (``expire``, run by the worker tick):
they are kept as status ``expired`` rather than deleted, so the requester still finds
what became of them (with any letter they uploaded) and the audit trail stays whole,
while staff lists and the report skip them like drafts. Imports no web layer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import instances, runtime, store
from engine.models import Instance, StepRecord

DRAFT = "draft"
EXPIRED = "expired"
#: Statuses that are the requester's alone: never in staff lists or statistics.
PRIVATE = store.PRIVATE_STATUSES  # draft, expired, discarded (a cancelled draft)


def is_draft_step(inst: Instance, record: StepRecord) -> bool:
    return inst.status == DRAFT and record.requester_only and record.state == "ready"


def restart_clock(record: StepRecord, now: datetime) -> None:
    """The requester opened the draft's form: its step's time runs from now."""
    record.ready_at = record.opened_at = now
    record.opened_by = record.opened_by or record.instance.requester.username
    record.due_at = None


def submit(session: Session, row: Instance, record: StepRecord, actor: str, now: datetime) -> None:
    """The first submission of the first step: the draft becomes a running request and
    the step gets the due time it had from its (last) opening."""
    row.status = "running"
    if record.target_s is not None:
        record.due_at = record.ready_at + timedelta(seconds=record.target_s)
    store.add_event(session, at=now, kind="instance_submitted", actor=actor, instance_id=row.id)


def stale(session: Session, now: datetime, *, days: int, limit: int = 100) -> list[str]:
    """The drafts created more than ``days`` ago, oldest first: the ones ``expire`` looks
    at (a plain read: the worker's tick asks it in its breach transaction and opens a
    transaction for ``expire`` only when there is something to look at)."""
    stmt = (
        select(Instance.id)
        .where(Instance.status == DRAFT, Instance.created_at < now - timedelta(days=days))
        .order_by(Instance.created_at)
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def expire(session: Session, now: datetime, *, days: int, max_passes: int,
           limit: int = 100) -> int:
    """Close drafts untouched (created, form last opened) for ``days``; returns how many."""
    cutoff = now - timedelta(days=days)
    closed = 0
    for instance_id in stale(session, now, days=days, limit=limit):
        loaded = instances.load(session, instance_id)
        if any(r.ready_at >= cutoff for r in store.steps_of(session, instance_id)):
            continue  # opened again lately: still being written
        runtime.cancel(loaded.workflow)
        loaded.row.status, loaded.row.completed_at = EXPIRED, now
        store.add_event(session, at=now, kind="draft_expired", actor="sistem",
                        instance_id=instance_id, detail={"days": days})
        instances.save(session, loaded, now, max_passes=max_passes)
        closed += 1
    return closed
