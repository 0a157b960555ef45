"""Worker heartbeats: one row per worker with the time it was last seen, so readiness
checks can tell whether anyone is running the outbox.

Revision ID: 0009_worker_beats
Revises: 0008_record_and_chain
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0009_worker_beats"
down_revision = "0008_record_and_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_beats",
        sa.Column("worker_id", sa.String(64), primary_key=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_worker_beats_seen_at", "worker_beats", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_beats_seen_at", table_name="worker_beats")
    op.drop_table("worker_beats")
