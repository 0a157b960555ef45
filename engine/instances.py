"""Process instances: start, load, save (with optimistic locking), cancel, and who may see
what. Task-level operations are in ``engine.tasks``; both go through ``load``/``save``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import passes, runtime, steps, store, versions
from engine.errors import Conflict, Forbidden, NotFound
from engine.meetings import HOST_ROLES, complete_meeting, without_host_link
from engine.models import Instance, StepRecord
from engine.users import Actor
from engine.views import AttachmentView, InstanceSummary, InstanceView

STAFF_ROLES = ("staf_iidc", "subkoor_iidc", "auditor", "admin")
DENORMALISED = {"kegiatan": "nama_kegiatan", "tanggal": "tanggal", "instansi": "instansi"}


@dataclass
class Loaded:
    row: Instance
    workflow: Any
    records: list[StepRecord] | None = None  # all step records, once saved


def may_view(actor: Actor, inst: Instance) -> bool:
    return inst.requester_id == actor.user_id or actor.has(*STAFF_ROLES)


def get_visible(session: Session, instance_id: str, actor: Actor) -> Instance:
    """The instance, or ``NotFound`` when the actor may not know it exists."""
    inst = store.instance(session, instance_id)
    if not may_view(actor, inst):
        raise NotFound("Permintaan tidak ditemukan.")
    return inst


def workflow_of(row: Instance) -> Any:
    return versions.load_workflow(row.version, row.workflow)


def load(session: Session, instance_id: str) -> Loaded:
    row = store.instance(session, instance_id)
    return Loaded(row, workflow_of(row))


def current_data(workflow: Any) -> dict[str, Any]:
    ready = runtime.ready_user_tasks(workflow) + runtime.ready_service_tasks(workflow)
    task = ready[0] if ready else workflow.last_task
    return dict(task.data) if task is not None else {}


def save(session: Session, loaded: Loaded, now: datetime, *, max_passes: int) -> None:
    """Sync step records and jobs, then write the workflow with a version check."""
    row, workflow = loaded.row, loaded.workflow
    with session.no_autoflush:  # one UPDATE of the instance, with its version check
        records = steps.sync(session, row, workflow, now, max_passes=max_passes)
        open_records = [r for r in records if r.state == "ready"]
        data = current_data(workflow)
        for column, key in DENORMALISED.items():
            value = data.get(key)
            setattr(row, column, str(value)[:255] if value not in (None, "") else None)
        row.current_step = open_records[0].name if open_records else None
        if workflow.is_completed() and row.status == "running":
            row.status = "completed"
            row.completed_at = now
        row.workflow = runtime.dump_workflow(workflow)
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as err:
        # Lost a race: the other transaction saved this version (or the same next step)
        # first. Either way nothing of ours was written.
        session.rollback()
        raise Conflict("Permintaan diubah oleh pengguna lain; muat ulang halaman.") from err
    loaded.records = records


def start(
    session: Session, actor: Actor, now: datetime, *, process_id: str | None, max_passes: int
) -> Loaded:
    version = store.active_version(session, process_id)
    workflow = versions.new_workflow(version)
    row = Instance(
        id=uuid.uuid4().hex,
        version=version,
        process_version_id=version.id,
        requester_id=actor.user_id,
        status="running",
        workflow={},
        serializer_version=runtime.SERIALIZER_VERSION,
        pass_count=1,
        created_at=now,
    )
    session.add(row)
    session.flush()
    runtime.advance(workflow)
    loaded = Loaded(row, workflow)
    store.add_event(
        session,
        at=now,
        kind="instance_started",
        actor=actor.username,
        instance_id=row.id,
        detail={"version": version.version},
    )
    save(session, loaded, now, max_passes=max_passes)
    return loaded


def cancel(
    session: Session, instance_id: str, actor: Actor, now: datetime, *, max_passes: int
) -> None:
    loaded = load(session, instance_id)
    row = loaded.row
    if not may_view(actor, row):
        raise NotFound("Permintaan tidak ditemukan.")
    if row.requester_id != actor.user_id and not actor.has("staf_iidc", "admin"):
        raise Forbidden("Hanya pemohon atau staf yang dapat membatalkan permintaan.")
    if row.status not in ("running", "incident"):
        raise Conflict("Permintaan ini sudah tidak berjalan.")
    runtime.cancel(loaded.workflow)
    row.status = "cancelled"
    row.completed_at = now
    store.add_event(
        session, at=now, kind="instance_cancelled", actor=actor.username, instance_id=row.id
    )
    save(session, loaded, now, max_passes=max_passes)


def summary(row: Instance) -> InstanceSummary:
    return InstanceSummary.of(row)


def view(
    session: Session,
    row: Instance,
    workflow: Any = None,
    records: Sequence[StepRecord] | None = None,
) -> InstanceView:
    """The instance as its pages show it; ``workflow`` and ``records`` when the caller
    just saved them (saves loading them again)."""
    data = current_data(workflow if workflow is not None else workflow_of(row))
    meeting = complete_meeting(data.get("meeting"), data)
    if records is None:
        records = store.steps_of(session, row.id)
    info = versions.info(row.version)
    steps = passes.step_views(info, records, data)
    decline = passes.current_decline(steps)  # each pass's own decision, not the latest data
    return InstanceView(
        summary=InstanceSummary.of(row),
        data=passes.current_data(data, steps),
        meeting=meeting,
        steps=steps,
        attachments=tuple(AttachmentView.of(a) for a in store.attachments_of(session, row.id)),
        target_s=info.meta.get("target_s"),
        last_reason=decline.decision.reason if decline and decline.decision else None,
    )


def as_read_by(view: InstanceView, actor: Actor) -> InstanceView:
    """``view`` as ``actor`` may read it: the meeting's host link only for ``HOST_ROLES``."""
    if actor.has(*HOST_ROLES):
        return view
    meeting = without_host_link(view.meeting) if view.meeting else None
    return replace(view, data=without_host_link(view.data), meeting=meeting,
                   steps=passes.without_host_links(view.steps))
