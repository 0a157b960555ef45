"""sessions and tokens: a per-user session epoch, and API tokens that expire

``users.session_epoch`` is raised on sign-out and on a password change, so a session
signed in before (a copied cookie) stops working; ``api_tokens.expires_at`` bounds a
token's life (NULL: never expires, as every token issued before this revision).

Revision ID: 0007_sessions_and_tokens
Revises: 0006_pack_roles_and_numbers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0007_sessions_and_tokens"
down_revision = "0006_pack_roles_and_numbers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", engine.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
