"""Step records and outbox jobs, derived from the workflow after every state change.

``sync`` compares the workflow's ready tasks with the open step records: new ready tasks get
a record (pass number, due time from the step's target) and a job (a notification, or the
service call); records whose task left READY are closed. It also enforces the loop cap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from engine import notifications, runtime, store, versions
from engine.errors import LoopLimitReached
from engine.forms import N_
from engine.models import Instance, StepRecord
from engine.reporting import stamps
from engine.users import SYSTEM
from engine.views import StepFields


def _new_record(
    session: Session,
    inst: Instance,
    task: runtime.Task,
    meta: dict[str, Any],
    now: datetime,
    max_passes: int,
    seen: int,
) -> StepRecord:
    """A record for a task that just became ready; ``seen`` counts this step's earlier
    records in the instance (its earlier passes)."""
    bpmn_id = task.task_spec.bpmn_id
    step = meta["steps"].get(bpmn_id) or {}
    pass_no = max(inst.pass_count, seen + 1)
    if pass_no > max_passes:
        raise LoopLimitReached(
            N_(
                "Permintaan ini sudah %(n)d kali dikembalikan ke langkah awal; "
                "batas putaran tercapai. Setujui atau batalkan permintaan."
            ),
            n=max_passes,
        )
    inst.pass_count = pass_no
    target = step.get("target_s")
    record = StepRecord(
        task_id=str(task.id),
        instance_id=inst.id,
        bpmn_id=bpmn_id,
        name=step.get("name") or task.task_spec.bpmn_name or bpmn_id,
        lane=task.task_spec.lane,
        role=versions.pack(inst.version).role_of(task.task_spec.lane),
        step=step.get("step"),
        kind="user" if task.task_spec.manual else "service",
        requester_only=task.task_spec.lane == meta.get("initiator_lane"),
        pass_no=pass_no,
        state="ready",
        target_s=target,
        ready_at=now,
        due_at=now + timedelta(seconds=target) if target is not None else None,
    )
    return record  # written by ``sync`` once complete (``store.insert_records``)


def _close(record: StepRecord, task: runtime.Task | None, now: datetime,
           inst: Instance) -> None:
    """Close a record whose task left READY; a service task's record keeps its result
    (a user task's record got its data from ``tasks.complete``)."""
    if task is not None and task.state == runtime.TaskState.COMPLETED:
        record.state = "completed"
        record.error = None  # an attempt failed, a later one succeeded: the step is fine
        record.completed_at = record.completed_at or now
        if record.completed_by is None:
            record.completed_by, record.completed_by_name = SYSTEM.username, SYSTEM.display_name
        if record.data is None:
            result = runtime.service_result(task)
            record.data = None if result is None else versions.document(
                inst.version, "data", result)
    else:
        record.state = "cancelled"
        record.completed_at = record.completed_at or now


@dataclass
class Synced:
    """What ``sync`` found: all the instance's records, oldest first (the new ones last),
    and the new records and jobs ``write`` inserts."""

    records: list[StepFields]
    new: list[StepRecord]
    queued: list[dict[str, Any]]


def sync(
    session: Session,
    inst: Instance,
    workflow: Any,
    now: datetime,
    *,
    max_passes: int,
) -> Synced:
    """Bring step records and jobs in line with ``workflow``: close the records whose task
    left READY, and make the records and jobs of the tasks that became ready, written by
    ``write`` after the caller's flush (the instance's version check first: a lost race
    writes nothing). Callers run it without autoflush (one flush at the end)."""
    meta = versions.info(inst.version).meta
    ready = runtime.waiting_tasks(workflow)
    ready_ids = {str(t.id) for t in ready}
    # Settled records are read as plain rows; the open ones are the rows this can change,
    # as the session's objects (the one being completed is held already: no query). A
    # new instance, not inserted yet, has none.
    rows = [] if inspect(inst).pending else store.step_rows(session, inst.id)
    held = {r.id: store.step_record(session, r.id) for r in rows if r.state == "ready"}
    records: list[StepFields] = [held.get(r.id, r) for r in rows]
    known = {r.task_id: r for r in held.values() if r.state == "ready"}
    for task_id, record in known.items():
        if task_id not in ready_ids:
            _close(record, runtime.find_task(workflow, task_id), now, inst)
    stamps.stamp(held.values())  # the durations of the records completed now, for the report
    seen = Counter(r.bpmn_id for r in records)
    new: list[StepRecord] = []
    queued: list[dict[str, Any]] = []
    for task in ready:
        if str(task.id) in known:
            continue
        bpmn_id = task.task_spec.bpmn_id
        record = _new_record(session, inst, task, meta, now, max_passes, seen[bpmn_id])
        seen[bpmn_id] += 1
        new.append(record)
        if inst.status == "draft" and record.requester_only:
            record.due_at = None  # a draft's form: no clock, no mail (engine.drafts)
            continue
        if record.kind == "service":
            kind, payload = "service_task", {"operation": runtime.service_operation(task)}
        else:
            kind, payload = "notify", notifications.payload(
                "task_ready", task.data, versions.pack(inst.version)
            )
        queued.append({"kind": kind, "instance_id": inst.id, "task_id": record.task_id,
                       "payload": payload})
    return Synced([*records, *new], new, queued)


def write(session: Session, synced: Synced, now: datetime) -> None:
    """Insert the records and jobs ``sync`` made (after the instance's row is written)."""
    store.insert_records(session, synced.new)
    store.insert_jobs(session, synced.queued, now)
