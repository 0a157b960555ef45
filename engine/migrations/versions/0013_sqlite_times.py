"""SQLite only: times stored as integer microseconds since 1970 instead of SQLAlchemy's
text (``2026-11-30 01:00:00.000000``): 8 bytes or fewer instead of 27, in every row and
every index that holds a time; they order and compare the same (``engine.models.
UTCDateTime``). The columns stay declared DATETIME, so no table is rebuilt; every stored
text is converted, and the downgrade writes it back. PostgreSQL keeps its ``timestamp``
columns: nothing to do.

Revision ID: 0013_sqlite_times
Revises: 0012_lean_indexes
"""

from __future__ import annotations

from alembic import op

revision = "0013_sqlite_times"
down_revision = "0012_lean_indexes"
branch_labels = None
depends_on = None

# Every time column as of this migration (written out: a migration keeps its meaning).
COLUMNS = {
    "bookings": ("start", "end", "created_at"),
    "events": ("at",),
    "jobs": ("run_after", "locked_at", "created_at", "finished_at"),
    "mail_messages": ("created_at", "sent_at"),
    "process_versions": ("deployed_at",),
    "users": ("created_at",),
    "worker_beats": ("seen_at",),
    "api_tokens": ("created_at", "last_used_at", "expires_at"),
    "instances": ("created_at", "completed_at"),
    "attachments": ("uploaded_at",),
    "documents": ("decided_at", "created_at"),
    "step_records": ("ready_at", "due_at", "opened_at", "claimed_at", "completed_at"),
}
# 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) → microseconds, and back.
TO_MICROS = ("CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000"
             " + CAST(substr(substr({c}, 21) || '000000', 1, 6) AS INTEGER)")
TO_TEXT = ("strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch')"
           " || '.' || printf('%06d', {c} % 1000000)")


def _convert(template: str, stored: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            c = f'"{column}"'
            # names and forms from the constants above, never from input
            op.execute(f'UPDATE "{table}" SET {c} = {template.format(c=c)} '  # noqa: S608
                       f"WHERE typeof({c}) = '{stored}'")


def upgrade() -> None:
    _convert(TO_MICROS, "text")


def downgrade() -> None:
    _convert(TO_TEXT, "integer")
