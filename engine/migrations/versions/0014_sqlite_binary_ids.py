"""SQLite only: the ids repeated in every row of a request, its own (32 hex digits) and
its tasks' (36-character UUIDs), stored as their 16 bytes instead of text, in the rows and
in every index that holds them (``engine.models.InstanceId`` and ``TaskId``). The columns
keep their declared types, so no table is rebuilt; every id in canonical form is
converted (anything else stays text, as the types read and write it), and the downgrade
writes the text back. PostgreSQL keeps its text: nothing to do.

Revision ID: 0014_sqlite_binary_ids
Revises: 0013_sqlite_times
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from alembic import op

revision = "0014_sqlite_binary_ids"
down_revision = "0013_sqlite_times"
branch_labels = None
depends_on = None

# Every id column as of this migration (written out: a migration keeps its meaning).
INSTANCE_IDS = {
    "instances": "id", "step_records": "instance_id", "events": "instance_id",
    "jobs": "instance_id", "mail_messages": "instance_id", "attachments": "instance_id",
    "documents": "instance_id", "bookings": "instance_id",
}
TASK_IDS = {"step_records": "task_id", "events": "task_id", "jobs": "task_id"}
HEX = frozenset("0123456789abcdef")


def _pack_hex(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 32 and HEX.issuperset(value):
        return bytes.fromhex(value)
    return value


def _pack_uuid(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 36 and HEX.issuperset(value.replace("-", "")):
        packed = uuid.UUID(value)
        if str(packed) == value:
            return packed.bytes
    return value


def _unpack_hex(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def _unpack_uuid(value: Any) -> Any:
    return str(uuid.UUID(bytes=value)) if isinstance(value, bytes) and len(value) == 16 else value


def _convert(ids: dict[str, str], name: str, function: Callable[[Any], Any], stored: str) -> None:
    raw: Any = op.get_bind().connection.driver_connection
    raw.create_function(name, 1, function, deterministic=True)
    for table, column in ids.items():
        # names from the constants above, never from input
        op.execute(f'UPDATE "{table}" SET "{column}" = {name}("{column}") '  # noqa: S608
                   f"WHERE typeof(\"{column}\") = '{stored}'")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("PRAGMA defer_foreign_keys = ON")  # parents and children change in turn
    _convert(INSTANCE_IDS, "alur_pack_hex", _pack_hex, "text")
    _convert(TASK_IDS, "alur_pack_uuid", _pack_uuid, "text")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("PRAGMA defer_foreign_keys = ON")
    _convert(INSTANCE_IDS, "alur_unpack_hex", _unpack_hex, "blob")
    _convert(TASK_IDS, "alur_unpack_uuid", _unpack_uuid, "blob")
