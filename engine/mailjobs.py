"""Notification and mail jobs of the worker: writing the mail a task asks for (in the
claiming transaction: it calls nobody) and sending a written mail through SMTP (outside
any transaction, retried with backoff, never blocking the process)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, Update, bindparam, update
from sqlalchemy.orm import Session, sessionmaker

from engine import mailrows, notifications, store
from engine.errors import ConnectorError, NotFound
from engine.models import Document, Job, MailMessageRow
from engine.outbox import Clock, Services, backoff, done, finish, finished, retry
from engine.ports import Attachment as MailAttachment
from engine.ports import MailMessage

log = logging.getLogger(__name__)


def notify_batch(session: Session, services: Services, jobs: Sequence[Row[Any]],
                 now: datetime) -> int:
    """Write the mail of each notification job of ``jobs`` (claimed rows, oldest first) and
    finish the jobs, in the claiming transaction: they call nobody, and one commit for a
    batch saves a disk flush for each. The mails are written with one INSERT and the jobs
    finished with one UPDATE (they are claimed and finished in the same transaction, so
    no claim is written), under one savepoint; when a mail of them fails, the savepoint
    goes back and each job runs again in a savepoint of its own, so the failing one fails
    alone, recorded on its job, never taking the batch or the worker with it. Returns how
    many jobs ran."""
    records = mailrows.steps(session, [j.task_id for j in jobs if j.task_id])
    # the lanes' addresses, read once per batch
    lane_people = mailrows.lanes(session, (r.role for r in records.values() if r.role
                                                and not r.requester_only))
    try:  # the usual case, every mail written: one savepoint for the batch, not one each
        with session.begin_nested():
            _write(session, services, jobs, now, records, lane_people)
    except Exception:  # all undone: each once more, failing alone
        for job in jobs:
            try:
                with session.begin_nested():
                    _write(session, services, (job,), now, records, lane_people)
            except Exception as err:  # recorded on the job, for the admin to see
                log.exception("notification for task %s failed", job.task_id)
                _finish(session, [_done(job, now, "failed", f"{type(err).__name__}: {err}")])
    return len(jobs)


def _write(
    session: Session, services: Services, jobs: Sequence[Row[Any]], now: datetime,
    records: dict[str, mailrows.Step], lane_people: dict[str, list[str]],
) -> None:
    """The jobs' mails, and the jobs finished (a "link ready" mail whose document is still
    being made waits for it instead)."""
    settings = services.settings
    mails: list[notifications.Mail] = []
    ends: list[dict[str, Any]] = []  # each job's columns once it ran
    for job in jobs:
        if _document_pending(session, job):  # the "link ready" mail attaches that document
            ends.append(_later(job, now, settings.backoff_base_s, "waiting for the document"))
            continue
        if job.task_id is None:  # about the request itself (its cancellation)
            mail = notifications.instance_mail(
                session, store.instance(session, job.instance_id or ""), job.payload,
                base_url=settings.base_url)
        else:
            mail = notifications.task_mail(
                session,
                _step(records, job.task_id),
                job.payload,
                now,
                base_url=settings.base_url,
                mail_from=settings.mail_from,
                invite=services.invite,
                lane_people=lane_people,
            )
        if mail is not None:
            mails.append(mail)
        ends.append(_done(job, now))
    notifications.write(session, mails, now, smtp=services.mail is not None)
    _finish(session, ends)


def _step(records: dict[str, mailrows.Step], task_id: str) -> mailrows.Step:
    found = records.get(task_id)
    if found is None:  # gone (the request was deleted), or never there
        raise NotFound("Tugas tidak ditemukan.")
    return found


def _document_pending(session: Session, job: Row[Any]) -> bool:
    if "meeting" not in job.payload.get("data", {}):
        return False
    return store.document_pending(session, job.instance_id or "")


_JOBS = cast(Table, Job.__table__)
#: A notification job's columns once it ran (the same for each, so one executemany).
_FINISH = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("job_id"))
    .values({c: bindparam(c) for c in ("status", "attempts", "run_after", "finished_at",
                                       "last_error", "payload", "locked_at", "locked_by")})
)


def _finish(session: Session, ends: Sequence[dict[str, Any]]) -> None:
    if ends:
        session.connection().execute(_FINISH, list(ends))


def _done(job: Row[Any], now: datetime, status: str = "done",
          error: str | None = None) -> dict[str, Any]:
    """A job run once more and finished (``outbox.done``'s columns)."""
    return {"job_id": job.id, "attempts": job.attempts + 1, "run_after": job.run_after,
            **finished(job.payload, now, status, error)}


def _later(job: Row[Any], now: datetime, delay: float, error: str) -> dict[str, Any]:
    """A job run once more and put back in line (``outbox.later``'s columns)."""
    return {"job_id": job.id, "status": "pending", "attempts": job.attempts + 1,
            "run_after": now + timedelta(seconds=delay), "finished_at": job.finished_at,
            "last_error": error, "payload": job.payload, "locked_at": None, "locked_by": None}


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
    mail_id = int(job.payload["mail_id"])
    with sessions.begin() as session:  # the mail's row and the job: one UPDATE each
        if error is None:
            _mail_status(session, mail_id, status="sent", sent_at=now, last_error=None)
            finish(session, job, now)
            return
        again = error.retryable and job.attempts < settings.max_attempts
        _mail_status(session, mail_id, status="queued" if again else "failed",
                     last_error=error.describe())
        if again:
            retry(session, job, now, backoff(settings, job.attempts, error.retry_after),
                  error.describe())
        else:
            finish(session, job, now, "failed", error.describe())


_MAILS = cast(Table, MailMessageRow.__table__)


@functools.cache
def _mail_update(columns: tuple[str, ...]) -> Update:
    return (update(_MAILS).where(_MAILS.c.id == bindparam("mail_id"))
            .values({c: bindparam(c) for c in columns}))


def _mail_status(session: Session, mail_id: int, **values: Any) -> None:
    """Write a mail's delivery columns (none when the row is gone)."""
    session.connection().execute(_mail_update(tuple(values)), {**values, "mail_id": mail_id})
