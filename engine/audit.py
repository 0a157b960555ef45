"""The tamper-evident audit log: every event is a link of one hash chain.

One **global** chain, not one per request: it also holds the events of no request
(sign-ins, which the throttle relies on), deleting every event of one request still breaks
it, and it has a single head to write down outside the database (``alur audit verify``
prints it). Each event stores ``seq`` (its place, 1, 2, 3 … without gaps) and ``hash``
(32 bytes)::

    hash = sha256("<prev_hash>:<seq>:<body>")    body = sha256(canonical JSON of the fields)

where ``prev_hash`` is the hash of the event before (zeros for the first), read from that
row: the rows kept a copy of it until migration 0017 (hashes written in lowercase hex
inside the text; stored as bytes, half the room of hex). Event details are stored packed
(``engine.packing``); the body digest is over the detail as logged, never its bytes, and
a detail that no longer reads (its bytes changed) is a broken link of its own.

The canonical JSON holds ``at`` (ISO-8601 UTC, microseconds), ``instance_id``, ``actor``,
``kind``, ``task_id``, ``detail`` and ``remote_addr``, keys sorted, no spaces, UTF-8.
A completed step record is covered through its completion event, whose ``detail`` carries
``record_sha256`` over the record's final fields and the data that pass submitted
(``record_digest``).

Appending: ``store.add_event`` queues the event on the session; when the caller commits,
``_seal`` flushes everything else first, then, holding the chain's lock, reads the chain's
head (the row with the highest ``seq``) once, computes each queued event's ``seq`` and
``hash`` here (``link_hash``, as bytes) and writes them all with one plain ``INSERT``
(executemany): two statements for any number of events, the hashes exactly those
``verify`` checks. Two writers must never read the same head: SQLite serialises writers
already (every transaction is ``BEGIN IMMEDIATE``, see ``engine.db``); on PostgreSQL the
transaction first takes a transaction-scoped advisory lock (``pg_advisory_xact_lock``),
one more statement, held until commit, and the head is read after it (READ COMMITTED:
that statement sees the previous holder's commit). The lock is taken
last, after every other row lock of the transaction, so it cannot deadlock with them; it
does serialise the commits of writers that log events, for the short time of their last
statements. ``seq`` is the primary key: it refuses a fork even if that rule were broken.
Rolled back transactions drop their queued events. Imports no web layer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarResult,
    String,
    bindparam,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from sqlalchemy.orm.util import identity_key

from engine import versions
from engine.db import within
from engine.models import Event, Instance, StepRecord, UnreadableDetail
from engine.views import StepFields

GENESIS = "0" * 64
PENDING = "alur.audit.pending"
#: The advisory lock key of the chain on PostgreSQL (any 64-bit number no other part of
#: the database uses): the first 8 bytes of sha256("alur.audit.events"), signed.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"alur.audit.events").digest()[:8], "big", signed=True)
FIELDS = ("at", "instance_id", "actor", "kind", "task_id", "detail", "remote_addr")
#: The problem of an event whose stored detail cannot be read (``models.UnreadableDetail``).
UNREADABLE = "detail tidak terbaca (diubah)"


def canonical(value: Any) -> str:
    """The one JSON text of ``value`` every hash is computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    raise TypeError(f"{type(value).__name__} is not JSON")


def sha256(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def body_digest(fields: Mapping[str, Any]) -> str:
    return sha256(canonical({key: fields.get(key) for key in FIELDS}))


def link_hash(prev_hash: str, seq: int, body: str) -> str:
    return sha256(f"{prev_hash}:{seq}:{body}")


def record_digest(record: StepFields) -> str:
    """The digest of a completed step record: who, when, and what that pass submitted."""
    return sha256(canonical({
        "task_id": record.task_id, "instance_id": record.instance_id,
        "bpmn_id": record.bpmn_id, "pass": record.pass_no, "state": record.state,
        "completed_at": record.completed_at, "completed_by": record.completed_by,
        "completed_by_name": record.completed_by_name, "data": record.data,
    }))


def of_kind(kind: str) -> ColumnElement[bool]:
    """``events.kind = '<kind>'`` with the kind written into the SQL, so PostgreSQL's
    generic plans too can use the partial indexes made for some kinds (``models.Event``)."""
    return Event.kind == bindparam(None, kind, String(), literal_execute=True)


# -- appending -----------------------------------------------------------------------------
def append(session: Session, fields: dict[str, Any]) -> None:
    """Queue one event; it is written, chained, when the session commits (and dropped
    when the transaction or savepoint it was logged in rolls back)."""
    real: Any = session
    if isinstance(real, scoped_session):  # the web layer's Flask-SQLAlchemy proxy
        real = real()
    where = real.get_nested_transaction() or real.get_transaction()
    if fields.get("detail"):
        fields = {**fields, "detail": _packable(real, fields.get("instance_id"), fields["detail"])}
    real.info.setdefault(PENDING, []).append((where, fields))


#: The chain's head: the row with the highest ``seq`` (built once).
_HEAD = select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)


def _lock(session: Session) -> Connection:
    """The session's connection, holding the chain's lock: on PostgreSQL the advisory
    lock, taken now; on SQLite the database's write lock, held since the transaction
    began (every transaction is ``BEGIN IMMEDIATE``, ``engine.db``)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    elif dialect != "sqlite":
        raise NotImplementedError(f"audit chain on {dialect}")
    return connection


def _seal(session: Session) -> None:
    pending: list[tuple[Any, dict[str, Any]]] = session.info.pop(PENDING, [])
    if not pending:
        return
    session.flush()  # every other row lock first: the chain's lock is the last one taken
    connection = _lock(session)
    last = connection.execute(_HEAD).first()
    seq, prev = (last.seq, bytes(last.hash).hex()) if last is not None else (0, GENESIS)
    rows = []
    for _, fields in pending:
        row = {key: fields.get(key) for key in FIELDS}
        row["detail"] = row["detail"] or {}
        seq += 1
        prev = link_hash(prev, seq, body_digest(row))
        rows.append({**row, "seq": seq, "hash": bytes.fromhex(prev)})
    connection.execute(insert(Event), rows)


def _packable(session: Session, instance_id: str | None, detail: dict[str, Any]) -> Any:
    """The detail, to be packed with its request's version's dictionary when the request
    is in the session already (it is, for every step's event); else stored as plain JSON."""
    if instance_id is None:
        return detail
    found = session.identity_map.get(identity_key(Instance, instance_id))
    version = found.__dict__.get("version") if isinstance(found, Instance) else None
    if version is None:  # not loaded: no statement is worth a few bytes
        return detail
    return versions.document(version, "event", detail)


def _forget(session: Session, rolled_back: SessionTransaction) -> None:
    """Drop the events logged in a transaction or savepoint that rolled back."""
    pending = session.info.get(PENDING)
    if pending:
        pending[:] = [(tx, f) for tx, f in pending if not within(tx, rolled_back)]


def _end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (already written) or rolled back
        session.info.pop(PENDING, None)


event.listen(Session, "before_commit", _seal)
event.listen(Session, "after_soft_rollback", _forget)
event.listen(Session, "after_transaction_end", _end)


def head(session: Session) -> dict[str, Any]:
    """The chain's newest link: ``{"seq": …, "hash": …}`` (``seq`` 0 for an empty log)."""
    last = session.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1))
    row = last.first()
    return {"seq": row.seq, "hash": row.hash.hex()} if row else {"seq": 0, "hash": GENESIS}


# -- verifying -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Broken:
    """The first link that does not hold: where, and what is wrong with it."""

    seq: int | None
    problem: str


@dataclass(frozen=True)
class Verdict:
    events: int
    records: int
    head_seq: int
    head_hash: str
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _fields(row: Event) -> dict[str, Any]:
    return {key: getattr(row, key) for key in FIELDS}


def _walk(session: Session, batch: int) -> ScalarResult[Event]:
    """Every event in chain order, fetched ``batch`` at a time (close it when done)."""
    return session.scalars(select(Event).order_by(Event.seq).execution_options(yield_per=batch))


def _check_link(row: Event, seq: int, prev: str) -> str | None:
    """``prev`` is the hash of the event before, as walked: an event inserted, removed or
    changed before this one, or this one changed, makes its hash differ."""
    if row.seq != seq:
        return (f"urutan terputus: diharapkan #{seq}, ditemukan #{row.seq} "
                "(ada event yang dihapus)")
    if isinstance(row.detail, UnreadableDetail):
        return UNREADABLE
    if row.hash.hex() != link_hash(prev, seq, body_digest(_fields(row))):
        return ("hash tidak cocok dengan isi event dan hash event sebelumnya "
                "(baris diubah, atau event disisipkan)")
    return None


def hashes_before(session: Session, seqs: Iterable[int]) -> dict[int, str | None]:
    """The ``prev_hash`` of each event of ``seqs``: the hash of the event before it (hex;
    zeros before the first; None when that event is gone), in one query."""
    seqs = list(seqs)
    wanted = sorted({seq - 1 for seq in seqs if seq > 1})
    rows = session.execute(
        select(Event.seq, Event.hash).where(Event.seq.in_(wanted))).all() if wanted else []
    found = {row.seq: row.hash.hex() for row in rows}
    return {seq: GENESIS if seq == 1 else found.get(seq - 1) for seq in seqs}


def verify(session: Session, *, batch: int = 1000) -> Verdict:
    """Walk the whole chain, then the completed step records against their events;
    stops at the first broken link."""
    prev, seq, digests = GENESIS, 0, {}
    with closing(_walk(session, batch)) as rows:
        for row in rows:
            problem = _check_link(row, seq + 1, prev)
            if problem is not None:
                return Verdict(seq, 0, seq, prev, Broken(row.seq, problem))
            seq, prev = row.seq, row.hash.hex()
            digest = (row.detail or {}).get("record_sha256")
            if row.task_id and digest:
                digests[row.task_id] = digest
    with closing(_completed_records(session, batch)) as records:
        broken, count = _check_records(records, digests)
    return Verdict(seq, count, seq, prev, broken)


def _completed_records(session: Session, batch: int) -> ScalarResult[StepRecord]:
    stmt = (select(StepRecord).where(StepRecord.state == "completed")
            .order_by(StepRecord.id).execution_options(yield_per=batch))
    return session.scalars(stmt)


def _check_records(
    records: Iterable[StepRecord], digests: dict[str, str]
) -> tuple[Broken | None, int]:
    count = 0
    for record in records:
        count += 1
        expected = digests.pop(record.task_id, None)
        if expected is None:
            if record.data is None:
                continue  # closed by a cancel or a boundary event: nothing was submitted
            problem = f"catatan langkah {record.task_id} tidak punya event penyelesaian"
            return Broken(None, problem), count
        if isinstance(record.data, UnreadableDetail):  # its stored bytes were changed
            problem = (f"catatan langkah {record.task_id} ({record.bpmn_id}, putaran "
                       f"{record.pass_no}) tidak terbaca (diubah)")
            return Broken(None, problem), count
        if record_digest(record) != expected:
            problem = (f"catatan langkah {record.task_id} ({record.bpmn_id}, putaran "
                       f"{record.pass_no}) tidak cocok dengan event penyelesaiannya (diubah)")
            return Broken(None, problem), count
    if digests:
        task_id = next(iter(digests))
        return Broken(None, f"catatan langkah {task_id} hilang (dihapus)"), count
    return None, count
