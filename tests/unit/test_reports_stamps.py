"""What a completed step record is stamped with: waiting + working = duration on both
clocks; a never-opened (service) step has only a duration; open records get nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.models import StepRecord
from engine.reporting.stamps import durations_of, stamp
from engine.reporting.workclock import OfficeHours
from engine.seconds import late_at
from engine.views import StepView

HOURS = OfficeHours.parse("Mon-Fri 07:30-16:00")
FRIDAY_1500_WIB = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


def record(state: str, wait: float | None, work: float) -> StepRecord:
    ready = FRIDAY_1500_WIB
    opened = ready + timedelta(seconds=wait) if wait is not None else None
    return StepRecord(state=state, ready_at=ready, opened_at=opened,
                      completed_at=(opened or ready) + timedelta(seconds=work))


def test_a_step_over_the_weekend_counts_only_office_hours() -> None:
    # Ready Friday 15:00 WIB, opened 15:30, completed Monday 08:00 WIB.
    work = 2 * 86400 + 16.5 * 3600
    r = record("completed", 1800, work)
    stamp([r], HOURS)
    assert (r.duration_s, r.waiting_s, r.working_s) == (1800 + work, 1800.0, work)
    assert (r.duration_office_s, r.waiting_office_s, r.working_office_s) == (
        5400.0, 1800.0, 3600.0)


def test_a_service_step_has_no_waiting_or_working() -> None:
    r = record("completed", None, 5)
    stamp([r], HOURS)
    assert (r.duration_s, r.waiting_s, r.working_s) == (5.0, None, None)
    assert (r.duration_office_s, r.waiting_office_s) == (5.0, None)


def test_only_completed_records_without_a_stamp_are_stamped() -> None:
    cancelled, done = record("cancelled", None, 5), record("completed", 10, 20)
    done.duration_s = 1.0  # stamped before: kept (recompute rewrites on purpose)
    stamp([cancelled, done], HOURS)
    assert cancelled.duration_s is None and cancelled.duration_office_s is None
    assert done.duration_s == 1.0 and done.duration_office_s is None


def test_durations_count_whole_seconds_and_still_add_up() -> None:
    # Ready 08:00:00.9, opened 08:00:47.318213, completed 08:01:26.222340 (a real clock's
    # microseconds): each time is taken to its second, so 47 + 39 = 86, never 47.4 + 38.9.
    r = record("completed", 47.318213, 38.904127)
    r.ready_at += timedelta(microseconds=900_000)
    stamp([r], HOURS)
    assert (r.duration_s, r.waiting_s, r.working_s) == (86.0, 47.0, 39.0)
    assert (r.duration_office_s, r.waiting_office_s, r.working_office_s) == (86.0, 47.0, 39.0)


def test_late_at_says_late_exactly_when_the_stamped_duration_exceeds_the_target() -> None:
    """The breach check (``due_at < late_at(now)``) and the report (stamped duration at
    most the target) agree at every fraction of a second: 300.4 s against 300 s is within
    the target for both, 301 s (whole seconds) late for both."""
    target = 300
    for tenth in range(10):
        ready = datetime(2026, 3, 2, 1, 0, tzinfo=UTC) + timedelta(seconds=tenth / 10)
        due = ready + timedelta(seconds=target)
        for late_ms in range(-1500, 1600, 100):
            now = due + timedelta(milliseconds=late_ms)
            duration = durations_of(HOURS, ready, None, now)["duration_s"]
            assert duration is not None
            assert (due < late_at(now)) == (duration > target), (ready, late_ms)
    ready = datetime(2026, 3, 2, 1, 0, 0, 200_000, tzinfo=UTC)
    done = ready + timedelta(seconds=300.4)
    assert durations_of(HOURS, ready, None, done)["duration_s"] == 300
    assert not ready + timedelta(seconds=target) < late_at(done)


def test_a_timeline_shows_the_durations_the_report_counts() -> None:
    """A request's page counts whole seconds too, so its duration and its badge agree:
    60.1 s from 03:00:00.9 to 03:01:01.0 is 61 s, late against a minute; 60.7 s from
    03:00:00.1 to 03:01:00.8 is 60 s, on time."""
    base = datetime(2026, 3, 6, 3, 0, tzinfo=UTC)
    for ready_us, done, shown, on_time in ((900_000, (61, 0), 61.0, False),
                                           (100_000, (60, 800_000), 60.0, True)):
        r = StepRecord(state="completed", ready_at=base + timedelta(microseconds=ready_us),
                       opened_at=None, target_s=60, pass_no=1, requester_only=False,
                       completed_at=base + timedelta(seconds=done[0], microseconds=done[1]))
        view = StepView.of(r)
        stamp([r], HOURS)
        assert (view.duration_s, view.within_target) == (shown, on_time)
        assert view.duration_s == r.duration_s
