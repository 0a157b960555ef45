"""Documents: the FPVC each pass produces (number, verification code, SHA-256, where its
bytes are), the signer's NIP and position on users, and the document a mail attaches.

Revision ID: 0005_documents
Revises: 0004_events_by_time
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0005_documents"
down_revision = "0004_events_by_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("nip", sa.String(32), nullable=True))
        batch.add_column(sa.Column("jabatan", sa.String(200), nullable=True))
    with op.batch_alter_table("mail_messages") as batch:
        batch.add_column(sa.Column("document_id", sa.String(32), nullable=True))
    op.create_table(
        "documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "instance_id",
            sa.String(32),
            sa.ForeignKey("instances.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("pass_no", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_name", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("decision", sa.String(200), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("signer_jabatan", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("signed", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("instance_id", "pass_no", "kind"),
    )
    op.create_index("ix_documents_instance_id", "documents", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_instance_id", table_name="documents")
    op.drop_table("documents")
    with op.batch_alter_table("mail_messages") as batch:
        batch.drop_column("document_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("jabatan")
        batch.drop_column("nip")
