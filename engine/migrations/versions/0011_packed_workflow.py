"""An instance's task tree stored zlib-compressed: ``instances.workflow`` becomes a binary
column holding the compact JSON compressed (``engine.models.PackedJSON``), about a fifth
of the JSON text. Every existing row is converted; the downgrade converts back.

The column is swapped (add, fill, drop, rename) rather than altered, so SQLite never
rebuilds ``instances``: dropping that table would cascade to its step records.

Revision ID: 0011_packed_workflow
Revises: 0010_step_durations
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011_packed_workflow"
down_revision = "0010_step_durations"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    empty = "''::bytea" if op.get_bind().dialect.name == "postgresql" else "X''"
    _swap(sa.LargeBinary(), empty, lambda text: pack_json(_json(text)))


def downgrade() -> None:
    _swap(sa.JSON(), "'{}'", lambda packed: unpack_json(bytes(packed)))


# Written out, not imported from engine.models: a migration keeps its meaning when the
# models change (the same form as ``engine.models.pack_json``/``unpack_json``).
def pack_json(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack_json(value: bytes) -> Any:
    return json.loads(zlib.decompress(value))


def _json(value: Any) -> Any:
    """A JSON column's value as read back: a document, or its text on some drivers."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _swap(new_type: sa.types.TypeEngine[Any], empty: str,
          convert: Callable[[Any], Any]) -> None:
    bind = op.get_bind()
    op.add_column("instances", sa.Column("workflow_new", new_type, nullable=False,
                                         server_default=sa.text(empty)))
    old = sa.table("instances", sa.column("id", sa.String), sa.column("workflow"))
    new = sa.table("instances", sa.column("id", sa.String),
                   sa.column("workflow_new", new_type))
    ids = [row.id for row in bind.execute(sa.select(old.c.id).order_by(old.c.id))]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = bind.execute(sa.select(old.c.id, old.c.workflow).where(old.c.id.in_(chunk)))
        values = [{"key": row.id, "value": convert(row.workflow)} for row in rows]
        if values:
            bind.execute(
                new.update().where(new.c.id == sa.bindparam("key"))
                .values(workflow_new=sa.bindparam("value", type_=new_type)),
                values,
            )
    op.execute("ALTER TABLE instances DROP COLUMN workflow")
    op.execute("ALTER TABLE instances RENAME COLUMN workflow_new TO workflow")
    if bind.dialect.name == "postgresql":  # SQLite cannot drop a default in place
        op.alter_column("instances", "workflow", server_default=None)
