"""The worker: runs outbox jobs (service tasks, notifications, mail) outside the request.

A job is claimed in a short transaction; work that calls the outside world (a connector,
SMTP) runs with no transaction open, and its result is written in one more transaction
with the instance's version check. Notifications need no outside call and are written in
the claiming transaction. Failures retry with exponential backoff that honours the
provider's ``Retry-After``; when retries are spent, or the error is not retryable, the
BPMN error ``<prefix>_failed`` (``conference.create_meeting`` → ``conference_failed``) is
thrown into the process, and with no boundary event to catch it the instance becomes an
incident that an admin can retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine import instances, notifications, runtime, store
from engine.errors import Conflict, ConnectorError
from engine.models import Job, MailMessageRow
from engine.ports import Attachment as MailAttachment
from engine.ports import Connector, MailMessage, MailTransport, ServiceCall

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WorkerSettings:
    max_attempts: int = 5
    backoff_base_s: float = 2.0
    backoff_max_s: float = 600.0
    lease_s: float = 300.0
    max_passes: int = 50
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "alur@localhost"


@dataclass
class Services:
    connectors: Mapping[str, Connector]
    mail: MailTransport | None = None
    invite: notifications.InviteFactory | None = None
    settings: WorkerSettings = field(default_factory=WorkerSettings)


def error_code(operation: str) -> str:
    return operation.split(".", 1)[0] + "_failed"


def backoff(settings: WorkerSettings, attempts: int, retry_after: float | None) -> float:
    delay = min(settings.backoff_base_s * 2 ** (attempts - 1), settings.backoff_max_s)
    return float(max(delay, retry_after or 0.0))


def _done(job: Job, now: datetime, status: str = "done", error: str | None = None) -> None:
    job.status, job.finished_at, job.last_error = status, now, error
    job.locked_at = job.locked_by = None


def _later(job: Job, now: datetime, delay: float, error: str) -> None:
    job.status, job.run_after, job.last_error = "pending", now + timedelta(seconds=delay), error
    job.locked_at = job.locked_by = None


def run_once(
    sessions: sessionmaker[Session], services: Services, clock: Clock, worker_id: str = "worker"
) -> bool:
    """Claim and run one due job; False when there was none."""
    with sessions.begin() as session:
        now = clock()
        job = store.next_job(session, now, now - timedelta(seconds=services.settings.lease_s))
        if job is None:
            return False
        job.status, job.locked_at, job.locked_by = "running", now, worker_id
        job.attempts += 1
        if job.kind == "notify":
            _notify(session, services, job, now)
            _more_notifications(session, services, now, worker_id)
            return True
        if job.kind == "service_task":
            call, broken = _prepare_call(session, job)
        elif job.kind == "send_mail":
            message = _prepare_mail(session, services, job)
        else:
            _done(job, now, "failed", f"unknown job kind {job.kind}")
            return True
        if job.status == "done":
            return True
        session.flush()
        session.expunge(job)
    if job.kind == "service_task" and call is not None:
        _service_task(sessions, services, job, call, broken, clock)
    elif job.kind == "send_mail" and message is not None:
        _send_mail(sessions, services, job, message, clock)
    return True


def _prepare_call(session: Session, job: Job) -> tuple[ServiceCall | None, ConnectorError | None]:
    """The call to make (None and the job done when the task is gone); a parameter that
    does not evaluate comes back as a non-retryable failure of that call."""
    loaded = instances.load(session, job.instance_id or "")
    task = runtime.find_task(loaded.workflow, job.task_id or "")
    if loaded.row.status != "running" or task is None or task.state != runtime.TaskState.READY:
        _done(job, job.locked_at or loaded.row.created_at, error="task no longer ready")
        return None, None
    call = ServiceCall(
        runtime.service_operation(task), {}, loaded.row.id, str(task.id), attempt=job.attempts
    )
    try:
        return replace(call, params=runtime.service_params(task)), None
    except runtime.ScriptError as err:
        return call, ConnectorError(str(err), retryable=False)


def _service_task(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    call: ServiceCall,
    broken: ConnectorError | None,
    clock: Clock,
) -> None:
    connector = services.connectors.get(call.operation)
    try:
        if broken is not None:
            raise broken
        if connector is None:
            raise ConnectorError(f"operator {call.operation} tidak terdaftar", retryable=False)
        result = connector(call)
    except ConnectorError as err:
        _service_failed(sessions, services, job, call, err, clock())
        return
    except Exception as err:  # a bug in a connector must not kill the worker
        log.exception("connector %s crashed", call.operation)
        crash = ConnectorError(f"kesalahan internal: {type(err).__name__}", retryable=True)
        _service_failed(sessions, services, job, call, crash, clock())
        return
    _apply(
        sessions,
        services,
        job,
        call,
        lambda task: runtime.complete_service(task, result),
        clock(),
        event="service_completed",
    )


def _apply(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    call: ServiceCall,
    change: Callable[[Any], object],
    now: datetime,
    *,
    event: str,
) -> object:
    """Change the task and save the instance, and finish the job, in one transaction."""
    try:
        with sessions.begin() as session:
            loaded = instances.load(session, call.instance_id)
            task = runtime.find_task(loaded.workflow, call.task_id)
            if task is None or task.state != runtime.TaskState.READY:
                raise Conflict("task no longer ready")
            outcome = change(task)
            instances.save(session, loaded, now, max_passes=services.settings.max_passes)
            store.add_event(
                session,
                at=now,
                kind=event,
                actor="sistem",
                instance_id=call.instance_id,
                task_id=call.task_id,
                detail={"operation": call.operation, "attempt": call.attempt},
            )
            _done(session.merge(job), now)
            return outcome
    except Conflict as err:
        with sessions.begin() as session:
            _done(session.merge(job), now, error=str(err))
        return None


def _service_failed(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    call: ServiceCall,
    err: ConnectorError,
    now: datetime,
) -> None:
    settings, description = services.settings, err.describe()
    log.warning("service %s failed (attempt %s): %s", call.operation, job.attempts, description)
    retry = err.retryable and job.attempts < settings.max_attempts
    with sessions.begin() as session:
        store.step_by_task(session, call.task_id).error = description
        store.add_event(
            session,
            at=now,
            kind="service_failed",
            actor="sistem",
            instance_id=call.instance_id,
            task_id=call.task_id,
            detail={"error": description, "attempt": job.attempts, "retryable": err.retryable},
        )
        if retry:
            _later(
                session.merge(job),
                now,
                backoff(settings, job.attempts, err.retry_after),
                description,
            )
    if retry:
        return
    code = error_code(call.operation)
    caught = _apply(
        sessions,
        services,
        job,
        call,
        lambda task: runtime.throw_error(task, code, description),
        now,
        event="service_error_thrown",
    )
    if caught is False:
        with sessions.begin() as session:
            row = store.instance(session, call.instance_id)
            row.status, row.incident = "incident", description
            store.add_event(
                session,
                at=now,
                kind="incident",
                actor="sistem",
                instance_id=call.instance_id,
                detail={"error": description},
            )
            _done(session.merge(job), now, "failed", description)


def retry_incident(session: Session, instance_id: str, actor: str, now: datetime) -> int:
    """Admin's "Coba lagi": put the instance back to running and its failed jobs in line."""
    row = store.instance(session, instance_id)
    if row.status != "incident":
        raise Conflict("Permintaan ini tidak sedang bermasalah.")
    row.status, row.incident = "running", None
    jobs = [j for j in store.jobs_of(session, instance_id) if j.status == "failed"]
    for job in jobs:
        job.status, job.attempts, job.run_after, job.last_error = "pending", 0, now, None
    store.add_event(session, at=now, kind="incident_retried", actor=actor, instance_id=instance_id)
    session.flush()
    return len(jobs)


def _notify(session: Session, services: Services, job: Job, now: datetime) -> None:
    """Write the job's mail; a mail that cannot be written fails alone, in its savepoint,
    never taking the batch or the worker with it."""
    settings = services.settings
    try:
        with session.begin_nested():
            record = store.step_by_task(session, job.task_id or "")
            notifications.write_mail(
                session,
                record,
                job.payload,
                now,
                base_url=settings.base_url,
                mail_from=settings.mail_from,
                invite=services.invite,
                smtp=services.mail is not None,
            )
    except Exception as err:  # recorded on the job, for the admin to see
        log.exception("notification for task %s failed", job.task_id)
        _done(job, now, "failed", f"{type(err).__name__}: {err}")
        return
    _done(job, now)


def _more_notifications(
    session: Session, services: Services, now: datetime, worker_id: str, limit: int = 50
) -> None:
    """Write the other due notifications in the same transaction: they call nobody, and
    one commit for a batch saves a disk flush for each."""
    lease = now - timedelta(seconds=services.settings.lease_s)
    for _ in range(limit):
        session.flush()
        job = store.next_job(session, now, lease)
        if job is None or job.kind != "notify":
            return
        job.status, job.locked_at, job.locked_by = "running", now, worker_id
        job.attempts += 1
        _notify(session, services, job, now)


def _prepare_mail(session: Session, services: Services, job: Job) -> MailMessage | None:
    row = session.get(MailMessageRow, int(job.payload["mail_id"]))
    if row is None or services.mail is None:
        _done(job, job.locked_at or job.created_at, error="nothing to send")
        return None
    ics = (
        ()
        if row.ics is None
        else (MailAttachment("undangan.ics", "text/calendar; method=REQUEST", row.ics),)
    )
    return MailMessage(
        to=tuple(a.strip() for a in row.to.split(",")),
        subject=row.subject,
        body=row.body,
        attachments=ics,
    )


def _send_mail(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    message: MailMessage,
    clock: Clock,
) -> None:
    assert services.mail is not None
    error: ConnectorError | None = None
    try:
        services.mail.send(message)
    except ConnectorError as err:
        error = err
    now, settings = clock(), services.settings
    with sessions.begin() as session:
        row = session.get(MailMessageRow, int(job.payload["mail_id"]))
        merged = session.merge(job)
        if error is None:
            if row is not None:
                row.status, row.sent_at, row.last_error = "sent", now, None
            _done(merged, now)
            return
        retry = error.retryable and job.attempts < settings.max_attempts
        if row is not None:
            row.status, row.last_error = ("queued" if retry else "failed"), error.describe()
        if retry:
            _later(
                merged, now, backoff(settings, job.attempts, error.retry_after), error.describe()
            )
        else:
            _done(merged, now, "failed", error.describe())
