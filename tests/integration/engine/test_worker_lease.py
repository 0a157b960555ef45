"""A running job's lease: renewed while the worker holding it is alive, however long its
call takes, and free for another worker soon after the renewals stop (the worker died).
On SQLite and PostgreSQL, in real time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine import outbox, store, workers
from engine.models import Job

LEASE = timedelta(seconds=0.3)


def utcnow() -> datetime:
    return datetime.now(UTC)


def claim(sessions: sessionmaker[Session], worker_id: str) -> Job | None:
    with sessions.begin() as session:
        now = utcnow()
        rows = store.due_job_rows(session, now, now - LEASE, limit=1)
        if not rows:
            return None
        job = store.job_of(rows[0])
        job.status, job.locked_at, job.locked_by = "running", now, worker_id
        store.update_job(session, job.id, status=job.status, locked_at=now, locked_by=worker_id)
        return job


def test_a_lease_holds_while_renewed_and_frees_the_job_when_renewals_stop(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        session.add(Job(kind="service_task", status="pending", attempts=0, payload={},
                        run_after=utcnow(), created_at=utcnow()))
    job = claim(sessions, "hidup")
    assert job is not None
    with workers.leased(sessions, job, utcnow, LEASE):
        time.sleep(4 * LEASE.total_seconds())  # a long provider call
        assert claim(sessions, "lain") is None  # still held: renewed all along
    time.sleep(2 * LEASE.total_seconds())  # the holder is gone: nobody renews
    taken = claim(sessions, "lain")
    assert taken is not None and taken.id == job.id and taken.locked_by == "lain"
    with sessions.begin() as session:
        assert not workers.renew(session, job.id, "hidup", utcnow())  # no longer its job


def test_a_worker_whose_lease_lapsed_leaves_the_job_to_the_one_that_took_it_over(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        session.add(Job(kind="send_mail", status="pending", attempts=0, payload={"mail_id": 1},
                        run_after=utcnow(), created_at=utcnow()))
    stale = claim(sessions, "lambat")
    assert stale is not None
    time.sleep(2 * LEASE.total_seconds())  # paused, or cut off from the database: no renewal
    taken = claim(sessions, "lain")
    assert taken is not None and taken.id == stale.id

    with sessions.begin() as session:  # the paused worker wakes up and reports
        outbox.retry(session, stale, utcnow(), 5.0, "smtp 451")
    with sessions.begin() as session:
        outbox.finish(session, stale, utcnow())
    with sessions() as session:
        row = session.get(Job, stale.id)
        assert row is not None and (row.status, row.locked_by) == ("running", "lain")

    with sessions.begin() as session:  # the holder's own finish is written
        outbox.finish(session, taken, utcnow())
    with sessions() as session:
        row = session.get(Job, stale.id)
        assert row is not None and (row.status, row.locked_by) == ("done", None)


def test_a_heartbeat_is_one_row_per_worker(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert workers.last_seen(session) is None
        workers.beat(session, "host:1:worker", utcnow() - timedelta(minutes=5))
        workers.beat(session, "host:2:worker", utcnow() - timedelta(minutes=1))
    later = utcnow()
    with sessions.begin() as session:
        workers.beat(session, "host:1:worker", later)
    with sessions.begin() as session:
        assert workers.last_seen(session) == later
