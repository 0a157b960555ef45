"""The engine's tables: one SQLAlchemy 2.0 ``DeclarativeBase`` for the whole application.

The web layer wires Flask-SQLAlchemy with ``SQLAlchemy(model_class=Base)``; nothing here
knows about Flask. Times are stored as UTC and come back timezone-aware (``UTCDateTime``).
Schema changes go through the Alembic migrations in ``engine/migrations``.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    MappedColumn,
    column_property,
    mapped_column,
    relationship,
    validates,
)
from sqlalchemy.types import TypeEngine, UserDefinedType

from engine import packing


class _SQLiteMicroseconds(UserDefinedType[int]):
    """SQLite's storage of a UTC time: integer microseconds since 1970 (8 bytes or fewer)
    in a column still declared DATETIME, passed through as it is."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "DATETIME"


class _SQLiteDeclared(UserDefinedType[Any]):
    """A column SQLite keeps declared as it was (``name``) while the values it stores
    change form (SQLite stores any value in any column): no table rebuild, which would
    copy every row and cascade to the rows that refer to it."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **_kw: Any) -> str:
        return self.name


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input so no local time slips in.

    PostgreSQL stores a ``timestamp`` (8 bytes). SQLite has no time type: SQLAlchemy's
    default text (``2026-11-30 01:00:00.000000``, 27 bytes with its header) is stored
    instead as integer microseconds since 1970 (migration 0013), which order and compare
    the same, in a third of the room; the reports turn them into seconds or dates in SQL
    (``engine.reporting.scope.Dialect``). Text left by an older version is still read."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteMicroseconds())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if dialect.name == "sqlite":
            return (value - EPOCH) // MICROSECOND
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return EPOCH + value * MICROSECOND
        if isinstance(value, str):  # SQLite text written before migration 0013
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return cast(datetime, value).replace(tzinfo=UTC)


class Packed(bytes):
    """A value its writer packed already (``PackedJSON.pack``), stored as it is: the
    writer then knows the very bytes the row holds (``engine.workflow_cache`` compares
    them with what a later read finds)."""


class PackedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON document stored compressed: with its version's dictionary when the writer
    hands a ``packing.Document`` (an instance's task tree, what a pass submitted), else
    zlib-compressed (compact separators, level 6), as every value was before migration
    0017. Both read back the same document. A ``Packed`` value is written as it is."""

    impl = LargeBinary
    cache_ok = True

    def pack(self, value: dict[str, Any], dialect: Dialect) -> Packed:
        """The bytes ``value`` is stored as, to be written as they are."""
        return Packed(cast(bytes, self.process_bind_param(value, dialect)))

    def process_bind_param(
        self, value: dict[str, Any] | None, dialect: Dialect
    ) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Packed):
            return bytes(value)
        if isinstance(value, packing.Document) and value.dictionary is not None:
            return packing.deflate(packing.dumps(value), value.dictionary, dialect)
        return pack_json(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        if packing.is_packed(value):
            return cast(dict[str, Any], json.loads(packing.inflate(value, dialect)))
        return cast(dict[str, Any], unpack_json(value))


class PackedRecord(PackedJSON):
    """What a pass submitted (a step record's data): read as ``PackedJSON``, except that a
    value whose stored bytes were changed reads as an empty ``UnreadableDetail`` instead of
    failing the query, so ``audit.verify`` reports it and the pages still open."""

    cache_ok = True

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        try:
            found = super().process_result_value(value, dialect)
        except (ValueError, LookupError, RecursionError, zlib.error) as error:  # by hand
            return UnreadableDetail(value, error)
        return found if found is None or isinstance(found, dict) else UnreadableDetail(
            value, TypeError(f"{type(found).__name__}, not an object"))


class PackedText(TypeDecorator[str]):
    """A text stored as bytes: packed with its version's dictionary when the writer hands
    a ``packing.Text``, else its plain UTF-8. The texts written before migration 0017 are
    its plain UTF-8 on PostgreSQL (``bytea`` since) and still text on SQLite, where the
    column keeps its declared type (``sqlite``)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, sqlite: str) -> None:
        super().__init__()
        self.sqlite = sqlite

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteDeclared(self.sqlite))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, packing.Text) and value.dictionary is not None:
            return packing.deflate(value.encode(), value.dictionary, dialect)
        return value.encode()

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if packing.is_packed(value):
            return packing.inflate(value, dialect).decode()
        return bytes(value).decode()


class PackedDetail(TypeDecorator[dict[str, Any]]):
    """An event's detail, a JSON object stored as bytes: packed with its version's
    dictionary when the writer hands a ``packing.Document``, else its plain JSON text.
    The details written before migration 0017 are their JSON text as written, in UTF-8
    on PostgreSQL (``bytea`` since), as text on SQLite (the column stays ``JSON``)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteDeclared("JSON"))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, packing.Document) and value.dictionary is not None:
            return packing.deflate(packing.dumps(value), value.dictionary, dialect)
        return packing.dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        try:
            if isinstance(value, bytes) and packing.is_packed(value):
                value = packing.inflate(value, dialect)
            found = json.loads(value)
        except (ValueError, LookupError, RecursionError, zlib.error) as error:  # by hand
            return UnreadableDetail(value, error)
        return found if found is None or isinstance(found, dict) else UnreadableDetail(
            value, TypeError(f"{type(found).__name__}, not an object"))


class UnreadableDetail(dict[str, Any]):
    """An event detail or a step record's data that is no JSON object, or not one this
    database can unpack (its bytes changed since written): empty for whoever shows it, a
    broken link for ``audit.verify``."""

    __slots__ = ("stored", "error")

    def __init__(self, stored: Any, error: Exception) -> None:
        super().__init__()
        self.stored = stored
        self.error = error


class InstanceId(TypeDecorator[str]):
    """A request's id, a UUID in 32 lowercase hex digits (``uuid4().hex``). SQLite keeps
    it as its 16 bytes (migration 0014): the id is repeated in every record, event, mail
    and job of the request and in half their indexes. Any other text (never written by
    Alur) is kept as text, so an id always reads back exactly as it was written.
    PostgreSQL keeps the text."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        packed = _hex_bytes(value, 32)
        return value if packed is None else packed

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return value.hex() if isinstance(value, bytes) else value


class TaskId(TypeDecorator[str]):
    """A task's id, a UUID in its canonical 36-character form: 16 bytes on SQLite
    (migration 0014), like ``InstanceId``."""

    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        packed = _uuid_bytes(value)
        return value if packed is None else packed

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if not isinstance(value, bytes):
            return cast(str | None, value)
        if len(value) != 16:  # what ``uuid.UUID(bytes=...)`` refuses
            raise ValueError("bytes is not a 16-char string")
        # ``str(uuid.UUID(bytes=value))`` without building the UUID (every record read)
        h = value.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_HEX = frozenset("0123456789abcdef")


def _hex_bytes(value: str, length: int) -> bytes | None:
    """The bytes of ``value`` if it is exactly ``length`` lowercase hex digits."""
    if len(value) != length or not _HEX.issuperset(value):
        return None
    return bytes.fromhex(value)


def _uuid_bytes(value: str) -> bytes | None:
    """The 16 bytes of a UUID written in its canonical (lowercase, dashed) form."""
    if len(value) != 36 or value[8] != "-" or value[13] != "-" or value[18] != "-" or (
            value[23] != "-"):
        return None
    return _hex_bytes(value.replace("-", ""), 32)


def pack_json(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack_json(value: bytes) -> Any:
    return json.loads(zlib.decompress(value))


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # An official's civil-servant number and position, printed in the signature block of
    # the documents they sign (migration 0005).
    nip: Mapped[str | None] = mapped_column(String(32))
    jabatan: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Raised on sign-out and password change: a session signed in under an older epoch
    # (a copied cookie) is no longer accepted.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by="UserRole.role"
    )


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessVersion(Base):
    """One deployed revision of a BPMN file. ``spec`` is the serialized Spiff spec, stored
    once here instead of inside every instance."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    # The heavy columns load on first access, once per session (lists never touch them).
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # The version's compression dictionaries (``engine.packing``), made at deploy from its
    # own content and never changed: rows packed with them name them (migration 0017).
    dictionaries: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(InstanceId, primary_key=True)
    # The request number people quote, fixed at start (its prefix is the pack's).
    number: Mapped[str] = mapped_column(String(40), server_default="")
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The task tree without the spec (the version holds it), compressed (migration 0010).
    workflow: Mapped[dict[str, Any]] = mapped_column(PackedJSON, deferred=True)
    # The same column as the bytes stored, not unpacked (read-only): what a step loads, to
    # find the workflow this process saved as these bytes (``engine.workflow_cache``)
    # without parsing the tree; unpacked only when it must be restored.
    stored_workflow: Mapped[bytes] = column_property(
        type_coerce(cast(MappedColumn[Any], workflow).column, LargeBinary), deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(16))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    pass_count: Mapped[int] = mapped_column(Integer, default=1)
    current_step: Mapped[str | None] = mapped_column(String(255))
    kegiatan: Mapped[str | None] = mapped_column(String(255))
    tanggal: Mapped[str | None] = mapped_column(String(10))
    instansi: Mapped[str | None] = mapped_column(String(255), index=True)
    incident: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seconds created → completed on the calendar and in office hours, stamped when the
    # request completes (engine.reporting.stamps; migration 0016).
    end_to_end_s: Mapped[float | None] = mapped_column(Float)
    end_to_end_office_s: Mapped[float | None] = mapped_column(Float)

    version: Mapped[ProcessVersion] = relationship(lazy="joined")
    requester: Mapped[User] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (  # covering index of the reports (migrations 0002, 0016)
        Index(
            "ix_instances_report",
            "status",
            "created_at",
            "instansi",
            "process_version_id",
            "pass_count",
            "completed_at",
            "id",
            "end_to_end_s",
            "end_to_end_office_s",
        ),
    )


READY = text("state = 'ready'")
# The completed records: stamped with their durations when they complete, all at once
# (engine.reporting.stamps), and no other record is.
STAMPED = text("duration_s IS NOT NULL")
STAMPED_OFFICE = text("duration_office_s IS NOT NULL")
DURATION_COLUMNS = ("duration_s", "waiting_s", "working_s",
                    "duration_office_s", "waiting_office_s", "working_office_s")


class StepRecord(Base):
    """One task of one pass: the inbox and the reports read these rows, never the JSON."""

    __tablename__ = "step_records"
    __table_args__ = (
        # the inbox's: only the steps waiting now (partial, migration 0012)
        Index("ix_step_ready_role", "state", "role", sqlite_where=READY, postgresql_where=READY),
        # The reports' indexes (migrations 0010, 0018): sums stream from ix_step_by_step,
        # percentiles walk ix_step_duration(_office) in order. The three hold only the
        # completed records, the only ones the report sums or ranks, partial on a column
        # they hold (``reporting.per_step.stamped``), so they need no ``state``.
        # ix_step_by_instance groups a request's records for its SOP time and serves
        # every lookup of a request's records.
        Index("ix_step_by_step", "bpmn_id", "pass_no", "due_at", "target_s",
              *DURATION_COLUMNS, "instance_id", sqlite_where=STAMPED,
              postgresql_where=STAMPED),
        Index("ix_step_by_instance", "instance_id", "due_at", "ready_at", "target_s",
              "duration_s", "duration_office_s"),
        Index("ix_step_duration", "bpmn_id", "duration_s",
              sqlite_where=STAMPED, postgresql_where=STAMPED),
        Index("ix_step_duration_office", "bpmn_id", "duration_office_s",
              sqlite_where=STAMPED_OFFICE, postgresql_where=STAMPED_OFFICE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(TaskId, unique=True)
    # looked up through ix_step_by_instance, which it leads (migration 0018)
    instance_id: Mapped[str] = mapped_column(
        InstanceId, ForeignKey("instances.id", ondelete="CASCADE")
    )
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(255))
    # The role that works the lane (the pack's lane ``role``), as it was when the step opened.
    role: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # user | service
    # In the initiator lane: only the instance's requester may act, whatever their roles.
    requester_only: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_no: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # ready | completed | cancelled
    target_s: Mapped[int | None] = mapped_column(Integer)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(64))
    # The name the record shows, as it was when the step was done (migration 0008).
    completed_by_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    # Seconds ready → completed, ready → opened, opened → completed, stamped when the record
    # completes (engine.reporting.stamps): on the calendar clock and in office hours
    # (``ALUR_OFFICE_HOURS``; ``alur report recompute`` after changing them). Migration 0010.
    duration_s: Mapped[float | None] = mapped_column(Float)
    waiting_s: Mapped[float | None] = mapped_column(Float)
    working_s: Mapped[float | None] = mapped_column(Float)
    duration_office_s: Mapped[float | None] = mapped_column(Float)
    waiting_office_s: Mapped[float | None] = mapped_column(Float)
    working_office_s: Mapped[float | None] = mapped_column(Float)
    instance: Mapped[Instance] = relationship(viewonly=True)
    breach_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    # What this pass submitted (a form's normalised fields, a service task's result),
    # written once when the step completes and never changed (migration 0008); stored
    # compressed (migration 0015).
    data: Mapped[dict[str, Any] | None] = mapped_column(PackedRecord)

    @validates("data")
    def _written_once(self, _key: str, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if self.data is not None and value != self.data:
            raise ValueError("a step record's data is written once")
        return value


#: The event kinds the throttles count (``engine.signin``, ``engine.signature``) and the
#: one the report's breach counts read: the only events the partial indexes hold.
THROTTLED_KINDS = ("sign_in_failed", "signed_in", "signature_failed")
BREACHED_KIND = "target_breached"
# OR, not IN: SQLite proves ``kind = ?`` implies an index's WHERE only through OR terms.
THROTTLED = text(" OR ".join(f"kind = '{kind}'" for kind in THROTTLED_KINDS))
BREACHED = text(f"kind = '{BREACHED_KIND}'")


class Event(Base):
    """Append-only audit log: who did what, when, from where; each row a link of the hash
    chain of ``engine.audit`` (written only through ``store.add_event``)."""

    __tablename__ = "events"
    __table_args__ = (
        # Partial indexes (migration 0012): only the few rows their queries read, not the
        # ten events of every request. The queries name the kind as the index does.
        Index("ix_events_throttle", "kind", "at",  # the sign-in and signing throttles
              sqlite_where=THROTTLED, postgresql_where=THROTTLED),
        Index("ix_events_breach", "task_id", "instance_id",  # the report's breach counts
              sqlite_where=BREACHED, postgresql_where=BREACHED),
    )

    # The chain's order (migration 0008), the primary key since 0017 (it took the place
    # of ``id``, which had the same order): unique, so it refuses a fork; on SQLite the
    # rowid, so it costs no index. Given by the chain's INSERT, never by a sequence.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                     primary_key=True, autoincrement=False)
    # sha256, 32 bytes, over the previous event's hash, ``seq`` and the body (migration
    # 0017 dropped the copy of the previous hash each row kept: the row before has it)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    instance_id: Mapped[str | None] = mapped_column(InstanceId, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(TaskId)
    detail: Mapped[dict[str, Any]] = mapped_column(PackedDetail, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class Job(Base):
    """Transactional outbox: automated work written in the same transaction as the state
    change that caused it, run later by the worker."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # service_task | notify
    instance_id: Mapped[str | None] = mapped_column(InstanceId, index=True)
    task_id: Mapped[str | None] = mapped_column(TaskId)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # pending | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(Base):
    """An uploaded file (the official letter). Bytes live in the upload directory under
    ``stored_name``; this row says who may see it (through its instance)."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        InstanceId, ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MailMessageRow(Base):
    """Every notification the system wrote; ``status`` says whether SMTP delivered it or it
    waits in the local outbox (no SMTP configured)."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index: nothing reads mail by request (migration 0017 dropped it).
    instance_id: Mapped[str | None] = mapped_column(InstanceId)
    to: Mapped[str] = mapped_column(Text)
    # Since migration 0017 a mail's one-line subject, a newline and its body are one text
    # in the column ``body``, packed with its version's mail dictionary (``PackedText``),
    # and the column ``subject`` is NULL; mail written before keeps both columns as they
    # were (and so does a subject holding a newline). Read ``subject`` and ``body``.
    subject_column: Mapped[str | None] = mapped_column("subject", PackedText("VARCHAR(255)"))
    text: Mapped[str] = mapped_column("body", PackedText("TEXT"))
    ics: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_id: Mapped[str | None] = mapped_column(String(32))  # attached (migration 0005)
    status: Mapped[str] = mapped_column(String(16))  # outbox | sent | failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # unindexed (migration 0012)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    @staticmethod
    def columns_of(subject: str, body: str) -> tuple[str | None, str]:
        """``subject_column`` and ``text`` of a mail: one text when the subject is one
        line (as ``engine.notifications`` makes it)."""
        return (subject, body) if "\n" in subject else (None, f"{subject}\n{body}")

    @property
    def subject(self) -> str:
        if self.subject_column is not None:
            return self.subject_column
        return self.text.partition("\n")[0]

    @property
    def body(self) -> str:
        if self.subject_column is not None:
            return self.text
        return self.text.partition("\n")[2]


class Booking(Base):
    """Conference meetings Alur asked a provider for, per host account: lets the Zoom host
    pool avoid double-booking and find a meeting whose create timed out."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_booking_host", "provider", "host", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(254))
    instance_id: Mapped[str] = mapped_column(InstanceId, index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Document(Base):
    """An official document a pass produced (the signed FPVC): its bytes live in the upload
    directory under ``stored_name``; the row keeps what the public verification page may
    show and the SHA-256 an uploaded copy is checked against. Written once, never changed."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("instance_id", "pass_no", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        InstanceId, ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    pass_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    approved: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_jabatan: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed: Mapped[bool] = mapped_column(Boolean)  # carries a PAdES signature
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerBeat(Base):
    """The last sign of life of each worker (``alur worker`` process or ``alur run``'s
    thread), written at most every few seconds: ``/readyz`` asks for a recent one."""

    __tablename__ = "worker_beats"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
