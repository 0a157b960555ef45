"""Process instances: start, load, save (with optimistic locking), cancel, and who may see
what. Task-level operations are in ``engine.tasks``; both go through ``load``/``save``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine import passes, rowwrites, runtime, steps, store, users, versions, workflow_cache
from engine.errors import Conflict, FieldError, Forbidden, InvalidFormData, NotFound
from engine.forms import N_
from engine.meetings import complete_meeting, host_roles, without_host_link
from engine.models import Instance, PackedJSON, ProcessVersion, StepRecord
from engine.pack import SYSTEM_ROLES
from engine.reporting import stamps
from engine.users import Actor
from engine.views import (
    AttachmentView,
    Cancellation,
    InstanceSummary,
    InstanceView,
    StepFields,
)

#: The list columns of an instance, filled from the fields the pack says they mean.
DENORMALISED = {"kegiatan": "title", "tanggal": "date", "instansi": "unit"}


@dataclass
class Loaded:
    row: Instance
    workflow: Any
    # all step records, once saved: the ones changed by the save as the session's objects
    records: list[StepFields] | None = None


def may_view(actor: Actor, inst: Instance) -> bool:
    """The requester, auditors and admins, and whoever works a lane of its process; a
    draft (never submitted) only its requester and admins."""
    if inst.requester_id == actor.user_id or actor.has("admin"):
        return True
    if inst.status in store.PRIVATE_STATUSES:
        return False
    return actor.has(*SYSTEM_ROLES, *versions.pack(inst.version).worker_roles)


def may_start(actor: Actor, version: ProcessVersion) -> bool:
    """Whoever holds the role of the process's initiator lane (any user when it names
    none), and admins."""
    role = versions.pack(version).initiator_role
    return role is None or actor.has(role, "admin")


def get_visible(
    session: Session, instance_id: str, actor: Actor, *, workflow: bool = False
) -> Instance:
    """The instance, or ``NotFound`` when the actor may not know it exists; ``workflow``:
    its task tree in the same query (a page that shows the current data)."""
    inst = store.instance(session, instance_id, workflow=workflow)
    if not may_view(actor, inst):
        raise NotFound("Permintaan tidak ditemukan.")
    return inst


def workflow_of(row: Instance) -> Any:
    return versions.load_workflow(row.version, row.workflow)


def load(session: Session, instance_id: str) -> Loaded:
    """The instance with its workflow, to change and ``save``: the object this process
    saved last when the stored task tree is still the one it saved
    (``engine.workflow_cache``), restored from the tree otherwise."""
    return loaded(store.instance(session, instance_id, workflow=True))


def loaded(row: Instance) -> Loaded:
    """``load`` for a row read with its workflow already (``store.step_by_task``)."""
    key, stored = versions.key_of(row.version), row.stored_workflow
    workflow = workflow_cache.take(row.id, key, stored)
    return Loaded(row, workflow if workflow is not None else _restored(row, stored))


def _restored(row: Instance, stored: bytes) -> Any:
    """The workflow restored from the bytes ``row`` was read with (not read again), never
    from ``row.workflow``: the two attributes are loaded apart, so the tree may be older
    than the bytes (read earlier in the transaction, another writer committed since), and
    the workflow is cached under these bytes."""
    session = object_session(row)
    if session is None:
        return workflow_of(row)
    tree = _PACKED.process_result_value(stored, session.get_bind().dialect)
    return versions.load_workflow(row.version, tree or {})


_PACKED = PackedJSON()


@contextmanager
def reading(row: Instance) -> Iterator[Any]:
    """The workflow of a row read with it, to read and never change (a page): the cached
    one when it is the stored tree, else restored; cached (again) when the block ends.
    What the block hands out of it must be copies."""
    key, stored = versions.key_of(row.version), row.stored_workflow
    workflow = workflow_cache.take(row.id, key, stored)
    if workflow is None:
        workflow = _restored(row, stored)
    yield workflow
    workflow_cache.give_back(row.id, key, stored, workflow)


def keep(session: Session, loaded: Loaded) -> None:
    """Cache ``loaded``'s workflow again once the transaction commits, as it was read (the
    caller only read it: it is still the tree the row holds)."""
    row = loaded.row
    workflow_cache.offer(session, row.id, versions.key_of(row.version), row.stored_workflow,
                         loaded.workflow)


def current_data(workflow: Any) -> dict[str, Any]:
    ready = runtime.waiting_tasks(workflow)
    task = ready[0] if ready else workflow.last_task
    return dict(task.data) if task is not None else {}


def save(session: Session, loaded: Loaded, now: datetime, *, max_passes: int) -> None:
    """Sync step records and jobs, then write the workflow with a version check (a new
    instance: its one INSERT), then the new records and jobs."""
    row, workflow = loaded.row, loaded.workflow
    new = inspect(row).pending
    try:
        with session.no_autoflush:  # one UPDATE of the instance, with its version check
            synced = steps.sync(session, row, workflow, now, max_passes=max_passes)
            records = synced.records
            open_records = [r for r in records if r.state == "ready"]
            data = current_data(workflow)
            the_pack = versions.pack(row.version)
            for column, meaning in DENORMALISED.items():
                value = the_pack.value(data, meaning)
                setattr(row, column, str(value)[:255] if value not in (None, "") else None)
            row.current_step = open_records[0].name if open_records else None
            if workflow.is_completed() and row.status == "running":
                row.status = "completed"
                row.completed_at = now
                stamps.stamp_request(row)  # end-to-end on both clocks, for the report
            tree = versions.document(row.version, "workflow", runtime.dump_workflow(workflow))
            # Packed here, so the bytes the row now holds are known (the cache's key);
            # the same bytes as read: an unchanged tree, not written again.
            packed = _PACKED.pack(tree, session.get_bind().dialect)
            if row.__dict__.get("stored_workflow") != packed:
                row.workflow = cast(Any, packed)  # written as it is (``PackedJSON``)
        for record in synced.records:  # the records this changed, then the instance
            if isinstance(record, StepRecord):
                rowwrites.write(session, record)
        rowwrites.write(session, row)
        session.flush()  # a new instance's INSERT, and whatever else the caller changed
        # What the row holds now, as a read would find it: the tree, and its bytes.
        set_committed_value(row, "workflow", tree)
        set_committed_value(row, "stored_workflow", packed)
        steps.write(session, synced, now)
    except (StaleDataError, IntegrityError) as err:
        if new:  # no race on an instance nobody else knows yet
            raise
        # Lost a race: the other transaction saved this version (or wrote the same next
        # step's record) first. Either way nothing of ours was written.
        session.rollback()
        raise Conflict("Permintaan diubah oleh pengguna lain; muat ulang halaman.") from err
    loaded.records = records
    workflow_cache.offer(session, row.id, versions.key_of(row.version), packed, workflow)


def start(
    session: Session, actor: Actor, now: datetime, *, process_id: str | None, max_passes: int
) -> Loaded:
    version = store.active_version(session, process_id)
    if not may_start(actor, version):
        raise Forbidden("Anda tidak berhak mengajukan permintaan pada proses ini.")
    the_pack = versions.pack(version)
    workflow = versions.new_workflow(version)
    instance_id = uuid.uuid4().hex
    row = Instance(
        id=instance_id,
        number=f"{the_pack.number_prefix}-{instance_id[:8].upper()}",
        version=version,
        process_version_id=version.id,
        requester_id=actor.user_id,
        status="running",
        workflow={},
        serializer_version=runtime.SERIALIZER_VERSION,
        pass_count=1,
        created_at=now,
    )
    session.add(row)  # inserted by ``save``, with its first step's state
    runtime.advance(workflow)
    initiator = versions.info(version).meta.get("initiator_lane")
    if any(t.task_spec.lane == initiator for t in runtime.ready_user_tasks(workflow)):
        row.status = "draft"  # until the requester first submits (engine.drafts)
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


#: Statuses a request can still be cancelled in.
CANCELLABLE = ("draft", "running", "incident")
MAX_REASON = 1000


def cancel(
    session: Session,
    instance_id: str,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
    max_passes: int,
) -> Loaded:
    """Cancel with a reason (kept in the ``instance_cancelled`` event). The caller queues
    the follow-up work (``engine.cancelling``): ending the meeting, telling the requester."""
    loaded = load(session, instance_id)
    row = loaded.row
    if not may_view(actor, row):
        raise NotFound("Permintaan tidak ditemukan.")
    if row.status not in CANCELLABLE:
        raise Conflict("Permintaan ini sudah tidak berjalan.")
    if not may_cancel(actor, row):
        raise Forbidden("Hanya pemohon atau staf yang dapat membatalkan permintaan.")
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        message = N_("Tulis alasan pembatalan.") if not reason else N_(
            "Alasan terlalu panjang (paling banyak %(n)d karakter).")
        raise InvalidFormData({"alasan": FieldError(message, {"n": MAX_REASON} if reason else {})})
    was = row.status
    runtime.cancel(loaded.workflow)
    # A draft nobody else ever saw stays its requester's: "discarded", not in staff lists
    # or the report (a cancelled request is counted there).
    row.status = "discarded" if was == "draft" else "cancelled"
    row.completed_at = now
    store.add_event(
        session, at=now, kind="instance_cancelled", actor=actor.username, instance_id=row.id,
        detail={"reason": reason, "was": was},
    )
    save(session, loaded, now, max_passes=max_passes)
    return loaded


def may_cancel(actor: Actor, row: Instance) -> bool:
    """The requester, the process's operators and admins, while it can still be cancelled."""
    if row.status not in CANCELLABLE:
        return False
    operators = versions.pack(row.version).operator_roles
    return row.requester_id == actor.user_id or actor.has("admin", *operators)


def summary(row: Instance) -> InstanceSummary:
    return InstanceSummary.of(row)


def view(
    session: Session,
    row: Instance,
    workflow: Any = None,
    records: Sequence[StepFields] | None = None,
    *,
    new: bool = False,
) -> InstanceView:
    """The instance as its pages show it; ``workflow`` and ``records`` when the caller
    just saved them (saves loading them again); ``new``: started in this transaction.
    The data is a copy: a saved workflow lives on in ``engine.workflow_cache``, and no
    reader may change it."""
    if workflow is None:
        with reading(row) as stored:
            data = runtime.data_copy(current_data(stored))
    else:
        data = runtime.data_copy(current_data(workflow))
    the_pack = versions.pack(row.version)
    meeting = complete_meeting(data.get("meeting"), data, the_pack)
    if records is None:
        records = store.step_rows(session, row.id)
    info = versions.info(row.version)
    steps = passes.step_views(info, records, data)
    decline = passes.current_decline(steps)  # each pass's own decision, not the latest data
    return InstanceView(
        summary=InstanceSummary.of(row),
        data=passes.current_data(data, steps),
        meeting=meeting,
        steps=steps,
        attachments=() if new else tuple(  # a request just started has no letters yet
            AttachmentView.of(a) for a in store.attachment_rows(session, row.id)),
        target_s=info.meta.get("target_s"),
        last_reason=decline.decision.reason if decline and decline.decision else None,
        host_roles=host_roles(the_pack),
        step_forms=the_pack.step_forms(),
        contact_email=_text(the_pack.value(data, "contact_email")),
        cancellation=cancellation_of(session, row),
    )


#: The statuses an event closed a request in (a draft is open: none closed it).
CLOSED = ("cancelled", *(s for s in store.PRIVATE_STATUSES if s != "draft"))


def cancellation_of(session: Session, row: Instance) -> Cancellation | None:
    """The event that closed a cancelled or expired request, as the pages show it."""
    if row.status not in CLOSED:
        return None
    kinds = {"instance_cancelled", "draft_expired"}
    events = [e for e in store.events_of(session, row.id) if e.kind in kinds]
    if not events:
        return None
    last = events[-1]
    reason = last.detail.get("reason") if isinstance(last.detail, dict) else None
    try:  # people are shown by name; the event keeps the username
        by = users.get_user(session, last.actor).display_name if last.actor else None
    except NotFound:
        by = last.actor
    return Cancellation(last.at, by, reason if isinstance(reason, str) else None,
                        expired=last.kind == "draft_expired")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_read_by(view: InstanceView, actor: Actor) -> InstanceView:
    """``view`` as ``actor`` may read it: the meeting's host link only for the roles
    ``engine.meetings.host_roles`` names."""
    if actor.has(*view.host_roles):
        return view
    meeting = without_host_link(view.meeting) if view.meeting else None
    return replace(view, data=without_host_link(view.data), meeting=meeting,
                   steps=passes.without_host_links(view.steps))
