"""Who is working: each worker's heartbeat (``/readyz`` wants a recent one) and the lease
on the job in hand, renewed by a small thread while the job runs outside any transaction
(a connector call, SMTP), so a dead worker's job is taken again once the short lease runs
out and a live worker's never is. Imports no web or HTTP library.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.models import Job, WorkerBeat

log = logging.getLogger(__name__)
BEAT_EVERY_S = 5.0  # at most one heartbeat write per worker per this many seconds


def beat(session: Session, worker_id: str, now: datetime) -> None:
    """Record that ``worker_id`` is alive (one row per worker, updated in place)."""
    row = session.get(WorkerBeat, worker_id)
    if row is None:
        session.add(WorkerBeat(worker_id=worker_id[:64], seen_at=now))
    else:
        row.seen_at = now
    session.flush()


def last_seen(session: Session) -> datetime | None:
    """When any worker was last seen, or None when none ever was."""
    return session.scalar(select(func.max(WorkerBeat.seen_at)))


def renew(session: Session, job_id: int, worker_id: str, now: datetime) -> bool:
    """Extend the claim on a running job; False when the job is no longer ours."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == "running")
        .values(locked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


@contextmanager
def leased(
    sessions: sessionmaker[Session],
    job: Job,
    clock: Callable[[], datetime],
    lease: timedelta,
) -> Iterator[None]:
    """Keep ``job``'s claim fresh (every third of the lease) for as long as the block runs."""
    stop = threading.Event()
    every = max(lease.total_seconds() / 3, 0.05)

    def keep() -> None:
        while not stop.wait(every):
            try:
                with sessions.begin() as session:
                    if not renew(session, job.id, job.locked_by or "", clock()):
                        return
            except SQLAlchemyError as err:  # the database is away: the next beat may do
                log.warning("renewing the lease on job %s failed: %s", job.id, err)

    keeper = threading.Thread(target=keep, name=f"lease-{job.id}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()
