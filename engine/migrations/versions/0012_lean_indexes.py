"""Narrower indexes: the throttles' ``(kind, at)`` and the breach counts' lookup index
only the events of their kinds (partial indexes, on both databases) instead of every
event of every request, and the mails lose the index on ``created_at`` no query reads
(the outbox lists by ``id``); the inbox's ``(state, role)`` holds only the steps waiting
now. About 1.8 KB less per completed request; nothing stored changes.

Revision ID: 0012_lean_indexes
Revises: 0011_packed_workflow
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_lean_indexes"
down_revision = "0011_packed_workflow"
branch_labels = None
depends_on = None

# Written out, not imported: a migration keeps meaning what it meant when written.
THROTTLED = "kind = 'sign_in_failed' OR kind = 'signed_in' OR kind = 'signature_failed'"
BREACHED = "kind = 'target_breached'"


def _partial(name: str, columns: list[str], where: str) -> None:
    clause = sa.text(where)
    op.create_index(name, "events", columns, sqlite_where=clause, postgresql_where=clause)


def upgrade() -> None:
    op.drop_index("ix_events_kind_at", table_name="events")
    op.drop_index("ix_events_kind", table_name="events")
    _partial("ix_events_throttle", ["kind", "at"], THROTTLED)
    _partial("ix_events_breach", ["task_id", "instance_id"], BREACHED)
    op.drop_index("ix_mail_messages_created_at", table_name="mail_messages")
    op.drop_index("ix_step_ready_role", table_name="step_records")
    ready = sa.text("state = 'ready'")
    op.create_index("ix_step_ready_role", "step_records", ["state", "role"],
                    sqlite_where=ready, postgresql_where=ready)


def downgrade() -> None:
    op.drop_index("ix_step_ready_role", table_name="step_records")
    op.create_index("ix_step_ready_role", "step_records", ["state", "role"])
    op.create_index("ix_mail_messages_created_at", "mail_messages", ["created_at"])
    op.drop_index("ix_events_breach", table_name="events")
    op.drop_index("ix_events_throttle", table_name="events")
    op.create_index("ix_events_kind", "events", ["kind", "instance_id", "task_id"])
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
