"""Done jobs are deleted once their retention has passed (``engine.housekeeping``, run by
the worker tick at most hourly); failed and pending jobs stay, and nothing a job wrote
(records, events, mails) goes with it: the audit chain still verifies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.facade import Alur
from engine.models import Event, Job, MailMessageRow, StepRecord
from tests.support.journey import Journey

HOUR, DAY = 3600, 24 * 3600


def statuses(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return sorted(s.scalars(select(Job.status)))


def kept(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Event, MailMessageRow, StepRecord))


def test_done_jobs_go_after_the_retention_and_what_they_wrote_stays(
    journey: Callable[[], Journey], sessions: sessionmaker[Session], alur: Alur
) -> None:
    alur.settings = replace(alur.settings,
                            worker=replace(alur.settings.worker, job_retention_days=3))
    j = journey()
    assert j.full(declines=1).summary.status == "completed"
    j.run_worker()
    done = statuses(sessions)
    assert done and set(done) == {"done"}
    with sessions.begin() as s:  # a job failed for good is an incident: it stays
        failed = store.add_job(s, kind="notify", now=j.clock(), instance_id=j.instance_id)
        failed.status, failed.finished_at = "failed", j.clock()
        later = j.clock() + timedelta(days=10)  # not due within this test: stays pending
        store.add_job(s, kind="notify", now=later, instance_id=j.instance_id)
    before = kept(sessions)

    j.clock.advance(3 * DAY - HOUR)  # not yet three days old
    j.run_worker()
    assert statuses(sessions) == sorted([*done, "failed", "pending"])

    j.clock.advance(2 * HOUR)  # past the retention, and an hour after the last sweep
    j.run_worker()
    assert statuses(sessions) == ["failed", "pending"]
    assert kept(sessions) == before
    with sessions() as s:
        assert j.alur.verify_audit(s).ok
