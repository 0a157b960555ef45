"""Time counted in whole seconds, as the report counts it (``stamps``): each time taken to
its second. One rule for "late" wherever it is decided (the worker's breach check, the
report, the inbox, a request's timeline). Imports nothing of the engine, so that the
views can use it.
"""

from __future__ import annotations

import math
from datetime import datetime

__all__ = ["late_at", "second", "within"]


def second(at: datetime | float) -> float:
    """A time (or Unix time) taken to its whole second, as a Unix time."""
    return float(math.floor(at.timestamp() if isinstance(at, datetime) else at))


def late_at(now: datetime) -> datetime:
    """The bound a waiting step's ``due_at`` (ready + target) is compared with: it is late
    when ``due_at < late_at(now)``, ``now`` taken to its whole second. With whole-second
    targets (``definitions``: ISO durations in seconds) that is exactly when the duration
    stamped now, ``second(now) - second(ready)``, would exceed the target."""
    return now.replace(microsecond=0)


def within(ready: datetime, done: datetime, target_s: float) -> bool:
    """A step ready at ``ready`` and done at ``done`` took at most ``target_s`` (the
    duration stamped on it, in whole seconds)."""
    return second(done) - second(ready) <= target_s
