"""The worker: runs outbox jobs (service tasks, notifications, mail) outside the request.

A job is claimed in a short transaction, its outside call (connector, SMTP) runs with no
transaction open, and its result is written in a new transaction with the instance's
version check. Failures retry with exponential backoff that honours the provider's
``Retry-After``; when retries are spent, or the error is not retryable, the BPMN error
``<prefix>_failed`` (``conference.create_meeting`` → ``conference_failed``) is thrown into
the process, and with no boundary event to catch it the instance becomes an incident.
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


def _claim(session: Session, now: datetime, worker_id: str, lease_s: float) -> Job | None:
    job = store.next_job(session, now, now - timedelta(seconds=lease_s))
    if job is None:
        return None
    job.status, job.locked_at, job.locked_by = "running", now, worker_id
    job.attempts += 1
    return job


def run_once(
    sessions: sessionmaker[Session],
    services: Services,
    clock: Callable[[], datetime],
    worker_id: str = "worker",
) -> bool:
    """Claim and run one due job; False when there was none."""
    with sessions.begin() as session:
        job = _claim(session, clock(), worker_id, services.settings.lease_s)
        if job is None:
            return False
        session.flush()
        session.expunge(job)
    handler = {"service_task": _service_task, "notify": _notify, "send_mail": _send_mail}.get(
        job.kind
    )
    if handler is None:
        _finish(sessions, job.id, clock(), status="failed", error=f"unknown job kind {job.kind}")
        return True
    handler(sessions, services, job, clock)
    return True


def _finish(
    sessions: sessionmaker[Session],
    job_id: int,
    now: datetime,
    *,
    status: str,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    with sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.last_error = error
        job.locked_at = job.locked_by = None
        if retry_at is not None:
            job.status, job.run_after = "pending", retry_at
        else:
            job.status, job.finished_at = status, now


def _prepare_call(
    sessions: sessionmaker[Session], job: Job
) -> tuple[ServiceCall | None, ConnectorError | None]:
    """The call to make, or None when the task is gone; a parameter that does not
    evaluate is returned as a non-retryable failure of that call."""
    with sessions.begin() as session:
        loaded = instances.load(session, job.instance_id or "")
        task = runtime.find_task(loaded.workflow, job.task_id or "")
        if loaded.row.status != "running" or task is None or task.state != runtime.TaskState.READY:
            return None, None
        call = ServiceCall(
            runtime.service_operation(task), {}, loaded.row.id, str(task.id), attempt=job.attempts
        )
        try:
            return replace(call, params=runtime.service_params(task)), None
        except runtime.ScriptError as err:
            return call, ConnectorError(str(err), retryable=False)


def _service_task(
    sessions: sessionmaker[Session], services: Services, job: Job, clock: Callable[[], datetime]
) -> None:
    call, broken = _prepare_call(sessions, job)
    if call is None:  # cancelled or already done: nothing left to do
        _finish(sessions, job.id, clock(), status="done", error="task no longer ready")
        return
    connector = services.connectors.get(call.operation)
    try:
        if broken is not None:
            raise broken
        if connector is None:
            raise ConnectorError(f"operator {call.operation} tidak terdaftar", retryable=False)
        result = connector(call)
    except ConnectorError as err:
        _service_failed(sessions, services, job, call, err, clock)
        return
    except Exception as err:  # a bug in a connector must not kill the worker
        log.exception("connector %s crashed", call.operation)
        _service_failed(
            sessions,
            services,
            job,
            call,
            ConnectorError(f"kesalahan internal: {type(err).__name__}", retryable=True),
            clock,
        )
        return
    _apply(
        sessions, services, job, call, lambda task: runtime.complete_service(task, result), clock
    )


def _apply(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    call: ServiceCall,
    change: Callable[[Any], None],
    clock: Callable[[], datetime],
) -> None:
    now = clock()
    try:
        with sessions.begin() as session:
            loaded = instances.load(session, call.instance_id)
            task = runtime.find_task(loaded.workflow, call.task_id)
            if task is None or task.state != runtime.TaskState.READY:
                raise Conflict("task no longer ready")
            change(task)
            instances.save(session, loaded, now, max_passes=services.settings.max_passes)
            store.add_event(
                session,
                at=now,
                kind="service_completed",
                actor="sistem",
                instance_id=call.instance_id,
                task_id=call.task_id,
                detail={"operation": call.operation, "attempt": call.attempt},
            )
    except Conflict as err:
        _finish(sessions, job.id, now, status="done", error=str(err))
        return
    _finish(sessions, job.id, now, status="done")


def _service_failed(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    call: ServiceCall,
    err: ConnectorError,
    clock: Callable[[], datetime],
) -> None:
    now, settings = clock(), services.settings
    description = err.describe()
    log.warning("service %s failed (attempt %s): %s", call.operation, job.attempts, description)
    with sessions.begin() as session:
        record = store.step_by_task(session, call.task_id)
        record.error = description
        store.add_event(
            session,
            at=now,
            kind="service_failed",
            actor="sistem",
            instance_id=call.instance_id,
            task_id=call.task_id,
            detail={"error": description, "attempt": job.attempts, "retryable": err.retryable},
        )
    if err.retryable and job.attempts < settings.max_attempts:
        delay = backoff(settings, job.attempts, err.retry_after)
        _finish(
            sessions,
            job.id,
            now,
            status="pending",
            error=description,
            retry_at=now + timedelta(seconds=delay),
        )
        return
    caught: list[bool] = []
    _apply(
        sessions,
        services,
        job,
        call,
        lambda task: caught.append(
            runtime.throw_error(task, error_code(call.operation), description)
        ),
        clock,
    )
    if not caught or not caught[0]:
        _incident(sessions, call.instance_id, description, now)
        _finish(sessions, job.id, now, status="failed", error=description)


def _incident(
    sessions: sessionmaker[Session], instance_id: str, description: str, now: datetime
) -> None:
    with sessions.begin() as session:
        row = store.instance(session, instance_id)
        row.status, row.incident = "incident", description
        store.add_event(
            session,
            at=now,
            kind="incident",
            actor="sistem",
            instance_id=instance_id,
            detail={"error": description},
        )


def retry_incident(session: Session, instance_id: str, actor: str, now: datetime) -> int:
    """Admin's "Coba lagi": put the instance back to running and its failed jobs back in line."""
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


def _notify(
    sessions: sessionmaker[Session], services: Services, job: Job, clock: Callable[[], datetime]
) -> None:
    now, settings = clock(), services.settings
    with sessions.begin() as session:
        record = store.step_by_task(session, job.task_id or "")
        data = instances.current_data(instances.load(session, record.instance_id).workflow)
        notifications.write_task_mail(
            session,
            record,
            data,
            now,
            base_url=settings.base_url,
            mail_from=settings.mail_from,
            invite=services.invite,
            smtp=services.mail is not None,
        )
    _finish(sessions, job.id, now, status="done")


def _send_mail(
    sessions: sessionmaker[Session], services: Services, job: Job, clock: Callable[[], datetime]
) -> None:
    with sessions.begin() as session:
        row = session.get(MailMessageRow, int(job.payload["mail_id"]))
        if row is None or services.mail is None:
            _finish(sessions, job.id, clock(), status="done", error="nothing to send")
            return
        message = MailMessage(
            to=tuple(a.strip() for a in row.to.split(",")),
            subject=row.subject,
            body=row.body,
            attachments=(MailAttachment("undangan.ics", "text/calendar; method=REQUEST", row.ics),)
            if row.ics
            else (),
        )
    try:
        services.mail.send(message)
    except ConnectorError as err:
        _mail_failed(sessions, services, job, err, clock())
        return
    now = clock()
    with sessions.begin() as session:
        sent = session.get(MailMessageRow, int(job.payload["mail_id"]))
        if sent is not None:
            sent.status, sent.sent_at, sent.last_error = "sent", now, None
    _finish(sessions, job.id, now, status="done")


def _mail_failed(
    sessions: sessionmaker[Session],
    services: Services,
    job: Job,
    err: ConnectorError,
    now: datetime,
) -> None:
    settings = services.settings
    retry = err.retryable and job.attempts < settings.max_attempts
    with sessions.begin() as session:
        row = session.get(MailMessageRow, int(job.payload["mail_id"]))
        if row is not None:
            row.last_error = err.describe()
            row.status = "queued" if retry else "failed"
    if retry:
        delay = backoff(settings, job.attempts, err.retry_after)
        _finish(
            sessions,
            job.id,
            now,
            status="pending",
            error=err.describe(),
            retry_at=now + timedelta(seconds=delay),
        )
    else:
        _finish(sessions, job.id, now, status="failed", error=err.describe())
