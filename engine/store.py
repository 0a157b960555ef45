"""Queries over the engine's tables. Every ``select(`` of the application lives in the
engine (here, ``users``, ``engine.reporting``); views and CLI call these functions instead.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, selectinload, undefer

from engine import audit, rowwrites
from engine.errors import NotFound
from engine.forms import N_
from engine.models import (
    Attachment,
    Event,
    Instance,
    Job,
    MailMessageRow,
    ProcessVersion,
    StepRecord,
)

#: Requests not (yet) submitted: only their requester lists them (``engine.drafts``).
PRIVATE_STATUSES = ("draft", "expired", "discarded")


def active_version(session: Session, process_id: str | None = None) -> ProcessVersion:
    stmt = select(ProcessVersion).where(ProcessVersion.active.is_(True))
    if process_id:
        stmt = stmt.where(ProcessVersion.process_id == process_id)
    version = session.scalars(stmt.order_by(ProcessVersion.id.desc()).limit(1)).first()
    if version is None:
        raise NotFound(N_("Proses '%(id)s' belum dideploy."), id=process_id or "?")
    return version


def latest_version(session: Session, process_id: str) -> ProcessVersion | None:
    stmt = (
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def versions(session: Session) -> Sequence[ProcessVersion]:
    stmt = select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version)
    return session.scalars(stmt).all()


def versions_of(session: Session, process_id: str) -> Sequence[ProcessVersion]:
    stmt = (
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version)
    )
    return session.scalars(stmt).all()


def version_of(session: Session, process_id: str, version: int) -> ProcessVersion:
    stmt = select(ProcessVersion).where(
        ProcessVersion.process_id == process_id, ProcessVersion.version == version
    )
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(N_("Versi %(v)s proses '%(id)s' tidak ada."), v=version, id=process_id)
    return row


def instance_counts(session: Session) -> dict[int, dict[str, int]]:
    """Process version id → instance status → how many."""
    stmt = select(Instance.process_version_id, Instance.status, func.count()).group_by(
        Instance.process_version_id, Instance.status
    )
    out: dict[int, dict[str, int]] = {}
    for version_id, status, count in session.execute(stmt):
        out.setdefault(version_id, {})[status] = count
    return out


def open_instances_of(
    session: Session, version_id: int, ids: Iterable[str] | None = None
) -> Sequence[Instance]:
    """Drafts, running and incident-stopped instances of one version, oldest first."""
    stmt = select(Instance).where(
        Instance.process_version_id == version_id,
        Instance.status.in_(("draft", "running", "incident")),
    )
    if ids is not None:
        stmt = stmt.where(Instance.id.in_(list(ids)))
    return session.scalars(stmt.order_by(Instance.created_at, Instance.id)).all()


def deactivate_versions(session: Session, process_id: str) -> None:
    session.execute(
        update(ProcessVersion).where(ProcessVersion.process_id == process_id).values(active=False)
    )


def instance(session: Session, instance_id: str, *, workflow: bool = False) -> Instance:
    """The instance; with ``workflow`` its task tree in the same query (to run it)."""
    row = session.get(Instance, instance_id, options=_WITH_WORKFLOW if workflow else ())
    if row is None:
        raise NotFound("Permintaan tidak ditemukan.")
    return row


#: Built once (every load asks for it): the task tree as its stored bytes, not unpacked.
_WITH_WORKFLOW = (undefer(Instance.stored_workflow),)


def instances(
    session: Session,
    *,
    requester_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[Instance]:
    stmt = _instances_where(select(Instance), requester_id, status)
    stmt = stmt.order_by(Instance.created_at.desc(), Instance.id).limit(limit).offset(offset)
    return session.scalars(stmt).all()


def count_instances(
    session: Session, *, requester_id: int | None = None, status: str | None = None
) -> int:
    stmt = _instances_where(select(func.count()).select_from(Instance), requester_id, status)
    return int(session.scalar(stmt) or 0)


def _instances_where(stmt: Any, requester_id: int | None, status: str | None) -> Any:
    if requester_id is not None:
        stmt = stmt.where(Instance.requester_id == requester_id)
    else:  # drafts are their requester's alone (engine.drafts)
        stmt = stmt.where(Instance.status.not_in(PRIVATE_STATUSES))
    if status:
        stmt = stmt.where(Instance.status == status)
    return stmt


def step_by_task(session: Session, task_id: str, *, workflow: bool = False) -> StepRecord:
    """The task's record with its instance in one query, and the instance's workflow too
    when the caller will run or read it."""
    row = session.scalar(_step_by_task(workflow), {"task_id": task_id})
    if row is None:
        raise NotFound("Tugas tidak ditemukan.")
    return row


@functools.cache
def _step_by_task(workflow: bool) -> Select[StepRecord]:
    """``step_by_task``'s statement, built once (every task page and completion asks it)."""
    instance = joinedload(StepRecord.instance)
    return (
        select(StepRecord)
        .where(StepRecord.task_id == bindparam("task_id"))
        .options(instance.undefer(Instance.stored_workflow) if workflow else instance)
    )


def step_record(session: Session, record_id: int) -> StepRecord:
    """A record by id: the session's own object when it holds it (no query)."""
    row = session.get(StepRecord, record_id)
    if row is None:
        raise NotFound("Tugas tidak ditemukan.")
    return row


def claim_holder(session: Session, record_id: int) -> str | None:
    """Who holds the record's claim in the database now (not the session's copy): read
    after the caller's own UPDATE of the row, under its lock, it is the claim that update
    overwrote nothing of."""
    return session.execute(
        select(StepRecord.claimed_by).where(StepRecord.id == record_id)
    ).scalar_one()


def steps_of(session: Session, instance_id: str) -> Sequence[StepRecord]:
    stmt = (
        select(StepRecord)
        .where(StepRecord.instance_id == instance_id)
        .order_by(StepRecord.ready_at, StepRecord.id)
    )
    return session.scalars(stmt).all()


#: The columns of an instance's records, oldest first, as plain rows (no ORM: built once).
_STEP_ROWS = (
    select(*StepRecord.__table__.c)
    .where(StepRecord.__table__.c.instance_id == bindparam("instance_id"))
    .order_by(StepRecord.__table__.c.ready_at, StepRecord.__table__.c.id)
)


def step_rows(session: Session, instance_id: str) -> Sequence[Row[Any]]:
    """The instance's records as read-only rows (what ``steps_of`` gives, for pages that
    change nothing: the ORM's identity map and change tracking cost more than the query).
    Read on the session's connection: pending changes of the session are not in them."""
    return session.connection().execute(_STEP_ROWS, {"instance_id": instance_id}).all()


def completed_by(bind: Engine | Connection, task_id: str) -> str | None:
    """Who completed a task, read outside the caller's (rolled back) transaction."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    with Session(engine) as fresh:
        row = fresh.execute(
            select(StepRecord.state, StepRecord.completed_by).where(StepRecord.task_id == task_id)
        ).first()
    return row.completed_by if row is not None and row.state == "completed" else None


def ready_steps_for(
    session: Session, *, roles: Iterable[str], user_id: int, limit: int = 500
) -> Sequence[StepRecord]:
    """Ready user tasks the user may act on, oldest first: tasks of their roles' lanes, and
    initiator-lane tasks of their own requests only."""
    own = select(Instance.id).where(Instance.requester_id == user_id)
    lane_tasks = StepRecord.requester_only.is_(False) & StepRecord.role.in_(list(roles))
    own_tasks = StepRecord.requester_only.is_(True) & StepRecord.instance_id.in_(own)
    stmt = (
        select(StepRecord)
        .where(StepRecord.state == "ready", StepRecord.kind == "user")
        .where(or_(lane_tasks, own_tasks))
        .options(selectinload(StepRecord.instance))
        .order_by(StepRecord.ready_at, StepRecord.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def claim_step(
    session: Session, task_id: str, username: str | None, now: datetime, *, expect: str | None
) -> bool:
    """Set or clear the claim only if it is still ``expect`` (None: unclaimed), atomically."""
    owner = StepRecord.claimed_by.is_(None) if expect is None else StepRecord.claimed_by == expect
    result = session.execute(
        update(StepRecord)
        .where(StepRecord.task_id == task_id, StepRecord.state == "ready", owner)
        .values(claimed_by=username, claimed_at=now if username else None)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


def add_event(
    session: Session,
    *,
    at: datetime,
    kind: str,
    actor: str | None,
    instance_id: str | None = None,
    task_id: str | None = None,
    detail: dict[str, object] | None = None,
    remote_addr: str | None = None,
) -> None:
    """Log an event: written as the next link of the audit chain when the caller commits
    (``engine.audit``); a rolled back transaction logs nothing."""
    audit.append(
        session,
        {
            "at": at,
            "kind": kind,
            "actor": actor,
            "instance_id": instance_id,
            "task_id": task_id,
            "detail": detail or {},
            "remote_addr": remote_addr,
        },
    )


def events_of(session: Session, instance_id: str) -> Sequence[Event]:
    stmt = select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)
    return session.scalars(stmt).all()


def add_job(
    session: Session,
    *,
    kind: str,
    now: datetime,
    instance_id: str | None,
    task_id: str | None = None,
    payload: Mapping[str, object] | None = None,
) -> Job:
    job = Job(
        kind=kind,
        instance_id=instance_id,
        task_id=task_id,
        payload=dict(payload or {}),
        status="pending",
        attempts=0,
        run_after=now,
        created_at=now,
    )
    session.add(job)
    return job


def insert_jobs(session: Session, jobs: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Queue jobs (``kind``, ``instance_id``, ``task_id``, ``payload`` each) with one
    INSERT, not through the session: nothing in the transaction reads them as objects (a
    worker claims them later), so the unit of work's tracking would be spent for nothing."""
    if jobs:
        session.connection().execute(insert(cast(Table, Job.__table__)), [
            {"kind": j["kind"], "instance_id": j["instance_id"], "task_id": j.get("task_id"),
             "payload": dict(j.get("payload") or {}), "status": "pending", "attempts": 0,
             "run_after": now, "locked_at": None, "locked_by": None, "last_error": None,
             "created_at": now, "finished_at": None}
            for j in jobs
        ])


#: Every column of a step record but its id, with the value it takes when not given.
_RECORD_COLUMNS = {
    c.key: c.default.arg if c.default is not None and c.default.is_scalar else None
    for c in StepRecord.__table__.c if c.key != "id"
}
_INSERT_RECORD = insert(cast(Table, StepRecord.__table__)).returning(StepRecord.__table__.c.id)


def insert_records(session: Session, records: Sequence[StepRecord]) -> None:
    """Write new step records with a Core INSERT each and put them in the session as
    loaded, unchanged rows (``make_transient_to_detached``): the caller and its view read
    them as usual, a later change of one is flushed as an UPDATE, and the unit of work
    does not have to find, sort and insert them. Every column is set first, so reading
    one never goes back to the database."""
    connection = session.connection()
    for record in records:
        # Straight into the object's dict (what a load does): its history is reset below.
        held = record.__dict__
        values = {key: held.get(key, default) for key, default in _RECORD_COLUMNS.items()}
        held.update(values)
        held["id"] = connection.execute(_INSERT_RECORD, values).scalar_one()
        make_transient_to_detached(record)
        session.add(record)
        rowwrites.joined(session, record)  # a rollback takes it out again


def update_job(
    session: Session, job_id: int, *, holder: str | None = None, **values: Any
) -> bool:
    """Write columns of a job the session does not hold (a worker's detached copy); with
    ``holder``, only while that worker still holds it (its lease lapsed, another worker may
    have taken it). Whether a row was written."""
    params = {**values, "job_id": job_id}
    if holder is not None:
        params["holder"] = holder
    result = session.connection().execute(_update_job(tuple(values), holder is not None), params)
    return bool(getattr(result, "rowcount", 0))


@functools.cache
def _update_job(columns: tuple[str, ...], held: bool) -> Update:
    """``update_job``'s statement for these columns, built once (the worker writes every
    claim and every finish with one of a few)."""
    table = cast(Table, Job.__table__)
    stmt = update(table).where(table.c.id == bindparam("job_id"))
    if held:
        stmt = stmt.where(table.c.locked_by == bindparam("holder"))
    return stmt.values({c: bindparam(c) for c in columns})


def due_job_rows(
    session: Session, now: datetime, lease_expired_before: datetime, *,
    kind: str | None = None, limit: int,
) -> Sequence[Row[Any]]:
    """The oldest due jobs (of ``kind``) as plain rows of every column; on PostgreSQL
    locked with SKIP LOCKED so workers never collide. A job left running by a killed
    worker is due again once its lease expired. (The worker's claim: a notification is
    written and finished with Core, ``job_of`` makes any other a detached object.)"""
    return session.connection().execute(
        *_due(session, now, lease_expired_before, kind, limit)).all()


def job_of(row: Row[Any]) -> Job:
    """The job ``row`` read (``due_job_rows``) as an object of no session, as a claimed
    job is once its transaction ends: its changes are written with ``update_job``, a
    session ``merge``s it to change it through the ORM."""
    job = Job(**row._mapping)
    make_transient_to_detached(job)
    return job


def _due(
    session: Session, now: datetime, lease: datetime, kind: str | None, limit: int
) -> tuple[Select[Any], dict[str, Any]]:
    stmt = _due_jobs(kind is not None, session.get_bind().dialect.name == "postgresql")
    params: dict[str, Any] = {"now": now, "lease": lease, "limit": limit}
    if kind is not None:
        params["kind"] = kind
    return stmt, params


@functools.cache
def _due_jobs(of_kind: bool, skip_locked: bool) -> Select[Any]:
    """``due_job_rows``'s statement, built once (the worker asks it for every batch)."""
    table = cast(Table, Job.__table__)
    now = bindparam("now", type_=table.c.run_after.type)
    lease = bindparam("lease", type_=table.c.locked_at.type)
    stmt = select(*table.c).where(
        or_(
            (table.c.status == "pending") & (table.c.run_after <= now),
            (table.c.status == "running") & (table.c.locked_at < lease),
        )
    )
    if of_kind:
        stmt = stmt.where(table.c.kind == bindparam("kind"))
    stmt = stmt.order_by(table.c.run_after, table.c.id).limit(bindparam("limit"))
    return stmt.with_for_update(skip_locked=True) if skip_locked else stmt


_DOCUMENT_PENDING = select(Job.__table__.c.id).where(
    Job.__table__.c.instance_id == bindparam("instance_id"),
    Job.__table__.c.kind == "document",
    Job.__table__.c.status.in_(("pending", "running")),
).limit(1)


def document_pending(session: Session, instance_id: str) -> bool:
    """Whether the instance's document is still being made (a plain read of one id,
    after the session's own changes: a job finished earlier in the transaction counts)."""
    session.flush()
    found = session.connection().execute(_DOCUMENT_PENDING, {"instance_id": instance_id})
    return found.first() is not None


def jobs_of(session: Session, instance_id: str) -> Sequence[Job]:
    return session.scalars(select(Job).where(Job.instance_id == instance_id).order_by(Job.id)).all()


def incidents(session: Session) -> Sequence[Instance]:
    stmt = select(Instance).where(Instance.status == "incident").order_by(Instance.created_at)
    return session.scalars(stmt).all()


def attachment(session: Session, attachment_id: str) -> Attachment:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("Berkas tidak ditemukan.")
    return row


_ATTACHMENT_ROWS = (
    select(*Attachment.__table__.c)
    .where(Attachment.__table__.c.instance_id == bindparam("instance_id"))
    .order_by(Attachment.__table__.c.uploaded_at)
)


def attachment_rows(session: Session, instance_id: str) -> Sequence[Attachment]:
    """A request's letters, oldest first, as read-only rows of their columns (no ORM):
    every reader only shows them."""
    rows = session.connection().execute(_ATTACHMENT_ROWS, {"instance_id": instance_id}).all()
    return cast(Sequence[Attachment], rows)


def mail_messages(
    session: Session, limit: int = 200
) -> Sequence[tuple[MailMessageRow, str | None]]:
    """The newest mails, each with the number of its request (when it has one)."""
    stmt = (
        select(MailMessageRow, Instance.number)
        .outerjoin(Instance, Instance.id == MailMessageRow.instance_id)
        .order_by(MailMessageRow.id.desc())
        .limit(limit)
    )
    return [(row, number) for row, number in session.execute(stmt)]
