"""The requested time slot: the FPVC's ``tanggal``/``jam_mulai``/``jam_selesai`` (local
Asia/Jakarta wall-clock time, as the requester typed it) turned into aware datetimes and
a duration. Standard library only: must not import requests, flask or webui.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class Slot:
    """A meeting's start and end, aware, in Asia/Jakarta."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def day(self) -> date:
        return self.start.date()


def parse_slot(tanggal: Any, jam_mulai: Any, jam_selesai: Any) -> Slot:
    """Build a slot from the form values; raises ``ValueError`` with a readable message."""
    day = _date(tanggal)
    start = datetime.combine(day, _time(jam_mulai, "jam_mulai"), tzinfo=JAKARTA)
    end = datetime.combine(day, _time(jam_selesai, "jam_selesai"), tzinfo=JAKARTA)
    if end <= start:
        raise ValueError("jam_selesai harus setelah jam_mulai")
    return Slot(start, end)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"tanggal bukan tanggal YYYY-MM-DD: {value!r}") from None


def _time(value: Any, name: str) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    text = str(value).strip()
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} bukan jam HH:MM: {value!r}") from None
    if parsed.tzinfo is not None:
        raise ValueError(f"{name} adalah jam lokal tanpa zona waktu: {value!r}")
    return parsed
