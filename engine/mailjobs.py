"""Notification and mail jobs of the worker: writing the mail a task asks for (in the
claiming transaction: it calls nobody) and sending a written mail through SMTP (outside
any transaction, retried with backoff, never blocking the process)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine import notifications, store
from engine.errors import ConnectorError
from engine.models import Document, Job, MailMessageRow, StepRecord
from engine.outbox import Clock, Services, backoff, done, later
from engine.ports import Attachment as MailAttachment
from engine.ports import MailMessage

log = logging.getLogger(__name__)


def notify(
    session: Session, services: Services, job: Job, now: datetime, *,
    record: StepRecord | None = None, lane_people: dict[str, list[str]] | None = None,
    alone: bool = True,
) -> None:
    """Write the job's mail and finish the job (one UPDATE: it is claimed and finished in
    the same transaction, so no claim is written); a mail that cannot be written fails
    alone, in its savepoint, never taking the batch or the worker with it. ``alone=False``:
    no savepoint of its own, a failure raises (the caller's savepoint holds the batch)."""
    settings = services.settings
    if _document_pending(session, job):  # the "link ready" mail attaches that document
        job.attempts += 1
        later(job, now, settings.backoff_base_s, "waiting for the document")
        return
    if not alone:
        _write(session, services, job, now, record, lane_people)
        job.attempts += 1
        done(job, now)
        return
    try:
        with session.begin_nested():
            _write(session, services, job, now, record, lane_people)
    except Exception as err:  # recorded on the job, for the admin to see
        log.exception("notification for task %s failed", job.task_id)
        job.attempts += 1
        done(job, now, "failed", f"{type(err).__name__}: {err}")
        return
    job.attempts += 1  # after the savepoint: the job's one UPDATE carries it
    done(job, now)


def _write(
    session: Session, services: Services, job: Job, now: datetime,
    record: StepRecord | None, lane_people: dict[str, list[str]] | None,
) -> None:
    settings = services.settings
    if job.task_id is None:  # about the request itself (its cancellation)
        notifications.write_instance_mail(
            session, store.instance(session, job.instance_id or ""), job.payload, now,
            base_url=settings.base_url, smtp=services.mail is not None)
    else:
        notifications.write_mail(
            session,
            record or store.step_by_task(session, job.task_id),
            job.payload,
            now,
            base_url=settings.base_url,
            mail_from=settings.mail_from,
            invite=services.invite,
            smtp=services.mail is not None,
            lane_people=lane_people,
        )


def _document_pending(session: Session, job: Job) -> bool:
    if "meeting" not in job.payload.get("data", {}):
        return False
    return store.document_pending(session, job.instance_id or "")


def notify_batch(
    session: Session, services: Services, first: Job, now: datetime, limit: int = 50
) -> int:
    """Write ``first`` and the other due notifications in one transaction: they call
    nobody, and one commit for a batch saves a disk flush for each. Returns how many jobs
    ran. The batch is read in one query (on PostgreSQL locked with SKIP LOCKED) and
    written under one savepoint; when a mail of it fails, the savepoint goes back and
    each job runs again in a savepoint of its own, so the failing one fails alone."""
    lane_people: dict[str, list[str]] = {}  # a lane's addresses, read once per batch
    lease = now - timedelta(seconds=services.settings.lease_s)
    batch = [j for j in store.due_jobs(session, now, lease, kind="notify", limit=limit)
             if j is not first]
    records = store.steps_by_tasks(session, [j.task_id for j in (first, *batch) if j.task_id])
    jobs = (first, *batch)
    try:  # the usual case, every mail written: one savepoint for the batch, not one each
        with session.begin_nested():
            for job in jobs:
                notify(session, services, job, now, record=records.get(job.task_id or ""),
                       lane_people=lane_people, alone=False)
    except Exception:  # all undone (the jobs read again): each once more, failing alone
        for job in jobs:
            notify(session, services, job, now, record=records.get(job.task_id or ""),
                   lane_people=lane_people)
    return len(jobs)


def prepare_mail(session: Session, services: Services, job: Job) -> MailMessage | None:
    row = session.get(MailMessageRow, int(job.payload["mail_id"]))
    if row is None or services.mail is None:
        done(job, job.locked_at or job.created_at, error="nothing to send")
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
        attachments=ics + _document(session, services, row),
    )


def _document(
    session: Session, services: Services, row: MailMessageRow
) -> tuple[MailAttachment, ...]:
    """The document the mail attaches; gone from disk, the mail goes without it."""
    if row.document_id is None or services.documents is None:
        return ()
    document = session.get(Document, row.document_id)
    path = services.documents.path_of(document.stored_name) if document else None
    if document is None or path is None:
        log.warning("document %s of mail %s is missing", row.document_id, row.id)
        return ()
    filename = document.number.replace("/", "-") + ".pdf"
    return (MailAttachment(filename, "application/pdf", path.read_bytes()),)


def send_mail(
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
            done(merged, now)
            return
        retry = error.retryable and job.attempts < settings.max_attempts
        if row is not None:
            row.status, row.last_error = ("queued" if retry else "failed"), error.describe()
        if retry:
            later(merged, now, backoff(settings, job.attempts, error.retry_after), error.describe())
        else:
            done(merged, now, "failed", error.describe())
