"""Packed values read back exactly as written (``engine.packing``, the column types of
``engine.models``): any text or JSON document, with or without UUIDs and digests in it,
and every form written before migration 0017 (plain text, JSON text, zlib'd JSON)."""

from __future__ import annotations

import json
import uuid
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from engine import packing
from engine.models import PackedDetail, PackedJSON, PackedText, pack_json

DIALECTS = (sqlite.dialect(), postgresql.dialect())
MAIL = packing.Dictionary.of(b"[VC-] Tugas baru: Verifikasi\nTugas 'Verifikasi' menunggu Anda."
                             b"\n\nBuka: http:///tugas/")
EVENT = packing.Dictionary.of(b'{"bpmn_id":"Task_A","pass":1,"record_sha256":"', digests=True)
TASK = str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0))
DIGEST = "ab" * 32

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def text_through(value: str, dictionary: packing.Dictionary | None) -> str | None:
    column = PackedText("TEXT")
    for dialect in DIALECTS:
        stored = column.process_bind_param(packing.Text(value, dictionary), dialect)
        assert isinstance(stored, bytes)
        read = column.process_result_value(stored, dialect)
        assert read == value
    return read


@settings(max_examples=200)
@given(st.text())
def test_any_text_reads_back_as_written(value: str) -> None:
    text_through(value, MAIL)
    text_through(value, None)


@settings(max_examples=100)
@given(st.lists(st.sampled_from([TASK, TASK.upper(), DIGEST, "\x01", "\x02", "-", "ab", "é",
                                 "3c4d-5e6f-7a8b-", TASK[:-1]]), max_size=12))
def test_uuids_and_digests_anywhere_read_back_as_written(parts: list[str]) -> None:
    value = "".join(parts)
    text_through(value, MAIL)
    text_through(value, EVENT)


@settings(max_examples=100)
@given(st.dictionaries(st.text(), documents, max_size=6))
def test_any_json_object_reads_back_as_written(value: dict[str, object]) -> None:
    for column in (PackedJSON(), PackedDetail()):
        for dialect in DIALECTS:
            for written in (packing.Document(value, EVENT), value):
                stored = column.process_bind_param(written, dialect)
                assert column.process_result_value(stored, dialect) == value


def test_a_link_with_a_task_id_packs_its_uuid_as_bytes() -> None:
    body = f"Tugas 'Verifikasi' menunggu Anda.\n\nBuka: http://alur.kota/tugas/{TASK}\n"
    packed = packing.deflate(body.encode(), MAIL)
    assert packed[0] == packing.TAG_MARKED and packed[1:5] == MAIL.id
    assert packing.marks_in(body.encode()).count(uuid.UUID(TASK).bytes) == 1
    assert len(packed) < len(packing.deflate(body.replace(TASK, TASK.upper()).encode(), MAIL))


def test_a_text_holding_a_mark_byte_is_packed_as_it_is() -> None:
    packed = packing.deflate(f"a\x01{TASK}".encode(), MAIL)
    assert packed[0] == packing.TAG
    assert packing.inflate(packed, DIALECTS[0]) == f"a\x01{TASK}".encode()


def test_an_event_digest_packs_as_its_32_bytes() -> None:
    detail = {"bpmn_id": "Task_A", "pass": 1, "record_sha256": DIGEST}
    column = PackedDetail()
    packed = column.process_bind_param(packing.Document(detail, EVENT), DIALECTS[0])
    plain = column.process_bind_param(detail, DIALECTS[0])
    assert packed[0] == packing.TAG_DIGESTS and len(packed) < len(plain) / 2
    assert plain == json.dumps(detail, separators=(",", ":")).encode()


def test_what_was_written_before_reads_as_it_was() -> None:
    workflow = {"tasks": {TASK: {"id": TASK}}, "data": {"x": "é"}}
    detail = {"version": 1, "reason": "ganti jadwal"}
    for dialect in DIALECTS:
        assert PackedJSON().process_result_value(pack_json(workflow), dialect) == workflow
        assert PackedText("TEXT").process_result_value("Subjek lama", dialect) == "Subjek lama"
        assert PackedText("TEXT").process_result_value(b"Isi \xc3\xa9", dialect) == "Isi é"
        old = json.dumps(detail)  # SQLAlchemy's JSON text, spaces and all
        assert PackedDetail().process_result_value(old, dialect) == detail
        assert PackedDetail().process_result_value(old.encode(), dialect) == detail
    assert pack_json(workflow)[0] == 0x78 and zlib.decompress(pack_json(workflow))


def test_sqlite_keeps_the_declared_types_postgresql_stores_bytes() -> None:
    sqlite_, pg = DIALECTS
    assert PackedText("VARCHAR(255)").dialect_impl(sqlite_).get_col_spec() == "VARCHAR(255)"
    assert PackedDetail().dialect_impl(sqlite_).get_col_spec() == "JSON"
    assert PackedText("TEXT").dialect_impl(pg).compile(dialect=pg) == "BYTEA"
