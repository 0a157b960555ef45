"""The process is a pack of data: a step record keeps the role that works its lane (the
pack's lane ``role`` property), and an instance keeps its request number (the pack's
``number_prefix``), fixed when it starts.

Rows written before this revision get what the first pack declared: the lane names of the
video-conference SOP mapped to their roles, and numbers ``VC-`` plus the id's first eight
characters, as they were shown. Versions deployed before it get ``lane_roles`` and
``number_prefix`` in their meta the same way.

Revision ID: 0006_pack_roles_and_numbers
Revises: 0005_documents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_pack_roles_and_numbers"
down_revision = "0005_documents"
branch_labels = None
depends_on = None

# What the code said before the pack did (historic: only for rows written until now).
LEGACY_LANE_ROLES = {
    "Pemohon": "pemohon",
    "Staf Seksi IIDC": "staf_iidc",
    "Sub Koordinator Infrastruktur Internet dan Data Center": "subkoor_iidc",
}


def upgrade() -> None:
    # Plain ALTERs: a batch copy of the tables would lose 0003's expression index.
    op.add_column("step_records", sa.Column("role", sa.String(length=32), nullable=True))
    op.drop_index("ix_step_ready_lane", table_name="step_records")
    op.create_index("ix_step_ready_role", "step_records", ["state", "role"], unique=False)
    op.add_column(
        "instances",
        sa.Column("number", sa.String(length=40), nullable=False, server_default=""),
    )
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
    op.drop_column("instances", "number")
    op.drop_index("ix_step_ready_role", table_name="step_records")
    op.create_index("ix_step_ready_lane", "step_records", ["state", "lane"], unique=False)
    op.drop_column("step_records", "role")
