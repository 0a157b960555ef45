"""Housekeeping the worker does besides its jobs: deleting finished jobs once their
retention has passed.

A job is the outbox's note that work is to be done (``engine.jobs``); once ``done`` it
holds nothing anyone reads: what the work did is in the records, the audit events and the
mails it wrote, none of which is ever deleted. Done jobs are kept ``job_retention_days``
(``ALUR_JOB_RETENTION_DAYS``, default 7) for an administrator looking into a recent run,
then deleted, at most once an hour per worker, a batch per transaction. Failed jobs stay:
they are incidents until someone retries them. Imports no web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from engine.models import Job

EVERY = timedelta(hours=1)
BATCH = 500


def purge_done_jobs(session: Session, now: datetime, *, days: int, limit: int = BATCH) -> int:
    """Delete up to ``limit`` done jobs finished more than ``days`` ago; how many."""
    cutoff = now - timedelta(days=days)
    ids = select(Job.id).where(Job.status == "done", Job.finished_at < cutoff).limit(limit)
    found = list(session.scalars(ids))
    if found:
        session.execute(delete(Job).where(Job.id.in_(found)))
    return len(found)


@dataclass
class Housekeeping:
    """When this worker last swept; the first tick of a process sweeps."""

    last: datetime | None = None

    def run(self, sessions: sessionmaker[Session], now: datetime, *, days: int) -> int:
        if self.last is not None and now - self.last < EVERY:
            return 0
        self.last = now
        purged = BATCH
        total = 0
        while purged == BATCH:
            with sessions.begin() as session:
                purged = purge_done_jobs(session, now, days=days)
            total += purged
        return total
