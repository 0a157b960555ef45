"""A request is a draft until its requester first sends step 1: nobody is mailed, staff
lists, the report and breaches do not see it, step 1 is timed from the last opening of its
form, and a draft left alone expires (kept as ``expired``, not deleted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.facade import Alur
from tests.support.journey import FPVC, Journey

DAY = 24 * 3600


def jobs(j: Journey) -> list[str]:
    with j.sessions() as s:
        return [job.kind for job in store.jobs_of(s, j.instance_id)]


def open_form(j: Journey) -> str:
    """The requester opens the form's page (a look, as the browser's GET does)."""
    with j.sessions.begin() as s:
        view = j.alur.instance(s, j.instance_id, j.people.pemohon)
        task_id = next(st.task_id for st in view.steps if st.state == "ready")
        j.alur.open_task(s, task_id, j.people.pemohon, j.clock(), look=True)
    return task_id


def test_a_draft_mails_nobody_has_no_due_time_and_only_its_requester_lists_it(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    view = j.start()
    assert view.summary.status == "draft"
    (step,) = view.steps
    assert step.due_at is None
    assert jobs(j) == []  # no "Tugas baru" for the requester's own first form
    j.clock.advance(3 * DAY)
    with sessions.begin() as s:
        assert j.alur.record_breaches(s, j.clock()) == 0
    with sessions() as s:
        assert [i.id for i in j.alur.instances(s, j.people.pemohon, mine=True)] == [view.id]
        for reader in (j.people.staf, j.people.others["auditor"]):
            assert j.alur.instances(s, reader) == []
        inbox = j.alur.inbox(s, j.people.pemohon)
        assert [i.is_overdue(j.clock()) for i in inbox] == [False]
        assert j.alur.durations(s).instances.total == 0


def test_step_one_runs_from_the_last_opening_of_the_form_to_sending_it(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.clock.advance(2 * DAY)  # the tab stayed closed: this is not step 1's time
    task_id = open_form(j)
    j.clock.advance(100)
    with sessions.begin() as s:
        view = j.alur.complete(s, task_id, j.people.pemohon, FPVC, j.clock())
    assert view.summary.status == "running"
    step1 = next(st for st in view.steps if st.task_id == task_id)
    assert step1.duration_s == 100 and step1.waiting_s == 0 and step1.within_target is True
    assert step1.due_at is not None
    assert (step1.due_at - step1.ready_at).total_seconds() == step1.target_s
    assert "notify" in jobs(j)  # the staff's task is announced as before
    with sessions() as s:
        assert [i.id for i in j.alur.instances(s, j.people.staf)] == [j.instance_id]
        assert j.alur.durations(s).instances.total == 1


def test_untouched_drafts_expire_after_the_configured_days_and_stay_for_their_requester(
    sessions: sessionmaker[Session], journey: Callable[[], Journey], alur: Alur
) -> None:
    short = Alur(replace(alur.settings, worker=replace(alur.settings.worker, draft_days=3)),
                 alur.services)
    old, fresh = journey(), journey()
    old.alur = fresh.alur = short
    old.start()
    old.clock.advance(2 * DAY)
    fresh.start()
    old.clock.advance(1.5 * DAY)  # old: 3.5 days untouched, fresh: 1.5 days
    short.run_jobs(sessions, old.clock)
    assert old.view().summary.status == "expired"
    assert fresh.view().summary.status == "draft"
    cancelled = old.view().cancellation
    assert cancelled is not None and cancelled.expired
    assert jobs(old) == []  # expiring tells nobody: nobody else knew the draft

    open_form(fresh)  # the requester came back: the clock of expiry restarts too
    old.clock.advance(2 * DAY)
    short.run_jobs(sessions, old.clock)
    assert fresh.view().summary.status == "draft"
    with sessions() as s:
        assert j_ids(short.instances(s, old.people.staf)) == []
        mine = j_ids(short.instances(s, old.people.pemohon, mine=True))
        assert sorted(mine) == sorted([old.instance_id, fresh.instance_id])


def j_ids(items: list) -> list[str]:  # type: ignore[type-arg]
    return [i.id for i in items]


def test_cancelling_a_draft_mails_nobody(journey: Callable[[], Journey]) -> None:
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        j.alur.cancel(s, j.instance_id, j.people.pemohon, j.clock(), reason="Salah isi.")
    assert j.view().summary.status == "discarded"
    assert jobs(j) == []
    with j.sessions() as s:  # never sent: still nobody else's business
        assert j.alur.instances(s, j.people.staf) == []
        assert j.alur.durations(s).instances.total == 0
