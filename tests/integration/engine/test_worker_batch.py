"""Jobs that call nobody share the transaction that claims them (``jobs.run_once``): one
commit for several, up to the caller's limit; one that raises after others goes back
alone, and the ones before it stay done."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs, mailrows, store
from engine.errors import NotFound
from engine.facade import Alur
from engine.models import Job, MailMessageRow, ProcessVersion
from tests.support import sql
from tests.support.journey import Clock, Journey, People


def queue(sessions: sessionmaker[Session], clock: Clock, *kinds: str) -> list[int]:
    """Jobs due now, oldest first. A job of an unknown kind is finished (failed) in the
    claiming transaction; a ``service_task`` of no instance raises while it is prepared."""
    with sessions.begin() as s:
        added = []
        for kind in kinds:
            added.append(store.add_job(s, kind=kind, now=clock(), instance_id=None))
            clock.advance(1)
        s.flush()
        return [j.id for j in added]


def states(sessions: sessionmaker[Session], ids: list[int]) -> list[tuple[str, int]]:
    with sessions() as s:
        return [(j.status, j.attempts) for j in (s.get(Job, i) for i in ids) if j is not None]


def test_jobs_that_call_nobody_share_one_commit_up_to_the_limit(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    ids = queue(sessions, clock, "bogus", "bogus", "bogus")
    with sql.commits(sessions.kw["bind"]) as commits:
        assert jobs.run_once(sessions, alur.services, clock, limit=2) == 2
        assert commits[0] == 1
    assert states(sessions, ids) == [("failed", 1), ("failed", 1), ("pending", 0)]
    assert jobs.run_once(sessions, alur.services, clock, limit=10) == 1
    assert jobs.run_once(sessions, alur.services, clock, limit=10) == 0


def test_a_job_that_raises_after_others_goes_back_alone(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    ids = queue(sessions, clock, "bogus", "service_task", "bogus")
    assert jobs.run_once(sessions, alur.services, clock, limit=10) == 1
    assert states(sessions, ids) == [("failed", 1), ("pending", 0), ("pending", 0)]
    with pytest.raises(NotFound):  # first in line now: it fails alone, as it always did
        jobs.run_once(sessions, alur.services, clock, limit=10)
    assert states(sessions, ids) == [("failed", 1), ("pending", 0), ("pending", 0)]


def test_a_tick_that_empties_the_queue_does_not_look_again(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    """The batch that found nothing more due says so: the tick ends there, instead of
    one more transaction that finds nothing."""
    assert alur.run_jobs(sessions, clock) == 0  # the first tick's housekeeping, done
    queue(sessions, clock, "bogus", "bogus")
    assert jobs.run_batch(sessions, alur.services, clock, limit=1) == (1, True)
    assert jobs.run_batch(sessions, alur.services, clock, limit=10) == (1, False)
    queue(sessions, clock, "bogus", "bogus")
    with sql.commits(sessions.kw["bind"]) as commits:
        assert alur.run_jobs(sessions, clock) == 2
    assert commits[0] == 2  # the breach check's, and the one batch's


def test_a_notification_that_cannot_be_written_fails_alone_in_its_batch(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    """A batch of notifications is written under one savepoint; one that fails takes it
    back, and each runs again on its own: the others are written, it alone fails."""
    j = Journey(sessions, alur, clock, people)
    j.start()
    j.submit()  # a mail to the staff (Task_Verifikasi)
    with sessions.begin() as s:
        broken = store.add_job(s, kind="notify", now=clock(), instance_id=j.instance_id,
                               task_id=str(uuid.uuid4()), payload={"event": "task_ready"})
        s.flush()
        broken_id = broken.id
    clock.advance(1)
    j.verify()  # a mail to the approvers (Task_Persetujuan)
    with sessions() as s:
        queued = [job.id for job in store.jobs_of(s, j.instance_id) if job.kind == "notify"]
    assert len(queued) == 3
    assert jobs.run_batch(sessions, alur.services, clock, limit=10) == (3, False)
    with sessions() as s:
        finished = {job.id: (job.status, job.attempts, job.last_error)
                    for job in store.jobs_of(s, j.instance_id)}
        mails = sorted(m.to for m in s.scalars(select(MailMessageRow)))
    assert finished.pop(broken_id)[:2] == ("failed", 1)
    assert set(finished.values()) == {("done", 1, None)}
    assert mails == ["staf@uji.id", "subkoor@uji.id"]


def job_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.lstrip().startswith("SELECT") and "FROM jobs" in s
               and "jobs.kind" in s.split("FROM", 1)[0])


def test_a_batch_reads_its_due_jobs_once_on_sqlite_and_one_by_one_on_postgresql(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    """On SQLite the batch's transaction holds the write lock: the due jobs are read with
    one query. On PostgreSQL each is locked as it is taken (SKIP LOCKED), so a job the
    batch will not reach stays free for another worker: one query each, and the last
    that finds none."""
    ids = queue(sessions, clock, "bogus", "bogus", "bogus")
    bind = sessions.kw["bind"]
    with sql.statements(bind) as seen:
        assert jobs.run_batch(sessions, alur.services, clock, limit=10) == (3, False)
    assert job_reads(seen) == (4 if bind.dialect.name == "postgresql" else 1)
    assert states(sessions, ids) == [("failed", 1)] * 3


def test_a_batch_reads_its_due_jobs_a_window_at_a_time(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch that ends at a job calling out reads the rest again in its next
    transaction: on SQLite they are read ``BATCH`` at a time, never all that are due."""
    monkeypatch.setattr(jobs, "BATCH", 2)
    ids = queue(sessions, clock, *["bogus"] * 5)
    bind = sessions.kw["bind"]
    with sql.statements(bind) as seen:
        assert jobs.run_batch(sessions, alur.services, clock, limit=10) == (5, False)
    assert job_reads(seen) == (6 if bind.dialect.name == "postgresql" else 3)
    assert states(sessions, ids) == [("failed", 1)] * 5


def test_a_batch_of_notifications_writes_its_mail_and_finishes_its_jobs_at_once(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    """Each mail of a batch is written, and each job finished, but with one INSERT and
    one UPDATE for them all."""
    j = Journey(sessions, alur, clock, people)
    j.start()
    j.submit()  # a mail to the staff (Task_Verifikasi)
    clock.advance(1)
    j.verify()  # a mail to the approvers (Task_Persetujuan)
    with sql.statements(sessions.kw["bind"]) as seen:
        assert jobs.run_batch(sessions, alur.services, clock, limit=10) == (2, False)
    written = [" ".join(s.split()[:3]) for s in seen if s.startswith(("INSERT", "UPDATE"))]
    assert sorted(written) == ["INSERT INTO mail_messages", "UPDATE jobs SET"]
    with sessions() as s:
        finished = [(job.status, job.attempts, job.payload, job.finished_at is not None)
                    for job in store.jobs_of(s, j.instance_id) if job.kind == "notify"]
        mails = sorted((m.to, m.subject, m.status) for m in s.scalars(select(MailMessageRow)))
    assert finished == [("done", 1, {}, True)] * 2
    number = "VC-" + j.instance_id[:8].upper()
    assert mails == [
        ("staf@uji.id", f"[{number}] Tugas baru: Menerima dan memverifikasi FPVC", "outbox"),
        ("subkoor@uji.id", f"[{number}] Tugas baru: Memberi persetujuan atas permintaan",
         "outbox"),
    ]


def test_a_batch_reads_its_steps_with_one_query_and_its_versions_from_the_row(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    """``mailrows.steps`` reads what the mail says of each step in one query; the
    request's version becomes an object of the session without one more (as if loaded:
    nothing to write, its deferred columns read through the session), or is the
    session's own when it holds it already."""
    j = Journey(sessions, alur, clock, people)
    j.start()
    j.submit()
    with sessions() as s:
        (record,) = [r for r in store.steps_of(s, j.instance_id) if r.state == "ready"]
        task_id, bpmn_id, role, version_id = (record.task_id, record.bpmn_id, record.role,
                                               record.instance.process_version_id)
    bind = sessions.kw["bind"]
    with sessions() as s:
        with sql.statements(bind) as seen:
            step = mailrows.steps(s, [task_id, str(uuid.uuid4())])[task_id]
        assert [q.split()[0] for q in seen if not q.startswith("BEGIN")] == ["SELECT"]
        assert (step.bpmn_id, step.role, step.instance.requester_email) == (
            bpmn_id, role, "pemohon@uji.id")
        version = step.instance.version
        assert s.get(ProcessVersion, version_id) is version and not s.dirty and not s.new
        assert version.meta["steps"][bpmn_id]  # deferred: read through the session
    with sessions() as s:
        held = s.get(ProcessVersion, version_id)
        assert mailrows.steps(s, [task_id])[task_id].instance.version is held


def test_a_batch_of_notifications_stays_within_the_limit(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    j = Journey(sessions, alur, clock, people)
    j.start()
    j.submit()  # a mail to the staff (Task_Verifikasi), and two more for the same task
    with sessions.begin() as s:
        (job,) = [job for job in store.jobs_of(s, j.instance_id) if job.kind == "notify"]
        for _ in range(2):
            store.add_job(s, kind="notify", now=clock(), instance_id=j.instance_id,
                          task_id=job.task_id, payload=job.payload)
    assert jobs.run_batch(sessions, alur.services, clock, limit=2) == (2, True)
    assert jobs.run_batch(sessions, alur.services, clock, limit=2) == (1, False)
    with sessions() as s:
        assert [m.to for m in s.scalars(select(MailMessageRow))] == ["staf@uji.id"] * 3
