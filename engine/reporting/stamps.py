"""Each step record's durations, stamped on it when it completes, so the report only sums
and ranks stored columns: ready → completed (duration), ready → opened (waiting) and
opened → completed (working), in calendar seconds and in office-hours seconds. They count
whole seconds (each time taken to its second, so duration = waiting + working exactly): a
report of minutes loses nothing, and SQLite stores a whole number in one to three bytes
instead of eight, in the record and in each report index that holds it.

A step is within its target when its stamped duration is at most the target (the
report's rule). Whatever decides "late" (the worker's breach check, the report's overdue
count, the inbox, a request's timeline) follows the same rule (``engine.seconds``): a
step 0.4 s past its target in exact time is neither reported late nor logged as breached.

The office hours are the configured ones (``ALUR_OFFICE_HOURS``/``ALUR_HOLIDAYS``, set by
the wiring with ``configure``, as ``engine.passwords`` learns its hashing cost).
After an operator changes them, ``recompute`` rewrites the office-hours columns of every
completed record (``alur report recompute``). Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from engine.models import DURATION_COLUMNS, Instance, StepRecord
from engine.reporting.scope import Dialect
from engine.reporting.workclock import OfficeHours
from engine.seconds import second

DEFAULT_OFFICE_HOURS = "Mon-Fri 07:30-16:00"
_configured = [OfficeHours.parse(DEFAULT_OFFICE_HOURS)]


def configure(hours: OfficeHours) -> None:
    """The office hours new records are stamped with (the process's configuration)."""
    _configured[0] = hours


def configured() -> OfficeHours:
    return _configured[0]


@dataclass(frozen=True)
class Clock:
    """Which stored columns a report reads: the clock only selects them."""

    name: str  # "calendar" | "office_hours"
    duration: Any  # the mapped columns of ``StepRecord``
    waiting: Any
    working: Any
    end_to_end: Any  # the mapped column of ``Instance``


S = StepRecord
CALENDAR = Clock("calendar", S.duration_s, S.waiting_s, S.working_s, Instance.end_to_end_s)
OFFICE = Clock("office_hours", S.duration_office_s, S.waiting_office_s, S.working_office_s,
               Instance.end_to_end_office_s)


def office_durations(
    hours: OfficeHours, ready: float, opened: float | None, done: float
) -> tuple[float, float | None, float | None]:
    """Duration, waiting and working in office seconds, from Unix times."""
    if opened is None:
        return hours.seconds(ready, done), None, None
    waiting, working = hours.seconds(ready, opened), hours.seconds(opened, done)
    return waiting + working, waiting, working


def durations_of(
    hours: OfficeHours, ready: datetime, opened: datetime | None, done: datetime
) -> dict[str, float | None]:
    """The six stamped columns of a record, by name."""
    ready_s, opened_s, done_s = second(ready), second(opened) if opened else None, second(done)
    both = _from_epochs(ready_s, opened_s, done_s) + office_durations(
        hours, ready_s, opened_s, done_s)
    return dict(zip(DURATION_COLUMNS, both, strict=True))


def stamp(records: Iterable[StepRecord], hours: OfficeHours | None = None) -> None:
    """Stamp the durations of every completed record that has none yet."""
    for r in records:
        if r.state == "completed" and r.duration_s is None and r.completed_at is not None:
            values = durations_of(hours or configured(), r.ready_at, r.opened_at, r.completed_at)
            for column, value in values.items():
                setattr(r, column, value)


def end_to_end_of(hours: OfficeHours, created: datetime, done: datetime) -> dict[str, float]:
    """A completed request's two stamped columns, by name."""
    start, end = second(created), second(done)
    return {"end_to_end_s": end - start, "end_to_end_office_s": hours.seconds(start, end)}


def stamp_request(row: Instance, hours: OfficeHours | None = None) -> None:
    """Stamp a request that has just completed: created → completed on both clocks."""
    if row.completed_at is not None:
        for column, value in end_to_end_of(hours or configured(), row.created_at,
                                           row.completed_at).items():
            setattr(row, column, value)


def recompute(session: Session, hours: OfficeHours, *, batch: int = 5000) -> int:
    """Restamp every completed record and request with ``hours``, ``batch`` records at a
    time, writing only those whose numbers change; returns how many changed. The office-hours
    columns follow the new hours; the calendar ones never change once stamped, but a
    record completed without its stamps (by a version before migration 0010, still running
    after the upgrade) gets them here too."""
    table = cast(Table, StepRecord.__table__)
    t, epoch = table.c, Dialect(session).epoch
    # Ranges of ids, filtered here: a condition on ``state`` would walk its index instead.
    read = select(t.id, t.state, epoch(t.ready_at), epoch(t.opened_at), epoch(t.completed_at),
                  *(t[c] for c in DURATION_COLUMNS))
    write = (update(table).where(t.id == bindparam("rid"))
             .values({c: bindparam(f"new_{c}") for c in DURATION_COLUMNS}))
    db = session.connection()
    done, top = 0, int(db.scalar(select(func.max(t.id))) or 0)
    for first in range(0, top, batch):
        values = []
        for rid, state, ready, opened, completed, *stored in db.execute(
                read.where(t.id > first, t.id <= first + batch)):
            if state != "completed" or completed is None:
                continue
            ready, completed = second(ready), second(completed)
            opened = None if opened is None else second(opened)
            new = _from_epochs(ready, opened, completed) + office_durations(
                hours, ready, opened, completed)
            if not _same(new, stored):
                values.append({"rid": rid, **{f"new_{c}": v
                                              for c, v in zip(DURATION_COLUMNS, new, strict=True)}})
        if values:
            db.execute(write, values)
        done += len(values)
    return done + _recompute_requests(session, hours, batch)


def _recompute_requests(session: Session, hours: OfficeHours, batch: int) -> int:
    """``recompute`` for the completed requests' end-to-end stamps."""
    table = cast(Table, Instance.__table__)
    t, epoch = table.c, Dialect(session).epoch
    read = (select(t.id, epoch(t.created_at), epoch(t.completed_at), t.end_to_end_s,
                   t.end_to_end_office_s)
            .where(t.status == "completed", t.completed_at.is_not(None)))
    write = (update(table).where(t.id == bindparam("rid"))
             .values(end_to_end_s=bindparam("c"), end_to_end_office_s=bindparam("o")))
    db = session.connection()
    values = []
    for rid, created, completed, *stored in db.execute(read):
        created, completed = second(created), second(completed)
        new = (completed - created, hours.seconds(created, completed))
        if not _same(new, stored):
            values.append({"rid": rid, "c": new[0], "o": new[1]})
    for first in range(0, len(values), batch):
        db.execute(write, values[first:first + batch])
    return len(values)


def _from_epochs(
    ready: float, opened: float | None, done: float
) -> tuple[float, float | None, float | None]:
    """The calendar durations from Unix times (as the database gives them)."""
    if opened is None:
        return done - ready, None, None
    return done - ready, opened - ready, done - opened


def _same(new: tuple[float | None, ...], stored: list[Any]) -> bool:
    """Equal to the millisecond (the database's epoch expressions keep no more)."""
    return all((a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-3)
               for a, b in zip(new, stored, strict=True))
