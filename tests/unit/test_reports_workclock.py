"""Working seconds between two instants under office hours in WIB, with holidays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.reporting.workclock import OfficeHours, OfficeHoursError

HOURS = OfficeHours.parse("Mon-Fri 07:30-16:00", "2026-03-04")  # a Wednesday off


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in WIB (UTC+7); the 2nd is a Monday."""
    return datetime(2026, 3, day, hour - 7, minute, tzinfo=UTC) if hour >= 7 else \
        datetime(2026, 3, day - 1, hour + 17, minute, tzinfo=UTC)


def test_within_one_working_day() -> None:
    assert HOURS.between(wib(2, 8), wib(2, 8, 3)) == 180
    assert HOURS.between(wib(2, 7), wib(2, 8)) == 30 * 60  # opens at 07:30
    assert HOURS.between(wib(2, 15, 50), wib(2, 18)) == 600  # closes at 16:00


def test_over_night_weekends_and_holidays() -> None:
    assert HOURS.between(wib(2, 15), wib(3, 8, 30)) == 2 * 3600  # 1 h Monday + 1 h Tuesday
    assert HOURS.between(wib(3, 15), wib(5, 8)) == 3600 + 1800  # Wednesday is a holiday
    assert HOURS.between(wib(6, 15), wib(9, 8)) == 3600 + 1800  # Friday → Monday
    assert HOURS.between(wib(7, 9), wib(8, 12)) == 0  # Saturday and Sunday
    week = HOURS.between(wib(2, 0), wib(9, 0))
    assert week == 4 * 8.5 * 3600  # Mon, Tue, Thu, Fri
    assert HOURS.between(wib(2, 9), wib(2, 8)) == 0


def test_parse_accepts_indonesian_day_names_and_refuses_nonsense() -> None:
    sen_jum = OfficeHours.parse("Sen-Jum 07.30-16.00")
    assert sen_jum.weekdays == frozenset(range(5)) and sen_jum.day_seconds == 8.5 * 3600
    for bad in ("sometimes", "Mon-Fri 16:00-07:30", "Xyz-Fri 07:30-16:00"):
        with pytest.raises(OfficeHoursError):
            OfficeHours.parse(bad)
    with pytest.raises(OfficeHoursError):
        OfficeHours.parse("Mon-Fri 07:30-16:00", "2026-02-30")
