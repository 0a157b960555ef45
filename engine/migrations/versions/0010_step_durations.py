"""step durations: each step record's durations, stamped when it completes

The durations report summed and ranked date arithmetic over every record (and, on the
working-hours clock, computed every interval in Python). Now each completed record holds
its duration, waiting and working seconds on the calendar clock and in office hours
(``engine.reporting.stamps``), and the report reads plain indexed columns. Existing
completed records are backfilled: calendar seconds in SQL, office-hours seconds in Python
with the default office hours (``alur report recompute`` applies configured ones). The
expression indexes on durations give way to plain ones (the end-to-end time is read from
the covering ``ix_instances_report``); ``ix_step_report`` (bpmn_id, completed_at), which
no query reads, goes.

Revision ID: 0010_step_durations
Revises: 0009_worker_beats
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime
from engine.reporting.stamps import DEFAULT_OFFICE_HOURS, office_durations
from engine.reporting.workclock import OfficeHours

revision = "0010_step_durations"
down_revision = "0009_worker_beats"
branch_labels = None
depends_on = None

COLUMNS = ("duration_s", "waiting_s", "working_s",
           "duration_office_s", "waiting_office_s", "working_office_s")
SECONDS = {  # seconds from column a to column b
    "sqlite": "((julianday({b}) - julianday({a})) * 86400.0)",
    "postgresql": "(EXTRACT(epoch FROM {b} - {a}))",
}
# As 0002 and 0003 built them (expression indexes, migration-only).
OLD_DURATION = {
    "sqlite": "(julianday(completed_at) - julianday(ready_at))",
    "postgresql": "(EXTRACT(epoch FROM completed_at - ready_at))",
}
OLD_END_TO_END = {
    "sqlite": "(julianday(completed_at) - julianday(created_at))",
    "postgresql": "(EXTRACT(epoch FROM completed_at - created_at))",
}
RECORDS = sa.table(
    "step_records", sa.column("id", sa.Integer), sa.column("state", sa.String),
    sa.column("ready_at", UTCDateTime()), sa.column("opened_at", UTCDateTime()),
    sa.column("completed_at", UTCDateTime()),
    *(sa.column(c, sa.Float) for c in COLUMNS),
)
BATCH = 5000


def _backfill_calendar(dialect: str) -> None:
    seconds = SECONDS.get(dialect, SECONDS["postgresql"])
    r = RECORDS.c
    op.execute(RECORDS.update().where(r.state == "completed", r.completed_at.is_not(None)).values(
        duration_s=sa.text(seconds.format(a="ready_at", b="completed_at")),
        waiting_s=sa.text(seconds.format(a="ready_at", b="opened_at")),
        working_s=sa.text(seconds.format(a="opened_at", b="completed_at")),
    ))


def _backfill_office() -> None:
    hours, bind = OfficeHours.parse(DEFAULT_OFFICE_HOURS), op.get_bind()
    r = RECORDS.c
    # Ranges of ids, filtered here: a condition on ``state`` would walk its index and sort.
    read = sa.select(r.id, r.state, r.ready_at, r.opened_at, r.completed_at)
    write = (RECORDS.update().where(r.id == sa.bindparam("rid"))
             .values(duration_office_s=sa.bindparam("d"), waiting_office_s=sa.bindparam("w"),
                     working_office_s=sa.bindparam("k")))
    top = int(bind.scalar(sa.select(sa.func.max(r.id))) or 0)
    for first in range(0, top, BATCH):
        values = []
        for rid, state, ready, opened, done in bind.execute(
                read.where(r.id > first, r.id <= first + BATCH)):
            if state == "completed" and done is not None:
                d, w, k = office_durations(hours, ready.timestamp(),
                                           opened.timestamp() if opened else None,
                                           done.timestamp())
                values.append({"rid": rid, "d": d, "w": w, "k": k})
        if values:
            bind.execute(write, values)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("step_records") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.Float(), nullable=True))
    _backfill_calendar(dialect)
    _backfill_office()
    op.drop_index("ix_instances_end_to_end", table_name="instances")
    op.drop_index("ix_step_report", table_name="step_records")  # read by no query
    op.drop_index("ix_step_duration", table_name="step_records")
    op.drop_index("ix_step_by_step", table_name="step_records")
    op.drop_index("ix_step_by_instance", table_name="step_records")
    op.create_index("ix_step_by_step", "step_records",
                    ["state", "bpmn_id", "pass_no", "due_at", "target_s", *COLUMNS,
                     "instance_id"])
    op.create_index("ix_step_by_instance", "step_records",
                    ["state", "instance_id", "due_at", "ready_at", "target_s", "bpmn_id",
                     "pass_no", *COLUMNS])
    op.create_index("ix_step_duration", "step_records",
                    ["state", "bpmn_id", "duration_s", "instance_id"])
    op.create_index("ix_step_duration_office", "step_records",
                    ["state", "bpmn_id", "duration_office_s", "instance_id"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("ix_step_duration_office", "ix_step_duration", "ix_step_by_instance",
                 "ix_step_by_step"):
        op.drop_index(name, table_name="step_records")
    with op.batch_alter_table("step_records") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
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
    duration = sa.text(OLD_DURATION.get(dialect, OLD_DURATION["postgresql"]))
    op.create_index(
        "ix_step_duration", "step_records", ["state", "bpmn_id", duration, "instance_id"]
    )
    op.create_index("ix_step_report", "step_records", ["bpmn_id", "completed_at"])
    end_to_end = sa.text(OLD_END_TO_END.get(dialect, OLD_END_TO_END["postgresql"]))
    op.create_index("ix_instances_end_to_end", "instances", ["status", end_to_end])
