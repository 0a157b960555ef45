"""A step still waiting after its target is reported once: the record is marked, an event
``target_breached`` is logged and a ``notify`` job queued; the report counts the events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.breaches import record_breaches
from engine.models import Event, Job, StepRecord
from tests.integration.reports.seed import S2, T0


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
