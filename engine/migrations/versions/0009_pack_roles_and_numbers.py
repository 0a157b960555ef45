"""The process is a pack of data: a step record keeps the role that works its lane (the
pack's lane ``role`` property), and an instance keeps its request number (the pack's
``number_prefix``), fixed when it starts.

Rows written before this revision get what the first pack declared: the lane names of the
video-conference SOP mapped to their roles, and numbers ``VC-`` plus the id's first eight
characters, as they were shown. Versions deployed before it get ``lane_roles`` and
``number_prefix`` in their meta the same way.

Revision ID: 0009_pack_roles_and_numbers
Revises: 0004_events_by_time
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_pack_roles_and_numbers"
down_revision = "0004_events_by_time"
branch_labels = None
depends_on = None

# What the code said before the pack did (historic: only for rows written until now).
LEGACY_LANE_ROLES = {
    "Pemohon": "pemohon",
    "Staf Seksi IIDC": "staf_iidc",
    "Sub Koordinator Infrastruktur Internet dan Data Center": "subkoor_iidc",
}


def upgrade() -> None:
    with op.batch_alter_table("step_records") as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=32), nullable=True))
        batch_op.drop_index("ix_step_ready_lane")
        batch_op.create_index("ix_step_ready_role", ["state", "role"], unique=False)
    with op.batch_alter_table("instances") as batch_op:
        batch_op.add_column(sa.Column("number", sa.String(length=40), nullable=True))
    bind = op.get_bind()
    for lane, role in LEGACY_LANE_ROLES.items():
        bind.execute(
            sa.text("UPDATE step_records SET role = :role WHERE lane = :lane"),
            {"role": role, "lane": lane},
        )
    for (instance_id,) in bind.execute(sa.text("SELECT id FROM instances")).fetchall():
        bind.execute(
            sa.text("UPDATE instances SET number = :n WHERE id = :id"),
            {"n": "VC-" + instance_id[:8].upper(), "id": instance_id},
        )
    with op.batch_alter_table("instances") as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(length=40), nullable=False)
    _backfill_version_meta(bind)


LEGACY_FIELDS = {
    "title": "nama_kegiatan", "unit": "instansi", "date": "tanggal",
    "start_time": "jam_mulai", "end_time": "jam_selesai", "contact_email": "email",
}
LEGACY_DECISION = {"field": "keputusan", "reason": "alasan", "declined": ["tidak_setuju"]}
VERSIONS = sa.table(
    "process_versions", sa.column("id", sa.Integer), sa.column("meta", sa.JSON),
    sa.column("forms", sa.JSON),
)


def _backfill_version_meta(bind: sa.engine.Connection) -> None:
    for version_id, meta, forms in bind.execute(
        sa.select(VERSIONS.c.id, VERSIONS.c.meta, VERSIONS.c.forms)
    ).fetchall():
        meta, forms = dict(meta or {}), dict(forms or {})
        lanes = meta.get("lanes") or []
        legacy = "Staf Seksi IIDC" in lanes
        meta.setdefault("lane_roles", {k: v for k, v in LEGACY_LANE_ROLES.items() if k in lanes})
        meta.setdefault("number_prefix", "VC" if legacy else "REQ")
        meta.setdefault("operator_lane", "Staf Seksi IIDC" if legacy else None)
        meta.setdefault("fields", LEGACY_FIELDS if legacy else {})
        approval = forms.get("persetujuan.schema.json")
        if legacy and isinstance(approval, dict) and "x-decision" not in approval:
            forms["persetujuan.schema.json"] = {**approval, "x-decision": LEGACY_DECISION}
        bind.execute(
            sa.update(VERSIONS).where(VERSIONS.c.id == version_id).values(meta=meta, forms=forms)
        )


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch_op:
        batch_op.drop_column("number")
    with op.batch_alter_table("step_records") as batch_op:
        batch_op.drop_index("ix_step_ready_role")
        batch_op.create_index("ix_step_ready_lane", ["state", "lane"], unique=False)
        batch_op.drop_column("role")
