"""What the connectors need from the rest of Alur: the booking ledger that keeps the Zoom
host pool honest across workers and retries (``BookingLedger``/``Booking``, defined in
``engine.ports`` so the engine can store bookings in SQL, re-exported here), a clock, and
``MemoryLedger``, the thread-safe in-process ledger for tests and single-process
installs. Must not import requests, flask, webui or the engine's storage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

from engine.ports import Booking, BookingLedger

__all__ = ["Booking", "BookingLedger", "Clock", "MemoryLedger", "utc_now"]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def utc_now() -> datetime:
    """The default ``Clock``."""
    return datetime.now(UTC)


class MemoryLedger:
    """``BookingLedger`` kept in a dict behind a lock; lost when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bookings: dict[tuple[str, str], Booking] = {}

    def booking(self, provider: str, instance_id: str) -> Booking | None:
        with self._lock:
            return self._bookings.get((provider, instance_id))

    def begin(
        self,
        provider: str,
        host: str,
        instance_id: str,
        start: datetime,
        end: datetime,
        *,
        now: datetime,
        daily_limit: int,
    ) -> bool:
        with self._lock:
            others = [
                b for b in self._bookings.values()
                if b.provider == provider and b.host == host and b.instance_id != instance_id
            ]
            if any(b.start < end and start < b.end for b in others):
                return False
            today = now.astimezone(UTC).date()
            if sum(1 for b in others if b.booked_at.astimezone(UTC).date() == today) >= daily_limit:
                return False
            self._bookings[(provider, instance_id)] = Booking(
                provider, host, instance_id, start, end, booked_at=now
            )
            return True

    def finish(self, provider: str, instance_id: str, meeting_id: str) -> None:
        with self._lock:
            current = self._bookings.get((provider, instance_id))
            if current is not None:
                self._bookings[(provider, instance_id)] = replace(current, meeting_id=meeting_id)

    def release(self, provider: str, instance_id: str) -> None:
        with self._lock:
            self._bookings.pop((provider, instance_id), None)

    def created_on(self, provider: str, host: str, day: date) -> int:
        """How many bookings were made on ``host`` during the UTC ``day``."""
        with self._lock:
            return sum(
                1 for b in self._bookings.values()
                if b.provider == provider and b.host == host
                and b.booked_at.astimezone(UTC).date() == day
            )
