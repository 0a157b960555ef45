"""The working-hours clock: durations count only office hours (WIB) and skip holidays."""

from __future__ import annotations

import pytest

from engine.reporting.workclock import OfficeHours
from tests.integration.reports.seed import S1
from tests.integration.reports.test_report_numbers import by_step, check_known


def report(sessions, alur, hours: OfficeHours, **filters):
    with sessions.begin() as s:  # the records are stamped with the hours the report uses
        alur.recompute_durations(s, hours)
        return alur.durations(s, office_hours=hours, **filters).as_dict()


def test_inside_office_hours_the_numbers_are_the_calendar_ones(sessions, alur, known) -> None:
    # Every seeded request runs on a weekday morning (08:00–09:00 WIB).
    result = report(sessions, alur, OfficeHours.parse("Mon-Fri 07:30-16:00"))
    check_known(result)
    assert result["clock"] == "office_hours"


def test_a_holiday_takes_its_time_out(sessions, alur, known) -> None:
    # 2 March (request A's day) is a holiday: A's steps took no working time at all.
    result = report(sessions, alur, OfficeHours.parse("Mon-Fri 07:30-16:00", "2026-03-02"))
    s1 = by_step(result)[S1]
    assert (s1["count"], s1["median_s"], s1["mean_s"]) == (5, 170.0, 178.0)
    assert s1["within_target_pct"] == 60.0  # A's 0 s is within, as its 100 s was
    assert result["total"]["median_s"] == 470.0
    assert result["total"]["mean_s"] == pytest.approx((0 + 750 + 470) / 3, abs=1e-3)
    assert result["end_to_end"]["median_s"] == 530.0
