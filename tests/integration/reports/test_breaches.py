"""A step still waiting after its target is reported once: the record is marked, an event
``target_breached`` is logged and a ``notify`` job queued; the report counts the events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.breaches import record_breaches
from engine.models import Event, Job, StepRecord
from tests.integration.reports.seed import S2, T0
from tests.support.journey import Journey


def test_an_overdue_step_is_reported_once(sessions, alur, known) -> None:
    d_ready = T0 + timedelta(days=7, seconds=170)  # D's verification became ready then
    with sessions.begin() as s:
        assert record_breaches(s, d_ready + timedelta(seconds=119)) == 0  # not due yet
    with sessions.begin() as s:
        assert alur.record_breaches(s, d_ready + timedelta(seconds=500)) == 1
    with sessions.begin() as s:
        assert record_breaches(s, d_ready + timedelta(seconds=900)) == 0  # already reported
        record = s.scalars(select(StepRecord).where(StepRecord.instance_id == known["D"],
                                                    StepRecord.state == "ready")).one()
        assert record.breach_notified
        event = s.scalars(select(Event).where(Event.kind == "target_breached")).one()
        assert (event.instance_id, event.task_id) == (known["D"], record.task_id)
        assert event.detail["bpmn_id"] == S2 and event.detail["late_s"] == 380.0
        job = s.scalars(select(Job).where(Job.task_id == record.task_id,
                                          Job.kind == "notify")).one()
        assert job.payload == {"event": "breach"} and job.status == "pending"
    with sessions() as s:
        result = alur.durations(s).as_dict()
    assert result["breaches"] == 1
    assert {st["bpmn_id"]: st["breaches"] for st in result["steps"]}[S2] == 1
    with sessions() as s:
        assert alur.durations(s, instansi="Dinas A").breaches == 0


def test_completed_and_cancelled_steps_are_never_breaches(sessions, known) -> None:
    with sessions.begin() as s:
        assert record_breaches(s, T0 + timedelta(days=365)) == 1  # only D's open step


def _verification_done_late_by(
    sessions, alur, clock, people, late_s: float,
) -> tuple[int, bool, int, bool | None]:
    """A request whose verification became ready at a time with a fraction of a second and
    was done ``late_s`` after its target in exact time: breaches the worker logs at that
    moment (before the completion) on it, whether the request's timeline and the inbox
    show it late then, how many of the report's verifications are then within target, and
    whether the request's timeline says this one was."""
    clock.now = clock.now.replace(microsecond=200_000)
    j = Journey(sessions, alur, clock, people)
    j.start()
    j.submit()
    ready = clock()
    with sessions() as s:
        target = s.scalars(select(StepRecord.target_s).where(
            StepRecord.instance_id == j.instance_id, StepRecord.state == "ready")).one()
    assert target is not None
    done = ready + timedelta(seconds=target + late_s)
    with sessions.begin() as s:
        record_breaches(s, done)
    with sessions() as s:
        breached = len(s.scalars(select(Event).where(
            Event.kind == "target_breached", Event.instance_id == j.instance_id)).all())
    shown_late = {st.bpmn_id: st.is_late(done) for st in j.view(people.staf).steps}[S2]
    j.act(people.staf, "Task_Verifikasi", {"catatan_verifikasi": "x"}, wait=target / 2,
          work=(done - ready).total_seconds() - target / 2)
    assert clock() == done
    with sessions() as s:
        row = {st["bpmn_id"]: st for st in alur.durations(s).as_dict()["steps"]}[S2]
    step = next(st for st in j.view().steps if st.bpmn_id == S2)
    return breached, shown_late, row["within_target"], step.within_target


def test_late_by_less_than_a_second_is_neither_breached_nor_late_in_the_report(
    sessions, alur, clock, people,
) -> None:
    """The report counts whole seconds (each time taken to its second, ``stamps``) and
    the breach check and the request's timeline follow it: 0.4 s past the target in exact
    time is within it in the report and never logged or shown as late; a whole second past
    it is late in all of them."""
    assert _verification_done_late_by(sessions, alur, clock, people, 0.4) == (0, False, 1, True)
    assert _verification_done_late_by(sessions, alur, clock, people, 1.0) == (1, True, 1, False)
