"""A request's mail, step data, event details and task tree are stored packed with its
version's own dictionaries (migration 0017, ``engine.packing``): on both databases they
read back exactly as written, from this process or one that never met the dictionary,
the audit chain and the record export agree without a stored ``prev_hash``, and the
migration converts both ways."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, dictionaries, dossier, packing, store
from engine.db import make_engine, make_sessionmaker
from engine.migrate import alembic_config
from engine.models import Event, Instance, MailMessageRow, ProcessVersion
from tests.support.journey import FPVC, Journey

TAGS = (packing.TAG, packing.TAG_MARKED, packing.TAG_DIGESTS)


def finished(journey: Callable[[], Journey]) -> Journey:
    j = journey()
    j.full(declines=1)
    j.run_worker()  # the notifications become mail
    return j


def logical(sessions: sessionmaker[Session], instance_id: str) -> dict[str, Any]:
    """Everything packed, as the engine reads it."""
    with sessions() as s:
        return {
            "mail": sorted((m.id, m.subject, m.body) for m in s.query(MailMessageRow).all()),
            "events": [(e.seq, e.detail) for e in store.events_of(s, instance_id)],
            "data": [r.data for r in store.steps_of(s, instance_id)],
            "workflow": s.get(Instance, instance_id).workflow,
        }


def raw(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return [bytes(v) if isinstance(v, memoryview) else v
                for v in conn.execute(text(sql)).scalars()]


def as_text(value: Any) -> str:
    """A text column's value at 0016: text on SQLite, its UTF-8 on PostgreSQL's bytea
    (the downgrade turns the column back into text there: str too)."""
    value = bytes(value) if isinstance(value, memoryview) else value
    return value.decode() if isinstance(value, bytes) else str(value)


def test_a_request_is_stored_packed_and_reads_back_as_written(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = finished(journey)
    engine = sessions.kw["bind"]
    for sql in ("SELECT workflow FROM instances", "SELECT data FROM step_records "
                "WHERE data IS NOT NULL", "SELECT body FROM mail_messages",
                "SELECT detail FROM events WHERE kind = 'task_completed'"):
        values = raw(engine, sql)
        assert values and all(v[0] in TAGS for v in values), sql
    assert raw(engine, "SELECT subject FROM mail_messages") == [None] * len(
        raw(engine, "SELECT id FROM mail_messages"))
    read = logical(sessions, j.instance_id)
    decisions = [d for d in read["data"] if d and "keputusan" in d]
    assert decisions == [{"keputusan": "tidak_setuju", "alasan": "Jadwal bentrok"},
                         {"keputusan": "setuju", "alasan": None}]
    assert read["data"][0] == {**FPVC, "surat_resmi": None}
    subjects = [subject for _, subject, _ in read["mail"]]
    number = j.view().summary.number
    assert all(s.startswith(f"[{number}] ") and "\n" not in s for s in subjects)
    ready = next(body for _, s, body in read["mail"] if "Tugas baru" in s)
    assert f"permintaan {number} (Rapat Koordinasi PPDB, Dinas Pendidikan)" in ready
    assert "/tugas/" in ready and ready.endswith("\n")
    with sessions() as s:
        assert audit.verify(s).ok


def test_the_record_export_gives_each_event_the_hash_before_it(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = finished(journey)
    with sessions() as s:
        record = dossier.export(s, j.instance_id, j.people.others["auditor"], j.clock())
        rows = {e.seq: e for e in s.query(Event).all()}
    for exported in record["events"]:
        seq = exported["seq"]
        before = rows[seq - 1].hash.hex() if seq > 1 else audit.GENESIS
        assert exported["prev_hash"] == before
        fields = {k: exported.get(k) for k in audit.FIELDS if k != "instance_id"}
        body = audit.body_digest({**fields, "instance_id": j.instance_id})
        assert audit.link_hash(exported["prev_hash"], seq, body) == exported["hash"]


def test_a_process_that_never_met_a_dictionary_reads_it_from_the_database(
    journey: Callable[[], Journey], sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a web process reading mail a worker wrote: here with the writer's dictionaries
    forgotten, on a fresh engine, inside a transaction holding SQLite's write lock."""
    j = finished(journey)
    expected = logical(sessions, j.instance_id)
    monkeypatch.setattr(packing, "_KNOWN", weakref.WeakKeyDictionary())
    other = make_engine(sessions.kw["bind"].url.render_as_string(hide_password=False))
    try:
        fresh = make_sessionmaker(other)
        with fresh.begin() as s:
            store.add_event(s, at=j.clock(), kind="uji", actor="x")  # takes the write lock
            s.flush()
            assert logical(fresh, j.instance_id) == expected
        assert len(packing._KNOWN[other.dialect]) == len(packing.SECTIONS)
    finally:
        other.dispose()


def test_the_same_version_makes_the_same_dictionaries(
    sessions: sessionmaker[Session], journey: Callable[[], Journey]
) -> None:
    journey().start()
    with sessions() as s:
        version = s.query(ProcessVersion).one()
        stored, made = version.dictionaries, dictionaries.build(
            version.spec, version.meta, version.forms)
    assert stored == made
    sections = packing.decode_sections(made)
    assert set(sections) == set(packing.SECTIONS)
    assert b"Task_Persetujuan" in sections["event"].zdict
    assert b"catatan_verifikasi" in sections["data"].zdict
    assert b"Tugas baru: Memberi persetujuan atas permintaan" in sections["mail"].zdict


def test_the_migration_converts_both_ways(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = finished(journey)
    before = logical(sessions, j.instance_id)
    engine = sessions.kw["bind"]
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    command.downgrade(config, "0016_end_to_end_stamps")
    with engine.connect() as conn:
        chain = conn.execute(text("SELECT seq, prev_hash, hash FROM events ORDER BY seq")).all()
        mail = conn.execute(text("SELECT subject, body FROM mail_messages ORDER BY id")).all()
    assert [bytes(r.prev_hash) for r in chain] == [bytes(32)] + [bytes(r.hash)
                                                                 for r in chain[:-1]]
    assert [(as_text(s), as_text(b)) for s, b in mail] == [
        (subject, body) for _, subject, body in before["mail"]]
    engine.dispose()
    command.upgrade(config, "head")
    assert logical(sessions, j.instance_id) == before
    with sessions() as s:
        assert audit.verify(s).ok
    j.full()  # a new request after the round trip
    with sessions() as s:
        assert audit.verify(s).ok
