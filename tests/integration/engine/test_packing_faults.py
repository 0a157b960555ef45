"""What no input nor damage may do to packed values (``engine.packing``): a text that
reads back otherwise than written, a damaged detail that stops the audit walk or the
record export, one dictionary id that names two dictionaries in one database, an old
version whose odd content stops migration 0017."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import LargeBinary, bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, dossier, packing
from engine.db import make_engine, make_sessionmaker
from engine.migrate import alembic_config
from engine.models import Event, Instance, ProcessVersion, StepRecord
from tests.support.journey import Journey
from tests.support.revision import revised_pack

#: A digest whose last 8 bytes are hex characters, then the end of a UUID: once marked
#: as a digest and a UUID overlapping, read back as other bytes (not even UTF-8).
OVERLAP = "00" * 24 + "6161616161616161" + "-1234-5678-9abc-def012345678"


def test_a_cancel_reason_reads_back_as_written(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    with sessions.begin() as s:
        j.alur.cancel(s, j.instance_id, j.people.pemohon, j.clock(), reason=OVERLAP)
    with sessions() as s:
        cancelled = [e for e in s.scalars(
            text("SELECT seq FROM events WHERE kind = 'instance_cancelled'"))]
        assert s.get(Event, cancelled[0]).detail == {"reason": OVERLAP, "was": "draft"}
        assert j.alur.instance(s, j.instance_id, j.people.pemohon).summary.status == "discarded"
        record = dossier.export(s, j.instance_id, j.people.others["auditor"], j.clock())
        assert record["events"][-1]["detail"]["reason"] == OVERLAP
        assert audit.verify(s).ok


def _packed_detail(sessions: sessionmaker[Session]) -> tuple[int, bytes]:
    with sessions() as s:
        rows = s.execute(text("SELECT seq, detail FROM events WHERE kind = 'task_completed' "
                              "ORDER BY seq")).all()
    seq, value = rows[1]
    value = bytes(value)
    assert packing.is_packed(value)
    return seq, value


def _change_by_hand(sessions: sessionmaker[Session], table: str, column: str, key: str,
                    at: int, value: bytes) -> None:
    """Write ``value`` into one row's column as someone with the database file would."""
    with sessions.begin() as s:
        s.execute(text(f"UPDATE {table} SET {column} = :value WHERE {key} = :at").bindparams(
            bindparam("value", type_=LargeBinary)), {"value": value, "at": at})


def _damaged(value: bytes, how: str) -> bytes:
    if how == "flipped":
        return value[:-3] + bytes((value[-3] ^ 0xFF,)) + value[-2:]
    if how == "cut":
        return value[:len(value) // 2]
    return value[:1] + bytes(4) + value[5:]  # a dictionary no version has


@pytest.mark.parametrize("how", ["flipped", "cut", "unknown dictionary"])
def test_a_damaged_packed_detail_is_a_broken_link_not_a_crash(
    journey: Callable[[], Journey], sessions: sessionmaker[Session], how: str
) -> None:
    j = journey()
    j.full()
    seq, value = _packed_detail(sessions)
    _change_by_hand(sessions, "events", "detail", "seq", seq, _damaged(value, how))
    with sessions() as s:
        verdict = audit.verify(s)
        assert verdict.broken is not None and verdict.broken.seq == seq
        assert (verdict.events, verdict.head_seq) == (seq - 1, seq - 1)
        if how != "flipped":  # a flipped byte may still inflate (to other text)
            assert verdict.broken.problem == "detail tidak terbaca (diubah)"
        record = dossier.export(s, j.instance_id, j.people.others["auditor"], j.clock())
        damaged = next(e for e in record["events"] if e["seq"] == seq)
        if how != "flipped":
            assert damaged["detail"] == {} and damaged["problem"] == (
                "detail tidak terbaca (diubah)")
        assert j.alur.instance(s, j.instance_id, j.people.pemohon).id == j.instance_id


@pytest.mark.parametrize("how", ["extended", "cut", "unknown dictionary"])
def test_damaged_step_data_is_a_broken_record_not_a_crash(
    journey: Callable[[], Journey], sessions: sessionmaker[Session], how: str
) -> None:
    """What a pass submitted, its stored bytes changed: verify names the record, the
    record export and the request page still open."""
    j = journey()
    j.full()
    with sessions() as s:
        record_id, value = s.execute(text(
            "SELECT id, data FROM step_records WHERE data IS NOT NULL ORDER BY id")).first()
    value = bytes(value)
    assert packing.is_packed(value)
    damaged = value + b"\x00" if how == "extended" else _damaged(value, how)
    _change_by_hand(sessions, "step_records", "data", "id", record_id, damaged)
    with sessions() as s:
        verdict = audit.verify(s)
        assert verdict.broken is not None and verdict.broken.seq is None
        assert verdict.broken.problem.endswith("tidak terbaca (diubah)"), verdict.broken
        record = dossier.export(s, j.instance_id, j.people.others["auditor"], j.clock())
        step = next(st for st in record["steps"] if "problem" in st)
        assert step["data"] == {} and step["problem"] == "data tidak terbaca (diubah)"
        assert j.alur.instance(s, j.instance_id, j.people.pemohon).id == j.instance_id


def test_a_detail_nested_past_any_parser_is_a_broken_link(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.full()
    seq, _value = _packed_detail(sessions)
    _change_by_hand(sessions, "events", "detail", "seq", seq, b"[" * 200_000 + b"]" * 200_000)
    with sessions() as s:
        assert audit.verify(s).broken == audit.Broken(seq, audit.UNREADABLE)


def test_a_deploy_never_reuses_a_dictionary_id_of_its_database(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """Every dictionary gets the same id under a patched hash unless perturbed (from the
    first deploy on): the versions deployed still have one id per dictionary, and a
    process that never met them reads each request's values back."""
    real = packing.dictionary_id
    monkeypatch.setattr(packing, "dictionary_id", lambda zdict: b"\xee" * packing.ID_BYTES
                        if not zdict.startswith(b" ") else real(zdict))
    journey: Callable[[], Journey] = request.getfixturevalue("journey")  # deploys v1
    first = journey()
    first.full()
    with sessions.begin() as s:
        first.alur.deploy_pack(s, revised_pack(), actor="pemilik", now=first.clock())
    second = journey()
    second.start()
    second.submit()
    with sessions() as s:
        stored = s.scalars(select_dictionaries()).all()
    made = [packing.decode_sections(bytes(v)) for v in stored]
    ids = [(d.id, d.zdict) for sections in made for d in sections.values()]
    assert len(stored) == 2 and len({i for i, _ in ids}) == len(ids) == 8
    assert sum(i == b"\xee" * 4 for i, _ in ids) == 1
    expected = {j.instance_id: packed_values(sessions, j.instance_id) for j in (first, second)}
    assert all(expected.values())
    for instance_id, values in expected.items():
        reader = fresh_reader(sessions)
        assert packed_values(reader, instance_id) == values
        reader.kw["bind"].dispose()
    # Version 2's dictionaries changed by hand, unperturbed: all four take the id of
    # version 1's first (workflow) dictionary. Refused, never used for one another.
    with sessions.begin() as s:
        v2 = s.scalars(select(ProcessVersion).order_by(ProcessVersion.id.desc())).first()
        sections = json.loads(zlib.decompress(v2.dictionaries))
        v2.dictionaries = packing.encode_sections({k: v.lstrip(" ")
                                                   for k, v in sections.items()})
    reader = fresh_reader(sessions)
    with reader() as s, pytest.raises(packing.AmbiguousDictionary, match="eeeeeeee names two"):
        s.scalars(select(Instance.workflow).where(Instance.id == first.instance_id)).one()
    with reader() as s:  # version 2's event dictionary is gone: its details do not read
        event = s.scalars(select(Event).where(Event.kind == "task_completed",
                                              Event.instance_id == second.instance_id)).one()
        assert event.detail == {} and isinstance(event.detail.error, packing.UnknownDictionary)
        assert audit.verify(s).broken == audit.Broken(event.seq, audit.UNREADABLE)
    reader.kw["bind"].dispose()


def packed_values(sessions: sessionmaker[Session], instance_id: str) -> list[Any]:
    with sessions() as s:
        return [*(e.detail for e in s.scalars(select(Event).where(
            Event.instance_id == instance_id).order_by(Event.seq))),
            *s.scalars(select(StepRecord.data).where(StepRecord.instance_id == instance_id)
                       .order_by(StepRecord.id)),
            s.get(Instance, instance_id).workflow]


def fresh_reader(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions of an engine of their own: a process that never met the dictionaries."""
    return make_sessionmaker(make_engine(
        sessions.kw["bind"].url.render_as_string(hide_password=False)))


def select_dictionaries() -> Any:
    return select(ProcessVersion.dictionaries).order_by(ProcessVersion.id)


def test_the_migration_survives_a_version_with_odd_mail_texts(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    """Migration 0017 makes the dictionaries of the versions deployed before: one whose
    mail texts are not what this release reads only gets a poorer dictionary."""
    journey().start()
    engine = sessions.kw["bind"]
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    command.downgrade(config, "0016_end_to_end_stamps")
    with engine.begin() as conn:
        meta, forms = conn.execute(text("SELECT meta, forms FROM process_versions")).one()
        meta = json.loads(meta) if isinstance(meta, str) else meta
        forms = json.loads(forms) if isinstance(forms, str) else forms
        forms[meta["mail"]] = {"steps": ["rusak"], "task_ready": "bukan objek"}
        meta["steps"] = {**meta["steps"], "Rusak": "bukan objek"}
        conn.execute(text("UPDATE process_versions SET forms = :forms, meta = :meta"),
                     {"forms": json.dumps(forms), "meta": json.dumps(meta)})
    engine.dispose()
    command.upgrade(config, "head")
    with sessions() as s:
        made = packing.decode_sections(s.scalars(select_dictionaries()).one())
    assert set(made) >= {"workflow", "data"}
