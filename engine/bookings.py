"""The conference booking ledger in the database (``engine.ports.BookingLedger``).

Each call runs in its own short transaction and commits at once: a booking must survive
even when the job that made it fails later, so a retry finds what the first attempt did.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.models import Booking as BookingRow
from engine.ports import Booking


def _view(row: BookingRow) -> Booking:
    return Booking(
        row.provider,
        row.host,
        row.instance_id,
        row.start,
        row.end,
        booked_at=row.created_at,
        meeting_id=row.meeting_id,
    )


class SqlLedger:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def booking(self, provider: str, instance_id: str) -> Booking | None:
        with self.sessions() as session:
            row = self._row(session, provider, instance_id)
            return _view(row) if row else None

    @staticmethod
    def _row(session: Session, provider: str, instance_id: str) -> BookingRow | None:
        stmt = select(BookingRow).where(
            BookingRow.provider == provider, BookingRow.instance_id == instance_id
        )
        return session.scalars(stmt).first()

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
        with self.sessions.begin() as session:
            others = select(BookingRow).where(
                BookingRow.provider == provider,
                BookingRow.host == host,
                BookingRow.instance_id != instance_id,
            )
            if session.get_bind().dialect.name == "postgresql":
                session.scalars(others.with_for_update()).all()
            overlap = session.scalar(
                select(func.count()).select_from(
                    others.where(BookingRow.start < end, BookingRow.end > start).subquery()
                )
            )
            day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            today = session.scalar(
                select(func.count()).select_from(
                    others.where(
                        BookingRow.created_at >= day,
                        BookingRow.created_at < day + timedelta(days=1),
                    ).subquery()
                )
            )
            if overlap or (today or 0) >= daily_limit:
                return False
            session.execute(
                delete(BookingRow).where(
                    BookingRow.provider == provider, BookingRow.instance_id == instance_id
                )
            )
            session.add(
                BookingRow(
                    provider=provider,
                    host=host,
                    instance_id=instance_id,
                    start=start,
                    end=end,
                    created_at=now,
                )
            )
            return True

    def finish(self, provider: str, instance_id: str, meeting_id: str) -> None:
        with self.sessions.begin() as session:
            row = self._row(session, provider, instance_id)
            if row is not None:
                row.meeting_id = meeting_id

    def release(self, provider: str, instance_id: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                delete(BookingRow).where(
                    BookingRow.provider == provider, BookingRow.instance_id == instance_id
                )
            )
