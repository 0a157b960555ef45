"""end-to-end stamps: a completed request's created → completed seconds, on both clocks

The report counted each completed request's end-to-end time when asked, with the office
hours configured then, while its steps' durations are stamped when they complete
(migration 0010): right after the office hours changed, one report mixed two sets of
hours. Now the request is stamped when it completes, like its steps, and ``alur report
recompute`` restamps both. Existing completed requests are backfilled in Python, with the
default office hours like 0010. ``ix_instances_report`` covers the two new columns.

Revision ID: 0016_end_to_end_stamps
Revises: 0015_packed_step_data
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime
from engine.reporting.stamps import DEFAULT_OFFICE_HOURS
from engine.reporting.workclock import OfficeHours

revision = "0016_end_to_end_stamps"
down_revision = "0015_packed_step_data"
branch_labels = None
depends_on = None

COLUMNS = ("end_to_end_s", "end_to_end_office_s")
REPORT = ["status", "created_at", "instansi", "process_version_id", "pass_count",
          "completed_at", "id"]
BATCH = 5000


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("instances", sa.Column(column, sa.Float(), nullable=True))
    _backfill()
    op.drop_index("ix_instances_report", table_name="instances")
    op.create_index("ix_instances_report", "instances", [*REPORT, *COLUMNS])


def downgrade() -> None:
    op.drop_index("ix_instances_report", table_name="instances")
    for column in COLUMNS:
        op.execute(f"ALTER TABLE instances DROP COLUMN {column}")
    op.create_index("ix_instances_report", "instances", REPORT)


def _backfill() -> None:
    hours, bind = OfficeHours.parse(DEFAULT_OFFICE_HOURS), op.get_bind()
    table = sa.table("instances", sa.column("id", sa.String), sa.column("status", sa.String),
                     sa.column("created_at", UTCDateTime()),
                     sa.column("completed_at", UTCDateTime()),
                     *(sa.column(c, sa.Float) for c in COLUMNS))
    t = table.c
    done = [(row.id, row.created_at, row.completed_at) for row in bind.execute(
        sa.select(t.id, t.created_at, t.completed_at).where(t.status == "completed"))]
    write = (table.update().where(t.id == sa.bindparam("key"))
             .values(end_to_end_s=sa.bindparam("c"), end_to_end_office_s=sa.bindparam("o")))
    for start in range(0, len(done), BATCH):
        values = [
            {"key": key, "c": (end - begin).total_seconds(),
             "o": hours.seconds(begin.timestamp(), end.timestamp())}
            for key, begin, end in done[start:start + BATCH] if end is not None
        ]
        if values:
            bind.execute(write, values)
