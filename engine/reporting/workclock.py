"""Office hours in WIB (weekdays, opening and closing time, holidays) and how many working
seconds lie between two instants: the report's optional working-hours clock.

``OfficeHours.parse("Mon-Fri 07:30-16:00", "2026-01-01,2026-03-20")``; day names in English
or Indonesian (``Sen-Jum``). Times are Unix seconds, so a report can compute millions of
intervals without building datetimes. Imports no web layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from engine.errors import EngineError

WIB = ZoneInfo("Asia/Jakarta")
WIB_OFFSET_S = 7 * 3600  # WIB has no daylight saving time
DAY_S = 86400
EPOCH = date(1970, 1, 1)
DAY_NAMES = {
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{d: i for i, d in enumerate(("sen", "sel", "rab", "kam", "jum", "sab", "min"))},
}
_SPEC = re.compile(
    r"^\s*(\w{3})\w*\s*-\s*(\w{3})\w*\s+"  # days, e.g. "Mon-Fri"
    r"(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$"
)  # "07:30-16:00"


class OfficeHoursError(EngineError):
    """The office hours or holidays could not be read."""


@dataclass(frozen=True)
class OfficeHours:
    weekdays: frozenset[int]  # Monday is 0
    opens: time
    closes: time
    holidays: frozenset[date] = field(default_factory=frozenset)
    spec: str = ""

    @classmethod
    def parse(cls, spec: str, holidays: str = "") -> OfficeHours:
        match = _SPEC.match(spec or "")
        if (
            not match
            or match.group(1).lower() not in DAY_NAMES
            or match.group(2).lower() not in DAY_NAMES
        ):
            raise OfficeHoursError(
                f"jam kerja tidak terbaca: {spec!r} (contoh: Mon-Fri 07:30-16:00)"
            )
        first, last = DAY_NAMES[match.group(1).lower()], DAY_NAMES[match.group(2).lower()]
        days = (
            frozenset(range(first, last + 1))
            if first <= last
            else frozenset([*range(first, 7), *range(0, last + 1)])
        )
        try:
            opens = time(int(match.group(3)), int(match.group(4)))
            closes = time(int(match.group(5)), int(match.group(6)))
            off = frozenset(date.fromisoformat(d.strip()) for d in holidays.split(",") if d.strip())
        except ValueError as err:
            raise OfficeHoursError(f"jam kerja atau hari libur tidak terbaca: {err}") from err
        if closes <= opens:
            raise OfficeHoursError("jam tutup harus setelah jam buka")
        return cls(days, opens, closes, off, spec.strip())

    @property
    def day_seconds(self) -> int:
        return (self.closes.hour - self.opens.hour) * 3600 + (
            self.closes.minute - self.opens.minute
        ) * 60

    def seconds(self, start: float, end: float) -> float:
        """Working seconds between two Unix times."""
        if end <= start:
            return 0.0
        first, last = _day(start), _day(end)
        window = _window(self, first)
        if last == first:  # the usual case, kept short: the report calls it per request
            return max(0.0, min(window[1], end) - max(window[0], start)) if window else 0.0
        total = max(0.0, window[1] - max(window[0], start)) if window else 0.0
        window = _window(self, last)
        if window is not None:
            total += max(0.0, min(window[1], end) - window[0])
        for day in range(first + 1, last):
            if _window(self, day) is not None:
                total += self.day_seconds
        return total

    def between(self, start: datetime, end: datetime) -> float:
        return self.seconds(start.timestamp(), end.timestamp())


def _day(ts: float) -> int:
    return int((ts + WIB_OFFSET_S) // DAY_S)


@lru_cache(maxsize=8192)
def _window(hours: OfficeHours, day: int) -> tuple[float, float] | None:
    when = EPOCH + timedelta(days=day)
    if when.weekday() not in hours.weekdays or when in hours.holidays:
        return None
    base = day * DAY_S - WIB_OFFSET_S
    return (
        base + hours.opens.hour * 3600 + hours.opens.minute * 60,
        base + hours.closes.hour * 3600 + hours.closes.minute * 60,
    )
