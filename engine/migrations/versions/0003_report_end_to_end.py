"""report index: completed requests ordered by their end-to-end time

The durations report reads the median and 90th percentile of created → completed by walking
this index (``ORDER BY ... LIMIT 2 OFFSET k``) instead of sorting every completed request.

Revision ID: 0003_report_end_to_end
Revises: 0002_report_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_report_end_to_end"
down_revision = "0002_report_indexes"
branch_labels = None
depends_on = None

# Must stay the expression of engine.reporting.scope.Dialect.end_to_end_key.
END_TO_END = {
    "sqlite": "(julianday(completed_at) - julianday(created_at))",
    "postgresql": "(EXTRACT(epoch FROM completed_at - created_at))",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    expression = sa.text(END_TO_END.get(dialect, END_TO_END["postgresql"]))
    op.create_index("ix_instances_end_to_end", "instances", ["status", expression])


def downgrade() -> None:
    op.drop_index("ix_instances_end_to_end", table_name="instances")
