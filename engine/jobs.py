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

import copy
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, cancelling, instances, mailjobs, runtime, store, workers
from engine.documents import production
from engine.errors import Conflict, ConnectorError
from engine.models import Job
from engine.outbox import (
    Clock,
    Services,
    WorkerSettings,
    backoff,
    done,
    error_code,
    finish,
    invoke,
    retry,
)
from engine.ports import Abandonable, ServiceCall

__all__ = ["Services", "WorkerSettings", "retry_incident", "run_batch", "run_once"]

log = logging.getLogger(__name__)


def run_once(
    sessions: sessionmaker[Session], services: Services, clock: Clock, worker_id: str = "worker",
    *, limit: int = 1, stop: Callable[[], bool] = lambda: False,
) -> int:
    """Claim and run due jobs; how many ran, 0 when none was due (``run_batch``)."""
    return run_batch(sessions, services, clock, worker_id, limit=limit, stop=stop)[0]


def run_batch(
    sessions: sessionmaker[Session], services: Services, clock: Clock, worker_id: str = "worker",
    *, limit: int = 1, stop: Callable[[], bool] = lambda: False,
) -> tuple[int, bool]:
    """Claim and run due jobs; how many ran, and whether more may be due (False: the last
    look found none, so a caller looping over batches can stop without looking again).

    Jobs that call nobody finish in the transaction that claims them (notifications: a
    batch of them; a job with nothing left to do); the next due job is then claimed in the
    same transaction, up to ``limit`` jobs or until ``stop()`` says so, so that they share
    one commit. Each job after the first runs in its own savepoint: one that raises is
    rolled back alone, the jobs before it are committed, and it is the first of the next
    call (where it fails alone, as it always did). The first job that calls the outside
    world (a connector, SMTP, the document maker) ends the transaction: the call runs with
    no transaction open, its lease renewed, its result written in a transaction of its
    own, so a failing provider or mail server never takes other jobs with it.

    The due jobs are read as plain rows: on SQLite up to ``limit`` of them (``BATCH`` at
    most) with one query (the transaction holds the database's write lock: nobody else can
    take them); on PostgreSQL one at a time (each locked with SKIP LOCKED: a job this
    transaction will not reach stays free for another worker), and a notification's
    batch with one more."""
    lease = timedelta(seconds=services.settings.lease_s)
    ran = 0
    with sessions.begin() as session:
        due = _Due(session, lease, limit)
        while True:
            try:
                with session.begin_nested() if ran else nullcontext():
                    claimed = _claim(session, services, due, clock(), worker_id)
            except Exception:
                if not ran:
                    raise
                log.exception("a job failed after %s others in its transaction", ran)
                return ran, True
            if claimed is None:
                return ran, False
            count, job, outside = claimed
            ran += count
            if outside is not None:
                break
            if ran >= limit or stop():
                return ran, True
    assert job is not None
    with workers.leased(sessions, job, clock, lease):
        outside(sessions, clock)
    return ran, True  # the outside work may have queued more (its step's notification)


#: Due jobs read at once, at most: on SQLite all of them (a batch that ends at a job
#: calling out reads the rest again in its next transaction, so this bounds what is read
#: for nothing), on PostgreSQL the notifications of one batch.
BATCH = 50


class _Due:
    """The due jobs a batch read and has not run yet, oldest first."""

    def __init__(self, session: Session, lease: timedelta, limit: int) -> None:
        self.session, self.lease, self.left = session, lease, limit
        self.one_by_one = session.get_bind().dialect.name == "postgresql"
        self.rows: list[Row[Any]] = []
        self.more = True  # whether a look may find more

    def next(self, now: datetime) -> Row[Any] | None:
        if not self.rows and self.more:
            want = 1 if self.one_by_one else max(min(self.left, BATCH), 1)
            self.rows = list(store.due_job_rows(self.session, now, now - self.lease, limit=want))
            self.more = len(self.rows) == want
        if not self.rows:
            return None
        self.left -= 1
        return self.rows.pop(0)

    def notifications(self, first: Row[Any], now: datetime) -> list[Row[Any]]:
        """``first`` and the other due notifications, within the batch's limit: those
        read already, or (one by one) up to ``BATCH`` read now."""
        if self.one_by_one:
            found = store.due_job_rows(self.session, now, now - self.lease, kind="notify",
                                       limit=max(min(self.left + 1, BATCH), 1))
            mine = [j for j in found if j.id != first.id][:max(self.left, 0)]
        else:
            mine = [j for j in self.rows if j.kind == "notify"]
            self.rows = [j for j in self.rows if j.kind != "notify"]
        self.left -= len(mine)
        return [first, *mine]


def _claim(
    session: Session, services: Services, due: _Due, now: datetime, worker_id: str
) -> tuple[int, Job | None, Outside | None] | None:
    """Claim the oldest due job and do what needs no outside call; how many jobs that was,
    the job, and the work left to do with no transaction open (None: the job is finished).
    None when no job is due."""
    row = due.next(now)
    if row is None:
        return None
    if row.kind == "notify":  # written and finished in this transaction: no claim
        ran = mailjobs.notify_batch(session, services, due.notifications(row, now), now)
        if services.mail is not None:
            due.more = True  # each mail queued a send_mail job, due now
        return ran, None, None
    job = store.job_of(row)
    job.status, job.locked_at, job.locked_by = "running", now, worker_id
    job.attempts += 1
    outside = _prepare(session, services, job, now)
    read = row._mapping  # one UPDATE, of the columns that changed (as a flush would)
    store.update_job(session, job.id, **{c: v for c in _CLAIMED
                                         if (v := getattr(job, c)) != read[c]})
    if job.status == "done" or outside is None:
        return 1, job, None
    return 1, job, outside


#: What claiming a job and preparing it may change of its row (``outbox.done``).
_CLAIMED = ("status", "attempts", "run_after", "locked_at", "locked_by", "last_error",
            "finished_at", "payload")


Outside = Callable[[sessionmaker[Session], Clock], None]


def _prepare(session: Session, services: Services, job: Job, now: datetime) -> Outside | None:
    """Read what the job needs in the claiming transaction; returns the work to do with no
    transaction open (None: nothing left to do)."""
    if job.kind == "service_task":
        call, broken = _prepare_call(session, job)
        if call is None:
            return None
        return lambda s, c: _service_task(s, services, job, call, broken, c)
    if job.kind == "send_mail":
        message = mailjobs.prepare_mail(session, services, job)
        if message is None:
            return None
        return lambda s, c: mailjobs.send_mail(s, services, job, message, c)
    if job.kind == "document":
        production.prepare(session, services, job)
        return lambda s, c: production.produce(s, services, job, c)
    if job.kind == cancelling.JOB:
        end_call = cancelling.prepare(session, job)
        return lambda s, c: cancelling.run(s, services, job, end_call, c)
    done(job, now, "failed", f"unknown job kind {job.kind}")
    return None


def _prepare_call(session: Session, job: Job) -> tuple[ServiceCall | None, ConnectorError | None]:
    """The call to make (None and the job done when the task is gone); a parameter that
    does not evaluate comes back as a non-retryable failure of that call."""
    loaded = instances.load(session, job.instance_id or "")
    instances.keep(session, loaded)  # only read here: cached again for ``_apply``
    task = runtime.find_task(loaded.workflow, job.task_id or "")
    if loaded.row.status != "running" or task is None or task.state != runtime.TaskState.READY:
        done(job, job.locked_at or loaded.row.created_at, error="task no longer ready")
        return None, None
    call = ServiceCall(
        runtime.service_operation(task), {}, loaded.row.id, str(task.id), attempt=job.attempts,
        number=loaded.row.number,
    )
    try:  # a copy: the connector gets nothing of the (cached) workflow's own data
        return replace(call, params=copy.deepcopy(runtime.service_params(task))), None
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
    try:
        if broken is not None:
            raise broken
        result = invoke(services, call)
    except ConnectorError as err:
        _service_failed(sessions, services, job, call, err, clock())
        return
    _apply(
        sessions,
        services,
        job,
        call,
        lambda task: runtime.complete_service(task, result),
        clock(),
        event="service_completed",
        made=result,
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
    made: object = None,
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
                detail={"operation": call.operation, "attempt": call.attempt,
                        **_record_digest(loaded, call.task_id)},
            )
            finish(session, job, now)
            return outcome
    except Conflict as err:
        with sessions.begin() as session:
            finish(session, job, now, error=str(err))
            if made is not None:  # cancelled meanwhile: what the provider made must go
                cancelling.orphaned(session, call.instance_id, made, now)
        return None


def _record_digest(loaded: instances.Loaded, task_id: str) -> dict[str, str]:
    """The completed record's digest for its completion event (the audit chain)."""
    record = next((r for r in loaded.records or () if r.task_id == task_id), None)
    if record is None or record.state != "completed":
        return {}
    return {"record_sha256": audit.record_digest(record)}


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
    again = err.retryable and job.attempts < settings.max_attempts
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
        if again:
            retry(session, job, now, backoff(settings, job.attempts, err.retry_after),
                  description)
    if again:
        return
    _abandon(services, call)
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
            finish(session, job, now, "failed", description)


def _abandon(services: Services, call: ServiceCall) -> None:
    """Let the connector release what it held for this call; its failure changes nothing."""
    connector = services.connectors.get(call.operation)
    if not isinstance(connector, Abandonable):
        return
    try:
        connector.abandon(call)
    except Exception:  # the BPMN error path goes on regardless
        log.exception("abandoning %s for %s failed", call.operation, call.instance_id)


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
