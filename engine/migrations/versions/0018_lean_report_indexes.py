"""Leaner report indexes on ``step_records``, about 0.9 KB less per completed request on
SQLite; nothing stored changes.

- The per-step sums' index and the two duration indexes the percentiles walk hold only
  the completed records, the only ones the report sums or ranks: partial on
  ``duration_s IS NOT NULL`` (``duration_office_s`` for the office-hours walk), which
  only completion stamps (``engine.reporting.stamps``). A column they hold, so SQLite
  (3.40) can still read them alone, which an index partial on ``state = 'completed'``
  without ``state`` in its rows would not allow; ``state`` is no longer repeated.
- The duration indexes lose ``instance_id``: with a narrow filter the report now reads
  each step's kept durations once from ``ix_step_by_step`` instead of walking them.
- ``ix_step_by_instance`` is led by ``instance_id`` and holds only what the SOP time per
  request reads, so it also serves every lookup of a request's records and the plain
  ``ix_step_records_instance_id`` goes.

Revision ID: 0018_lean_report_indexes
Revises: 0017_version_dictionaries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_lean_report_indexes"
down_revision = "0017_version_dictionaries"
branch_labels = None
depends_on = None

# Written out, not imported: a migration keeps meaning what it meant when written.
STAMPED = "duration_s IS NOT NULL"  # the completed records (engine.reporting.stamps)
STAMPED_OFFICE = "duration_office_s IS NOT NULL"
DURATIONS = ["duration_s", "waiting_s", "working_s",
             "duration_office_s", "waiting_office_s", "working_office_s"]
NEW = {
    "ix_step_by_step": (["bpmn_id", "pass_no", "due_at", "target_s", *DURATIONS,
                         "instance_id"], STAMPED),
    "ix_step_by_instance": (["instance_id", "due_at", "ready_at", "target_s",
                             "duration_s", "duration_office_s"], None),
    "ix_step_duration": (["bpmn_id", "duration_s"], STAMPED),
    "ix_step_duration_office": (["bpmn_id", "duration_office_s"], STAMPED_OFFICE),
}
OLD = {  # as migration 0010 made them
    "ix_step_by_step": ["state", "bpmn_id", "pass_no", "due_at", "target_s", *DURATIONS,
                        "instance_id"],
    "ix_step_by_instance": ["state", "instance_id", "due_at", "ready_at", "target_s",
                            "bpmn_id", "pass_no", *DURATIONS],
    "ix_step_duration": ["state", "bpmn_id", "duration_s", "instance_id"],
    "ix_step_duration_office": ["state", "bpmn_id", "duration_office_s", "instance_id"],
}


def upgrade() -> None:
    for name, (columns, where) in NEW.items():
        op.drop_index(name, table_name="step_records")
        clause = sa.text(where) if where else None
        op.create_index(name, "step_records", columns,
                        sqlite_where=clause, postgresql_where=clause)
    op.drop_index("ix_step_records_instance_id", table_name="step_records")


def downgrade() -> None:
    op.create_index("ix_step_records_instance_id", "step_records", ["instance_id"])
    for name, columns in OLD.items():
        op.drop_index(name, table_name="step_records")
        op.create_index(name, "step_records", columns)
