"""Which step records a report reads, and the SQL spellings that differ between SQLite and
PostgreSQL.

A report reads the records of the instances in its ``Scope`` (period, instansi, versions)
that were not cancelled. Checking every record's instance costs more than the rest of the
report on SQLite, so ``Selection`` reads whichever side is smaller: usually all records
minus those of the few left-out instances (``mode == "all"``: queries run without an
instance condition and the left-out part is subtracted), or, for a narrow filter, only
the kept instances (``mode == "keep"``). Imports no web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from engine.models import Instance, StepRecord
from engine.store import PRIVATE_STATUSES

# Subtract when at most this share of the instances is left out.
SUBTRACT_UP_TO = 0.25


@dataclass(frozen=True)
class Scope:
    """Which instances a report reads: created in [start, end), of an instansi, of some
    process versions. ``version_ids`` None means every version of the process."""

    start: datetime | None = None
    end: datetime | None = None
    instansi: str | None = None
    version_ids: tuple[int, ...] | None = None

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.start, self.end, self.instansi, self.version_ids))

    def where(self) -> list[ColumnElement[bool]]:
        """Clauses an instance in scope satisfies (any status)."""
        # Drafts were never submitted: they are no request of the SOP yet.
        clauses: list[ColumnElement[bool]] = [Instance.status.not_in(PRIVATE_STATUSES)]
        if self.start is not None:
            clauses.append(Instance.created_at >= self.start)
        if self.end is not None:
            clauses.append(Instance.created_at < self.end)
        if self.instansi is not None:
            clauses.append(Instance.instansi == self.instansi)
        if self.version_ids is not None:
            clauses.append(Instance.process_version_id.in_(self.version_ids))
        return clauses

    def left_out(self) -> ColumnElement[bool]:
        """True exactly for instances the time statistics leave out (NULL-safe complement
        of ``where`` plus cancelled)."""
        clauses: list[ColumnElement[bool]] = [
            Instance.status.in_(("cancelled", *PRIVATE_STATUSES))
        ]
        if self.start is not None:
            clauses.append(Instance.created_at < self.start)
        if self.end is not None:
            clauses.append(Instance.created_at >= self.end)
        if self.instansi is not None:
            clauses.append(Instance.instansi.is_(None) | (Instance.instansi != self.instansi))
        if self.version_ids is not None:
            clauses.append(
                Instance.process_version_id.not_in(self.version_ids)
                if self.version_ids
                else ~false()
            )
        return or_(*clauses)


@dataclass(frozen=True)
class Selection:
    """``mode == "all"``: read every record, subtract those of ``ids`` (left out);
    ``mode == "keep"``: read only the records of ``ids`` (kept)."""

    mode: str
    ids: Select[Any]

    def kept(self) -> ColumnElement[bool]:
        """A condition on ``step_records`` for small queries that may simply filter."""
        if self.mode == "keep":
            return StepRecord.instance_id.in_(self.ids)
        return StepRecord.instance_id.not_in(self.ids)


def select_records(session: Session, scope: Scope) -> Selection:
    left_out = scope.left_out()
    total, dropped = session.execute(
        select(func.count(), func.sum(case((left_out, 1), else_=0))).select_from(Instance)
    ).one()
    if (dropped or 0) <= SUBTRACT_UP_TO * (total or 0):
        return Selection("all", select(Instance.id).where(left_out))
    return Selection(
        "keep", select(Instance.id).where(*scope.where(), Instance.status != "cancelled")
    )


class Dialect:
    """The few expressions SQLite and PostgreSQL spell differently."""

    def __init__(self, session: Session) -> None:
        self.name = session.get_bind().dialect.name

    def epoch(self, column: Any) -> ColumnElement[float]:
        """A stored (UTC) time as Unix seconds."""
        if self.name == "sqlite":  # integer microseconds (engine.models.UTCDateTime)
            return type_coerce(column, Float()) / literal(1_000_000.0, Float())
        return cast(extract("epoch", column), Float)

    def week_of(self, column: Any) -> ColumnElement[str]:
        """Monday (``YYYY-MM-DD``) of the WIB week a UTC time falls in (WIB has no DST)."""
        if self.name == "sqlite":
            seconds = type_coerce(column, BigInteger) / 1_000_000
            return func.date(seconds, "unixepoch", "+7 hours", "weekday 0", "-6 days")
        shifted = column + literal_column("interval '7 hours'")
        return func.to_char(func.date_trunc("week", shifted), "YYYY-MM-DD")
