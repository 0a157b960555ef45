"""The outbox's shared vocabulary: worker settings, the injected services, the backoff
rule and how a job is finished or put back in line. ``jobs`` (the loop and service
tasks) and ``mailjobs`` (notifications and SMTP) build on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from engine import foreign_text, notifications, store
from engine.documents.config import DocumentSettings
from engine.errors import ConnectorError
from engine.models import Job
from engine.ports import Connector, MailTransport, ServiceCall

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WorkerSettings:
    max_attempts: int = 5
    backoff_base_s: float = 2.0
    backoff_max_s: float = 600.0
    lease_s: float = 30.0  # renewed every third of it while the job runs (engine.workers)
    max_passes: int = 50
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "alur@localhost"
    draft_days: int = 14  # a draft nobody submitted expires after this (engine.drafts)
    job_retention_days: int = 7  # a done job is deleted after this (engine.housekeeping)


@dataclass
class Services:
    connectors: Mapping[str, Connector]
    mail: MailTransport | None = None
    invite: notifications.InviteFactory | None = None
    settings: WorkerSettings = field(default_factory=WorkerSettings)
    documents: DocumentSettings | None = None


def invoke(services: Services, call: ServiceCall) -> dict[str, Any]:
    """Call the connector registered for ``call.operation`` (no transaction open). Every
    failure comes out as ``ConnectorError``: an unregistered operation is final, a bug in a
    connector is retried and logged, and neither kills the worker."""
    connector = services.connectors.get(call.operation)
    if connector is None:
        raise ConnectorError(f"operator {call.operation} tidak terdaftar", retryable=False)
    try:  # the provider's answer, held to what a store can hold (``foreign_text``)
        return cast(dict[str, Any], foreign_text.cleaned(connector(call)))
    except ConnectorError:
        raise
    except Exception as err:
        log.exception("connector %s crashed", call.operation)
        raise ConnectorError(f"kesalahan internal: {type(err).__name__}", retryable=True) from err


def error_code(operation: str) -> str:
    return operation.split(".", 1)[0] + "_failed"


def backoff(settings: WorkerSettings, attempts: int, retry_after: float | None) -> float:
    delay = min(settings.backoff_base_s * 2 ** (attempts - 1), settings.backoff_max_s)
    return float(max(delay, retry_after or 0.0))


def done(job: Job, now: datetime, status: str = "done", error: str | None = None) -> None:
    """Finish ``job``: its columns set (written by its session, or by the worker's claim)."""
    for column, value in finished(job.payload, now, status, error).items():
        setattr(job, column, value)


def finish(
    session: Session, job: Job, now: datetime, status: str = "done", error: str | None = None
) -> None:
    """Finish a worker's detached copy of ``job`` with one UPDATE (merging it would read
    the row first), while the worker that claimed it still holds it (``_held_write``)."""
    _held_write(session, job, finished(job.payload, now, status, error), "finish")


def finished(
    payload: Mapping[str, Any], now: datetime, status: str, error: str | None
) -> dict[str, Any]:
    """A finished job's columns. A done job's payload was transport only (the record is
    the step records, events, mail and documents it produced): it is cleared, the row
    keeps status, attempts and times. A failed job keeps it, for a retry."""
    return {"status": status, "finished_at": now, "last_error": error, "locked_at": None,
            "locked_by": None, "payload": {} if status == "done" else dict(payload)}


def retry(session: Session, job: Job, now: datetime, delay: float, error: str) -> None:
    """Put a worker's detached copy of ``job`` back in line, ``delay`` seconds from ``now``,
    with one UPDATE, while the worker that claimed it still holds it (``_held_write``)."""
    _held_write(session, job, {"status": "pending", "run_after": now + timedelta(seconds=delay),
                               "last_error": error, "locked_at": None, "locked_by": None},
                "retry")


def _held_write(session: Session, job: Job, values: dict[str, Any], what: str) -> None:
    """Write ``values`` to ``job``'s row only while its claimer still holds it: a worker
    whose lease lapsed (paused, or cut off from the database) leaves alone the job another
    worker took over. Written, the copy takes them too, so it then holds no claim, as the
    row (a later finish, a failure after the work was written, is written as before); it
    keeps its payload, for that finish."""
    if not store.update_job(session, job.id, holder=job.locked_by, **values):
        log.warning("job %s was taken over by another worker: its %s is not written",
                    job.id, what)
        return
    for column, value in values.items():
        if column != "payload":
            setattr(job, column, value)
