"""Packed values read back exactly as written (``engine.packing``, the column types of
``engine.models``): any text or JSON document, with or without UUIDs and digests in it,
and every form written before migration 0017 (plain text, JSON text, zlib'd JSON)."""

from __future__ import annotations

import json
import re
import uuid
import zlib

import pytest
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
    packed = packing.deflate(body.encode(), MAIL, DIALECTS[0])
    assert packed[0] == packing.TAG_MARKED and packed[1:5] == MAIL.id
    assert packing.marks_in(body.encode()).count(uuid.UUID(TASK).bytes) == 1
    upper = body.replace(TASK, TASK.upper()).encode()
    assert len(packed) < len(packing.deflate(upper, MAIL, DIALECTS[0]))


def test_a_text_holding_a_mark_byte_is_packed_as_it_is() -> None:
    packed = packing.deflate(f"a\x01{TASK}".encode(), MAIL, DIALECTS[0])
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


# -- marks never overlap, whatever surrounds a UUID or a digest -----------------------------
#: The reviewer's text: a digest whose last 8 bytes are hex characters ('a' = 0x61),
#: followed by a UUID's last 28 characters.
OVERLAP = "00" * 24 + "6161616161616161" + "-1234-5678-9abc-def012345678"
glued = st.lists(st.one_of(
    st.binary(min_size=32, max_size=32).map(bytes.hex),  # a digest, of any bytes
    st.text(alphabet="0123456789abcdef-", min_size=32, max_size=32).map(
        lambda s: s.encode().hex()),  # a digest whose bytes are hex digits or '-'
    st.uuids().map(str),
    st.binary(min_size=4, max_size=4).map(lambda b: b.hex() + "-1234-5678-9abc-def012345678"),
    st.just("-1234-5678-9abc-def012345678"),  # a UUID's end
    st.tuples(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
              st.uuids()).map(lambda d: d[0].encode().hex() + str(d[1])[8:]),
    st.text(alphabet="0123456789abcdefABCDEF-\x00\x01\x02\x03/`g:\" é", max_size=6),
), max_size=8).map("".join)


def test_a_digest_followed_by_the_end_of_a_uuid_reads_back_as_written() -> None:
    for dictionary in (EVENT, MAIL):
        assert text_through(OVERLAP, dictionary) == OVERLAP
        packed = packing.deflate(OVERLAP.encode(), dictionary, DIALECTS[0])
        assert packing.inflate(packed, DIALECTS[0]) == OVERLAP.encode()
    assert packing.marks_out(packing.marks_in(OVERLAP.encode(), digests=True)) == (
        OVERLAP.encode())


@settings(max_examples=300)
@given(glued)
def test_digests_and_uuids_glued_to_hex_read_back_as_written(value: str) -> None:
    text_through(value, EVENT)
    text_through(value, MAIL)
    marked = packing.marks_in(value.encode(), digests=True)
    if b"\x01" not in value.encode() and b"\x02" not in value.encode():
        assert packing.marks_out(marked) == value.encode()


def test_marks_that_would_not_read_back_are_never_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever ``marks_in`` makes of a text, it is stored marked only if it unmarks to
    that text: here a marking that writes the wrong bytes for a task id."""
    monkeypatch.setattr(packing, "marks_in", lambda text, digests=False: text.replace(
        TASK.encode(), b"\x01" + bytes(16)))
    value = f"Buka: http://alur.kota/tugas/{TASK}"
    packed = packing.deflate(value.encode(), MAIL, DIALECTS[0])
    assert packed[0] == packing.TAG
    assert text_through(value, MAIL) == value


def test_a_mark_never_starts_or_ends_inside_a_longer_hex_run() -> None:
    for text in (f"a{TASK}", f"{TASK}b", f"f{DIGEST}", f"{DIGEST}0", DIGEST * 2):
        assert packing.marks_in(text.encode(), digests=True) == text.encode()
    assert packing.marks_in(f'"{TASK}":"{DIGEST}"'.encode(), digests=True) == (
        b'"\x01' + uuid.UUID(TASK).bytes + b'":"\x02' + bytes.fromhex(DIGEST) + b'"')


# -- a lone surrogate (a connector's JSON may hold one) -------------------------------------
#: A high surrogate then a low one: JSON has no way to tell them from the one character
#: they make together (a parsed JSON text never holds them so), nor had ``pack_json``.
PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
@settings(max_examples=100)
@given(st.dictionaries(st.text(), st.lists(st.sampled_from(
    ["\ud83d", "\udc00", "é", "a", "0", "-", "\x01"]) | glued, max_size=6).map("".join)
    .filter(lambda t: not PAIR.search(t)), max_size=4))
def test_lone_surrogates_are_stored_escaped_and_read_back(value: dict[str, str]) -> None:
    for column in (PackedJSON(), PackedDetail()):
        for dialect in DIALECTS:
            for written in (packing.Document(value, EVENT), value):
                stored = column.process_bind_param(written, dialect)
                assert column.process_result_value(stored, dialect) == value


def test_a_connector_result_with_a_lone_surrogate_packs() -> None:
    result = {"topic": "rapat \ud83d", "id": TASK}
    assert json.loads(packing.dumps(result)) == result
    stored = PackedJSON().process_bind_param(packing.Document(result, EVENT), DIALECTS[1])
    assert PackedJSON().process_result_value(stored, DIALECTS[1]) == result


# -- one id, two dictionaries -------------------------------------------------------------
def test_a_reader_refuses_an_id_that_names_two_dictionaries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ids are 4 bytes of a hash: two dictionaries met by one database's readers under
    one id are refused, never one used for the other's values; another database (engine,
    here dialect) keeps its own."""
    monkeypatch.setattr(packing, "dictionary_id", lambda zdict: b"\xee" * packing.ID_BYTES)
    first = packing.Dictionary.of(b"Tugas baru: Verifikasi permintaan")
    second = packing.Dictionary.of(b"Permintaan dibatalkan oleh pemohon")
    assert first.id == second.id
    one, other = sqlite.dialect(), sqlite.dialect()
    text = b"Permintaan dibatalkan oleh pemohon: jadwal bentrok"
    by_second = packing.deflate(text, second, other)
    assert packing.inflate(by_second, other) == text  # its database knows only the second
    packing.deflate(b"Tugas baru", first, one)
    with pytest.raises(packing.AmbiguousDictionary, match="eeeeeeee"):
        packing.deflate(text, second, one)
    with pytest.raises(packing.AmbiguousDictionary, match="eeeeeeee"):
        packing.inflate(by_second, one)
    assert packing.inflate(by_second, other) == text


def test_unique_sections_perturb_a_colliding_dictionary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = packing.dictionary_id
    monkeypatch.setattr(packing, "dictionary_id", lambda zdict: b"\xee" * packing.ID_BYTES
                        if not zdict.startswith(b" ") else real(zdict))
    sections = {"data": '{"a":1}', "event": '{"b":2}'}
    taken: dict[bytes, bytes] = {}
    made = packing.unique_sections(sections, taken)
    again = packing.unique_sections(sections, {})
    assert made == again  # deterministic
    ids = [d.id for d in packing.decode_sections(packing.encode_sections(made)).values()]
    assert len(set(ids)) == 2 and made["data"] == sections["data"]
    assert made["event"].strip() == sections["event"] != made["event"]
    more = packing.unique_sections({"mail": "x"}, taken)
    assert packing.decode_sections(packing.encode_sections(more))["mail"].id not in ids


def test_a_packed_value_cut_short_or_extended_is_refused() -> None:
    """A stream that does not end where the value ends was changed: never read as the
    part that still inflates, nor as the value with bytes after it."""
    for dialect in DIALECTS:
        packed = packing.deflate(b"Tugas 'Verifikasi' menunggu Anda." * 20, MAIL, dialect)
        assert packing.inflate(packed, dialect).startswith(b"Tugas")
        for changed in (packed[:-4], packed + b"\x00", packed + packed[5:]):
            with pytest.raises(zlib.error, match="damaged"):
                packing.inflate(changed, dialect)


# -- marks_out reads every marked text as the reader before it did --------------------------
def loop_marks_out(packed: bytes, *, digests: bool = True) -> bytes:
    """``marks_out`` as it was written first (a loop over the marks): the reader every
    stored value was checked against when it was written."""
    parts: list[bytes] = []
    at = 0
    while True:
        found = re.compile(b"[\x01\x02]" if digests else b"\x01").search(packed, at)
        if found is None:
            break
        start = found.start()
        parts.append(packed[at:start])
        if packed[start] == 1:
            at = start + 17
            h = packed[start + 1:at].hex()
            parts.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode())
        else:
            at = start + 33
            parts.append(packed[start + 1:at].hex().encode())
    parts.append(packed[at:])
    return b"".join(parts)


marked_texts = st.lists(st.one_of(
    st.binary(min_size=16, max_size=16).map(lambda b: b"\x01" + b),  # a UUID's mark
    st.binary(min_size=32, max_size=32).map(lambda b: b"\x02" + b),  # a digest's
    st.binary(max_size=40),  # anything, a mark byte or one cut short by the end too
    st.just(b"\x01\x01" * 9), st.just(b"\x02" * 40),
), max_size=10).map(b"".join)


@settings(max_examples=400)
@given(marked_texts, st.booleans())
def test_marks_out_reads_any_bytes_as_the_loop_before_it(packed: bytes, digests: bool) -> None:
    assert packing.marks_out(packed, digests=digests) == loop_marks_out(packed, digests=digests)
    assert packing.marks_out(packed, digests=digests) == loop_marks_out(packed, digests=digests)


def test_marks_out_of_a_mark_cut_short_reads_what_is_left() -> None:
    assert packing.marks_out(b"a\x01\x12\x34") == b"a1234----"
    assert packing.marks_out(b"a\x02\xab") == b"aab"
    assert packing.marks_out(b"a\x02\xab", digests=False) == b"a\x02\xab"
