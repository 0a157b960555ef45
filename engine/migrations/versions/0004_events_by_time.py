"""Events by kind and time: the sign-in throttle reads the last 15 minutes of
``sign_in_failed`` / ``signed_in`` events on every sign-in, which would otherwise scan
every such event ever written.

Revision ID: 0004_events_by_time
Revises: 0003_report_end_to_end
"""

from __future__ import annotations

from alembic import op

revision = "0004_events_by_time"
down_revision = "0003_report_end_to_end"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_at", table_name="events")
