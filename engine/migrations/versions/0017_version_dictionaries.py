"""version dictionaries: a request's texts and documents packed with its version's own

Each process version gets ``dictionaries`` (``engine.dictionaries``, made here for the
versions deployed before), and the mail's subject and body and the events' details become
bytes, packed with them by new writes (``engine.packing``). What was written before is
left as it was: PostgreSQL turns each such value into its UTF-8 bytes (``bytea``), SQLite
keeps the column's declared type and the text itself, and the readers read both forms.
The events lose ``prev_hash``, a copy of the previous event's ``hash`` (the chain is
checked against that row), and ``seq`` becomes their primary key instead of ``id`` (no
index of its own); the mail loses its index by request (nothing reads mail so). The
downgrade puts all that back, unpacks what was packed (with the dictionaries stored
here) and turns the columns back into text.

Revision ID: 0017_version_dictionaries
Revises: 0016_end_to_end_stamps
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine import dictionaries, packing

revision = "0017_version_dictionaries"
down_revision = "0016_end_to_end_stamps"
branch_labels = None
depends_on = None

BATCH = 1000
#: table, column, its type before on PostgreSQL
TEXTS = (("mail_messages", "subject", "VARCHAR(255)"), ("mail_messages", "body", "TEXT"),
         ("events", "detail", "JSON"))
DOCUMENTS = (("instances", "workflow"), ("step_records", "data"))


def upgrade() -> None:
    op.add_column("process_versions", sa.Column("dictionaries", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    versions = sa.table("process_versions", sa.column("id", sa.Integer),
                        sa.column("spec", sa.JSON), sa.column("meta", sa.JSON),
                        sa.column("forms", sa.JSON),
                        sa.column("dictionaries", sa.LargeBinary))
    taken: dict[bytes, bytes] = {}  # no two dictionaries of the database share an id
    for row in bind.execute(sa.select(versions.c.id, versions.c.spec, versions.c.meta,
                                      versions.c.forms).order_by(versions.c.id)).all():
        made = dictionaries.build(_json(row.spec), _json(row.meta), _json(row.forms), taken)
        bind.execute(versions.update().where(versions.c.id == row.id)
                     .values(dictionaries=made))
    if bind.dialect.name == "postgresql":
        for table, column, _ in TEXTS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea "
                       f"USING convert_to({column}::text, 'UTF8')")
    op.execute("ALTER TABLE events DROP COLUMN prev_hash")  # the row before holds it
    _seq_as_key(postgres=bind.dialect.name == "postgresql")
    op.drop_index("ix_mail_messages_instance_id", table_name="mail_messages")
    with op.batch_alter_table("mail_messages") as batch:  # SQLite: a rebuild (no index)
        batch.alter_column("subject", existing_type=sa.String(255), nullable=True)


def _seq_as_key(*, postgres: bool) -> None:
    """``seq`` becomes the primary key in the place of ``id`` (which had the same order):
    each ``id`` takes its row's ``seq`` (through the negatives, so no two rows ever share
    one), ``seq`` and its unique index go, ``id`` is renamed ``seq``. No table rebuild;
    on SQLite it stays the rowid."""
    op.execute("UPDATE events SET id = -seq")
    op.execute("UPDATE events SET id = -id")
    op.drop_index("ix_events_seq", table_name="events")
    op.execute("ALTER TABLE events DROP COLUMN seq")
    op.execute("ALTER TABLE events RENAME COLUMN id TO seq")
    if postgres:  # a BIGINT like the old seq, given by the chain's INSERT only
        op.execute("ALTER TABLE events ALTER COLUMN seq DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS events_id_seq")
        op.execute("ALTER TABLE events ALTER COLUMN seq TYPE BIGINT")


def _id_and_seq(*, postgres: bool) -> None:
    """Back to an ``id`` primary key (numbered from a sequence again on PostgreSQL) and
    a ``seq`` column with its unique index, holding the same numbers."""
    op.execute("ALTER TABLE events RENAME COLUMN seq TO id")
    op.add_column("events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute("UPDATE events SET seq = id")
    op.create_index("ix_events_seq", "events", ["seq"], unique=True)
    if postgres:
        op.alter_column("events", "seq", nullable=False)
        op.execute("ALTER TABLE events ALTER COLUMN id TYPE INTEGER")
        op.execute("CREATE SEQUENCE events_id_seq OWNED BY events.id")
        op.execute("SELECT setval('events_id_seq', COALESCE((SELECT max(id) FROM events), 0)"
                   " + 1, false)")
        op.execute("ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq')")


def _restore_prev_hash(postgres: bool) -> None:
    """Each event's copy of the hash before it, zeros for the first (NOT NULL again on
    PostgreSQL; SQLite cannot add it NOT NULL without a default)."""
    op.add_column("events", sa.Column("prev_hash", sa.LargeBinary(32), nullable=True))
    op.get_bind().execute(sa.text(
        "UPDATE events SET prev_hash = COALESCE((SELECT e.hash FROM events e "
        "WHERE e.seq = events.seq - 1), :genesis)"), {"genesis": bytes(32)})
    if postgres:
        op.alter_column("events", "prev_hash", nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    _dictionaries(bind)
    postgres = bind.dialect.name == "postgresql"
    op.create_index("ix_mail_messages_instance_id", "mail_messages", ["instance_id"])
    _id_and_seq(postgres=postgres)
    _restore_prev_hash(postgres)

    def plain(value: bytes) -> bytes:
        return packing.inflate(value, bind.dialect)

    _split_mail(bind, plain, postgres)
    with op.batch_alter_table("mail_messages") as batch:
        batch.alter_column("subject", existing_type=sa.String(255), nullable=False)

    for table, column, _ in TEXTS:  # packed → plain UTF-8 (PostgreSQL) or text (SQLite)
        _convert(table, column, plain if postgres else lambda v: plain(v).decode())
    for table, column in DOCUMENTS:  # packed → the zlib'd JSON of migration 0010/0015
        _convert(table, column, lambda v: zlib.compress(plain(v), 6))
    if postgres:
        for table, column, before in TEXTS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {before} "
                       f"USING convert_from({column}, 'UTF8')::{before}")
    op.drop_column("process_versions", "dictionaries")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _dictionaries(bind: sa.Connection) -> None:
    """Make every stored dictionary known to ``engine.packing`` (which reads every form
    it ever wrote), so nothing is looked up while rows are rewritten."""
    rows = bind.exec_driver_sql("SELECT dictionaries FROM process_versions "
                                "WHERE dictionaries IS NOT NULL")
    for (stored,) in rows:
        packing.learn(bind.dialect, bytes(stored))


def _split_mail(bind: sa.Connection, plain: Callable[[bytes], bytes], postgres: bool) -> None:
    """The mail written as one text (``subject`` NULL) back into subject and body."""
    t = sa.table("mail_messages", sa.column("id"), sa.column("subject"), sa.column("body"))
    rows = bind.execute(sa.select(t.c.id, t.c.body).where(t.c.subject.is_(None))).all()
    for row in rows:
        value = bytes(row.body) if isinstance(row.body, bytes | memoryview) else row.body
        text = (plain(value) if packing.is_packed(value) else value.encode()
                if isinstance(value, str) else value).decode()
        subject, _, body = text.partition("\n")
        values = (subject.encode(), body.encode()) if postgres else (subject, body)
        bind.execute(t.update().where(t.c.id == row.id)
                     .values(subject=values[0], body=values[1]))


def _convert(table: str, column: str, convert: Callable[[bytes], Any]) -> None:
    """Rewrite the packed values of ``table.column``."""
    bind = op.get_bind()
    t = sa.table(table, sa.column("id"), sa.column(column))  # the driver's own values
    last: Any = None
    while True:
        query = sa.select(t.c.id, t.c[column]).order_by(t.c.id).limit(BATCH)
        rows = bind.execute(query if last is None else query.where(t.c.id > last)).all()
        if not rows:
            return
        last = rows[-1].id
        packed = [(r.id, bytes(r[1])) for r in rows
                  if isinstance(r[1], bytes | memoryview) and packing.is_packed(bytes(r[1]))]
        if packed:
            bind.execute(
                t.update().where(t.c.id == sa.bindparam("key"))
                .values({column: sa.bindparam("value")}),
                [{"key": key, "value": convert(value)} for key, value in packed],
            )
