"""On SQLite a request's id and its tasks' ids are stored as 16 bytes (migration 0014):
converted both ways with the foreign keys intact, read back exactly as written; any text
not in the canonical form stays text. PostgreSQL keeps text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, store
from engine.migrate import alembic_config
from engine.models import InstanceId, TaskId
from tests.support.journey import Journey


@pytest.mark.parametrize(("kind", "value", "stored"), [
    (InstanceId, "88d1d1de9e744efcbf9ce2a2f0ee5ab5", 16),
    (InstanceId, "88D1D1DE9E744EFCBF9CE2A2F0EE5AB5", None),  # not how Alur writes one
    (InstanceId, "tidak-ada", None),
    (TaskId, "ac11789f-0cc4-4ab4-b32a-f5d6f822e145", 16),
    (TaskId, "ac11789f0cc44ab4b32af5d6f822e145", None),
    (TaskId, "AC11789F-0CC4-4AB4-B32A-F5D6F822E145", None),
])
def test_an_id_reads_back_as_written(kind: Any, value: str, stored: int | None) -> None:
    on_sqlite = kind().process_bind_param(value, sqlite.dialect())
    assert (len(on_sqlite) if isinstance(on_sqlite, bytes) else None) == stored
    assert kind().process_result_value(on_sqlite, sqlite.dialect()) == value
    assert kind().process_bind_param(value, postgresql.dialect()) == value


def _forms(engine: Any) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT typeof(s.instance_id), typeof(s.task_id), typeof(i.id) FROM step_records s"
            " JOIN instances i ON i.id = s.instance_id"))]


def _seen(sessions: sessionmaker[Session], instance_id: str) -> tuple[Any, ...]:
    with sessions() as s:
        return (
            [(r.task_id, r.instance_id, r.bpmn_id) for r in store.steps_of(s, instance_id)],
            [(e.task_id, e.instance_id, e.kind) for e in store.events_of(s, instance_id)],
            [(j.task_id, j.kind) for j in store.jobs_of(s, instance_id)],
        )


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)  # PostgreSQL: no change
def test_ids_convert_both_ways(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.run_worker()
    before = _seen(sessions, j.instance_id)
    assert before[0] and before[1] and before[2]
    engine = sessions.kw["bind"]
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    assert set(_forms(engine)) == {("blob", "blob", "blob")}  # the join holds as bytes
    engine.dispose()
    command.downgrade(config, "0013_sqlite_times")
    assert set(_forms(engine)) == {("text", "text", "text")}
    engine.dispose()
    command.upgrade(config, "head")
    assert set(_forms(engine)) == {("blob", "blob", "blob")}
    assert _seen(sessions, j.instance_id) == before
    with sessions() as s:
        assert audit.verify(s).ok
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
    j.verify()  # the request goes on
