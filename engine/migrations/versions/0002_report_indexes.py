"""report indexes: covering and ordered indexes for the durations report

The report must answer over 100,000 instances within a second on SQLite, which cannot
sort half a million rows that fast: its aggregates stream from covering indexes, its
percentiles walk an index ordered by duration, and it never reads an instance row (each
carries its serialized workflow). See ``engine/reporting/queries.py``.

Revision ID: 0002_report_indexes
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_report_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None

# Must stay the expression of engine.reporting.queries.Dialect.duration_key.
DURATION = {
    "sqlite": "(julianday(completed_at) - julianday(ready_at))",
    "postgresql": "(EXTRACT(epoch FROM completed_at - ready_at))",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        "ix_instances_report", "instances",
        ["status", "created_at", "instansi", "process_version_id", "pass_count",
         "completed_at", "id"],
    )
    op.create_index(
        "ix_step_by_step", "step_records",
        ["state", "bpmn_id", "pass_no", "ready_at", "opened_at", "completed_at", "due_at",
         "instance_id"],
    )
    op.create_index(
        "ix_step_by_instance", "step_records",
        ["state", "instance_id", "bpmn_id", "pass_no", "due_at", "ready_at", "opened_at",
         "completed_at"],
    )
    duration = sa.text(DURATION.get(dialect, DURATION["postgresql"]))
    op.create_index(
        "ix_step_duration", "step_records", ["state", "bpmn_id", duration, "instance_id"]
    )
    op.create_index("ix_events_kind", "events", ["kind", "instance_id", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_events_kind", table_name="events")
    op.drop_index("ix_step_duration", table_name="step_records")
    op.drop_index("ix_step_by_instance", table_name="step_records")
    op.drop_index("ix_step_by_step", table_name="step_records")
    op.drop_index("ix_instances_report", table_name="instances")
