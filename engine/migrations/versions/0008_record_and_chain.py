"""The official record: each step record keeps what its pass submitted (``data``) and the
name of who did it (``completed_by_name``); events become a hash chain (``seq``,
``prev_hash``, ``hash``; see ``engine.audit``). Events already written are chained in
their ``id`` order, so ``alur audit verify`` holds from the first one.

Revision ID: 0008_record_and_chain
Revises: 0007_sessions_and_tokens
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from engine.audit import GENESIS, body_digest, link_hash

revision = "0008_record_and_chain"
down_revision = "0007_sessions_and_tokens"
branch_labels = None
depends_on = None


def _chain_existing() -> None:
    bind = op.get_bind()
    events = sa.table(
        "events", sa.column("id", sa.Integer), sa.column("seq", sa.BigInteger),
        sa.column("prev_hash", sa.LargeBinary), sa.column("hash", sa.LargeBinary),
        sa.column("at", sa.DateTime), sa.column("instance_id", sa.String),
        sa.column("actor", sa.String), sa.column("kind", sa.String),
        sa.column("task_id", sa.String), sa.column("detail", sa.JSON),
        sa.column("remote_addr", sa.String),
    )
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        fields = dict(row)
        fields["at"] = row["at"].replace(tzinfo=UTC)  # stored naive UTC
        fields["detail"] = row["detail"] or {}
        digest = link_hash(prev, seq, body_digest(fields))
        bind.execute(
            events.update().where(events.c.id == row["id"]).values(
                seq=seq, prev_hash=bytes.fromhex(prev), hash=bytes.fromhex(digest),
                detail=fields["detail"],
            )
        )
        prev = digest


def upgrade() -> None:
    with op.batch_alter_table("step_records") as batch:
        batch.add_column(sa.Column("completed_by_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("hash", sa.LargeBinary(32), nullable=True))
    _chain_existing()
    with op.batch_alter_table("events") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.LargeBinary(32), nullable=False)
        batch.alter_column("hash", existing_type=sa.LargeBinary(32), nullable=False)
        batch.create_index("ix_events_seq", ["seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_seq")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    with op.batch_alter_table("step_records") as batch:
        batch.drop_column("data")
        batch.drop_column("completed_by_name")
