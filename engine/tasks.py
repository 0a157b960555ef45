"""Task operations: the inbox, opening, claiming and completing user tasks.

Who may act follows the lanes: a task in the initiator lane belongs to the instance's
requester alone; any other lane to the users holding the role of that lane. Completing
validates the data against the task's form (schema + rules) before anything changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine import (
    audit,
    drafts,
    forms,
    instances,
    passes,
    rowwrites,
    runtime,
    signature,
    store,
    versions,
)
from engine.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidFormData,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from engine.forms import N_
from engine.meetings import host_roles, without_host_link
from engine.models import StepRecord
from engine.signin import SignInPolicy
from engine.users import Actor
from engine.views import InstanceSummary, StepView, TaskView

WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class InboxItem:
    step: StepView
    instance: InstanceSummary

    def is_overdue(self, now: datetime) -> bool:
        return self.step.is_late(now)


def may_act(actor: Actor, record: StepRecord) -> bool:
    if record.kind != "user" or record.state != "ready":
        return False
    if record.requester_only:
        return record.instance.requester_id == actor.user_id
    return record.role is not None and actor.has(record.role)


def inbox(session: Session, actor: Actor) -> list[InboxItem]:
    rows = store.ready_steps_for(session, roles=actor.roles, user_id=actor.user_id)
    # A request of one's own waits for a colleague (separation of duties): not one's task.
    return [InboxItem(StepView.of(r), InstanceSummary.of(r.instance)) for r in rows
            if not separated(r, actor)]


def _visible_record(session: Session, task_id: str, actor: Actor) -> StepRecord:
    record = store.step_by_task(session, task_id, workflow=True)
    if not instances.may_view(actor, record.instance):
        raise NotFound("Tugas tidak ditemukan.")
    return record


def open_task(
    session: Session, task_id: str, actor: Actor, now: datetime, *, history: bool = True,
    look: bool = False,
) -> TaskView:
    """The task page's content; the first opening by someone allowed to act is recorded.
    ``history``: read the instance's other records for ``sent_back`` (one more query, on
    a later pass only); a caller that has them already passes False. ``look``: a person
    opened the page (not a submission re-reading it): a draft's form then restarts its
    clock (``engine.drafts``)."""
    record = _visible_record(session, task_id, actor)
    own = may_act(actor, record) and separated(record, actor)
    can_act = may_act(actor, record) and not own
    if can_act and look and drafts.is_draft_step(record.instance, record):
        drafts.restart_clock(record, now)
        rowwrites.write(session, record)  # one UPDATE of its columns, not a flush
    elif can_act and record.opened_at is None:
        record.opened_at, record.opened_by = now, actor.username
        # Only while nobody opened it (a colleague's opening committed since this read
        # stands; this one records nothing).
        if rowwrites.write(session, record, unset="opened_at"):
            store.add_event(
                session,
                at=now,
                kind="task_opened",
                actor=actor.username,
                instance_id=record.instance_id,
                task_id=task_id,
            )
    return _task_view(session, record, can_act, actor, history, own_request=own)


def read_task(session: Session, task_id: str, actor: Actor) -> TaskView:
    """The task as ``open_task`` shows it, recording nothing (confirmation pages)."""
    record = _visible_record(session, task_id, actor)
    own = may_act(actor, record) and separated(record, actor)
    return _task_view(session, record, may_act(actor, record) and not own, actor, False,
                      own_request=own)


def _task_view(
    session: Session, record: StepRecord, can_act: bool, actor: Actor, history: bool, *,
    own_request: bool = False,
) -> TaskView:
    inst = record.instance
    version = versions.info(inst.version)
    meta = version.step(record.bpmn_id)
    form_name, schema = version.form_of(record.bpmn_id)
    step, back = StepView.of(record, decision=forms.decision_of(schema)), None
    if history and record.pass_no > 1:  # why it came back, from the declining pass's record
        steps = passes.step_views(version, store.step_rows(session, inst.id))
        step = next((s for s in steps if s.task_id == record.task_id), step)
        back = passes.sent_back(steps, step)
    data: dict[str, Any] = {}
    if record.state == "ready":
        with instances.reading(inst) as workflow:  # a copy: the workflow stays cached
            task = runtime.find_task(workflow, record.task_id)
            data = runtime.data_copy(dict(task.data)) if task is not None else {}
    if not actor.has(*host_roles(version.pack)):
        data = without_host_link(data)
        step = passes.without_host_links((step,))[0]
    values = {}
    if schema and schema.get("x-prefill", True):
        values = {k: data.get(k) for k in schema.get("properties", {}) if k in data}
    return TaskView(
        step=step,
        instance=InstanceSummary.of(inst),
        form_name=form_name,
        schema=schema,
        values=values,
        documentation=meta.get("documentation"),
        input=meta.get("input"),
        output=meta.get("output"),
        can_act=can_act,
        context=data,
        own_request=own_request,
        sent_back=back,
    )


def ready_for(session: Session, task_id: str, actor: Actor) -> StepRecord:
    record = _visible_record(session, task_id, actor)
    if record.state == "completed":
        raise TaskAlreadyCompleted(task_id, record.completed_by)
    if record.state != "ready":
        raise Conflict("Tugas ini sudah tidak aktif.")
    if not may_act(actor, record):
        raise Forbidden("Anda tidak berwenang mengerjakan tugas ini.")
    return record


def separation_of_duties(meta: Mapping[str, Any]) -> bool:
    """Whether the process keeps a requester from acting on their own request outside the
    initiator lane (the BPMN process property ``separation_of_duties``; on unless
    ``false``)."""
    return str(meta.get("separation_of_duties", "true")).strip().lower() != "false"


def separated(record: StepRecord, actor: Actor) -> bool:
    """Whether ``actor`` made this request and the process keeps them from this step."""
    if record.requester_only or record.instance.requester_id != actor.user_id:
        return False
    return separation_of_duties(versions.info(record.instance.version).meta)


def check_separation(record: StepRecord, actor: Actor) -> None:
    """Staff do not verify, and an approver does not sign, a request they made themselves."""
    if separated(record, actor):
        raise Forbidden(N_("Permintaan Anda sendiri harus dikerjakan rekan lain: Anda tidak "
                           "dapat memverifikasi atau menyetujui permintaan yang Anda ajukan."))


def _check_attachments(
    session: Session, schema: Mapping[str, Any], data: Mapping[str, Any], instance_id: str
) -> None:
    errors = {}
    for name, prop in schema.get("properties", {}).items():
        value = data.get(name)
        if prop.get("x-widget") != "file" or not value:
            continue
        try:
            ok = store.attachment(session, str(value)).instance_id == instance_id
        except NotFound:
            ok = False
        if not ok:
            errors[name] = FieldError(forms.N_("Berkas tidak ditemukan; unggah ulang."))
    if errors:
        raise InvalidFormData(errors)


def complete(
    session: Session,
    task_id: str,
    actor: Actor,
    data: Mapping[str, Any],
    now: datetime,
    *,
    max_passes: int,
    remote_addr: str | None = None,
    password: str | None = None,
    sign_in: SignInPolicy | None = None,
) -> instances.Loaded:
    """Validate ``data`` against the task's form (and, on a signing form, ``password``),
    complete the task and save the instance; nothing changes when anything is refused."""
    record = ready_for(session, task_id, actor)
    if record.claimed_by and record.claimed_by != actor.username:
        raise TaskClaimedByOther(task_id, record.claimed_by)
    check_separation(record, actor)
    loaded = instances.loaded(record.instance)  # read with the record, workflow included
    task = runtime.find_task(loaded.workflow, task_id)
    if task is None or task.state != runtime.TaskState.READY:
        raise Conflict("Tugas ini sudah tidak aktif.")
    form_name, schema = versions.info(loaded.row.version).form_of(record.bpmn_id)
    clean = dict(data)
    if form_name and schema is not None:
        clean = forms.validate(schema, data, now.astimezone(WIB).date())
        _check_attachments(session, schema, clean, loaded.row.id)
    attempt = signature.Attempt(record.instance_id, task_id, now, remote_addr,
                                sign_in or SignInPolicy())
    signed = signature.check(session, schema or {}, clean, actor, password, attempt)
    runtime.complete_user_task(task, clean)
    if drafts.is_draft_step(loaded.row, record):
        drafts.submit(session, loaded.row, record, actor.username, now)
    record.state, record.completed_at, record.completed_by = "completed", now, actor.username
    record.completed_by_name = actor.display_name
    record.data = versions.document(loaded.row.version, "data", clean)  # this pass, as is
    record.opened_at = record.opened_at or now
    record.opened_by = record.opened_by or actor.username
    detail = {"bpmn_id": record.bpmn_id, "pass": record.pass_no, "signed": signed}
    store.add_event(
        session,
        at=now,
        kind="task_completed",
        actor=actor.username,
        instance_id=record.instance_id,
        task_id=task_id,
        remote_addr=remote_addr,
        detail={**detail, "record_sha256": audit.record_digest(record)},
    )
    try:
        instances.save(session, loaded, now, max_passes=max_passes)
    except Conflict:
        # Our transaction is gone; read the winner's committed row on a fresh connection.
        winner = store.completed_by(session.get_bind(), task_id)
        if winner is not None:
            raise TaskAlreadyCompleted(task_id, winner) from None
        raise
    _check_claim_kept(session, record, actor)
    return loaded


def _check_claim_kept(session: Session, record: StepRecord, actor: Actor) -> None:
    """Refuse the completion when someone claimed the task after we read it.

    A claim changes only the step record (``engine.claims``), not the instance, so the
    instance's version check does not see it. On PostgreSQL (READ COMMITTED) a claim
    committed between our read and our UPDATE of the record would stand beside our
    completion: both answered 200, the claimant told the task is theirs. Our flush has
    just updated the record and holds its row lock: a claim not yet committed waits and
    then finds the task completed; one committed before is in the row now, and we roll
    back. SQLite runs every writer alone (``BEGIN IMMEDIATE`` before the first read):
    nothing can change in between, so nothing is read again there.
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    holder = store.claim_holder(session, record.id)
    if holder is not None and holder != actor.username:
        session.rollback()
        raise TaskClaimedByOther(record.task_id, holder)
