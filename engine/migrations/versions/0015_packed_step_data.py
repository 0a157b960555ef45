"""What a pass submitted (``step_records.data``) stored zlib-compressed like the task tree
(``engine.models.PackedJSON``): the same document, about half the room. Every existing row
is converted; the downgrade converts back. The column is swapped (add, fill, drop,
rename), so SQLite never rebuilds ``step_records``.

Revision ID: 0015_packed_step_data
Revises: 0014_sqlite_binary_ids
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_packed_step_data"
down_revision = "0014_sqlite_binary_ids"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    _swap(sa.LargeBinary(), lambda value: pack_json(_json(value)))


def downgrade() -> None:
    _swap(sa.JSON(), lambda packed: unpack_json(bytes(packed)))


# Written out, not imported from engine.models: a migration keeps its meaning when the
# models change (the same form as ``engine.models.pack_json``/``unpack_json``).
def pack_json(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack_json(value: bytes) -> Any:
    return json.loads(zlib.decompress(value))


def _json(value: Any) -> Any:
    """A JSON column's value as read back: a document, or its text on some drivers."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _swap(new_type: sa.types.TypeEngine[Any], convert: Callable[[Any], Any]) -> None:
    bind = op.get_bind()
    op.add_column("step_records", sa.Column("data_new", new_type, nullable=True))
    old = sa.table("step_records", sa.column("id", sa.Integer), sa.column("data"))
    new = sa.table("step_records", sa.column("id", sa.Integer),
                   sa.column("data_new", new_type))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(old.c.id, old.c.data)
            .where(old.c.id > last, old.c.data.is_not(None))
            .order_by(old.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        bind.execute(
            new.update().where(new.c.id == sa.bindparam("key"))
            .values(data_new=sa.bindparam("value", type_=new_type)),
            [{"key": row.id, "value": convert(row.data)} for row in rows],
        )
    op.execute("ALTER TABLE step_records DROP COLUMN data")
    op.execute("ALTER TABLE step_records RENAME COLUMN data_new TO data")
