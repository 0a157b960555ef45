"""On SQLite times are stored as integer microseconds (migration 0013): an existing
database's text times are converted both ways and read back the same, to the
microsecond; PostgreSQL keeps its timestamps and the migration leaves them alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, store
from engine.migrate import alembic_config
from engine.models import UTCDateTime
from tests.support.journey import Journey


def _stored(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT ready_at, completed_at FROM step_records ORDER BY id LIMIT 1")).one())


def _times(sessions: sessionmaker[Session], instance_id: str) -> list[Any]:
    with sessions() as s:
        rows = [(r.ready_at, r.opened_at, r.completed_at, r.due_at)
                for r in store.steps_of(s, instance_id)]
        return [*rows, *[e.at for e in store.events_of(s, instance_id)]]


def test_times_convert_both_ways(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.clock.advance(0.123456)  # a time with microseconds
    j.submit()
    before = _times(sessions, j.instance_id)
    engine = sessions.kw["bind"]
    sqlite = engine.dialect.name == "sqlite"
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    stored = _stored(engine)
    assert all(isinstance(v, int) for v in stored) == sqlite
    engine.dispose()

    command.downgrade(config, "0012_lean_indexes")
    if sqlite:
        ready, completed = _stored(engine)
        assert ready == "2026-11-30 01:00:00.000000"
        assert completed == "2026-11-30 01:01:30.123456"
        old = UTCDateTime().process_result_value(completed, engine.dialect)
        assert old == before[0][2]  # text an older version left is still read
    engine.dispose()
    command.upgrade(config, "head")
    assert _stored(engine) == stored
    assert _times(sessions, j.instance_id) == before
    with sessions() as s:
        assert audit.verify(s).ok  # the events' times hash as before
    j.verify()  # and the request goes on
