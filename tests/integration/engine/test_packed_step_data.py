"""What a pass submitted is stored compressed (migration 0015; with its version's
dictionary since 0017): existing rows convert both ways on both databases and read back
the same, and the audit chain still holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, store
from engine.migrate import alembic_config
from engine.models import PackedJSON, unpack_json
from tests.support.journey import FPVC, Journey

RAW = text("SELECT data FROM step_records WHERE data IS NOT NULL ORDER BY id")


def _raw(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return [row.data for row in conn.execute(RAW)]


def test_step_data_converts_both_ways(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.verify()
    with sessions() as s:
        before = [r.data for r in store.steps_of(s, j.instance_id) if r.data is not None]
    assert before[0]["nama_kegiatan"] == FPVC["nama_kegiatan"] and len(before) == 2
    engine = sessions.kw["bind"]
    packed = _raw(engine)
    assert all(isinstance(p, bytes) for p in packed)
    assert [PackedJSON().process_result_value(p, engine.dialect) for p in packed] == before
    assert len(packed[0]) < len(json.dumps(before[0])) * 0.8
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    command.downgrade(config, "0014_sqlite_binary_ids")
    plain = [json.loads(v) if isinstance(v, str) else v for v in _raw(engine)]
    assert plain == before
    engine.dispose()
    command.upgrade(config, "head")  # packed again as 0015 packs (0017 leaves it so)
    assert [unpack_json(p) for p in _raw(engine)] == before
    with sessions() as s:
        assert [r.data for r in store.steps_of(s, j.instance_id) if r.data is not None] == before
        assert audit.verify(s).ok
    j.decide(signed=False)  # the converted request goes on
