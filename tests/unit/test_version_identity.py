"""A version is its canonical content: a re-save in bpmn.io of the unchanged file, another
attribute order, other namespace prefixes, other indentation or the modeler's stamp give
the same version; a moved shape, a changed word or a changed form give a new one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from engine import identity, packfiles
from engine.errors import DefinitionError
from tests.support.journey import FakeConference, make_alur

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "processes/permintaan_layanan_video_conference.bpmn"
RESAVED = ROOT / "tests/fixtures/bpmnio/permintaan_layanan_video_conference.bpmn"


def sha(data: bytes, files: dict[str, bytes] | None = None) -> str:
    shipped = packfiles.from_folder(BPMN)
    own = files if files is not None else dict(shipped.files)
    source = packfiles.PackFiles(BPMN.name, data, own)
    return make_alur(FakeConference()).compile_pack(source).sha256


def test_the_file_saved_by_bpmn_js_is_the_same_version() -> None:
    resaved = RESAVED.read_bytes()
    assert resaved != BPMN.read_bytes()  # other bytes (the modeler's stamp, a newline)
    assert b'exporter="bpmn-js (https://demo.bpmn.io)"' in resaved
    assert sha(resaved) == sha(BPMN.read_bytes()), (
        "the bpmn.io fixture differs from processes/: run tests/fixtures/bpmnio/resave.mjs")


def canonical(xml: str) -> bytes:
    return identity.canonical_xml(etree.fromstring(xml.encode()))


@pytest.mark.parametrize("other", [
    '<b:d xmlns:b="urn:bpmn" id="1" exporter="Camunda Modeler"><b:e y="2" x="1">t</b:e></b:d>',
    '<?xml version="1.0"?>\n<!-- saved --><d xmlns="urn:bpmn" id="1">\n  <e x="1" y="2">\n'
    '    t\n  </e>\n</d>',
    '<a:d xmlns:a="urn:bpmn" xmlns:unused="urn:x" id="1"><a:e x="1" y="2">t</a:e></a:d>',
])
def test_form_that_carries_no_meaning_is_ignored(other: str) -> None:
    base = '<a:d xmlns:a="urn:bpmn" id="1"><a:e x="1" y="2">t</a:e></a:d>'
    assert canonical(other) == canonical(base)


def test_di_numbers_are_read_as_numbers_but_a_moved_shape_is_a_change() -> None:
    dc = 'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
    shape = '<dc:Bounds {} x="{}" y="80" width="100" height="80"/>'
    assert canonical(shape.format(dc, "160")) == canonical(shape.format(dc, "160.0"))
    assert canonical(shape.format(dc, "160")) != canonical(shape.format(dc, "170"))


def test_a_changed_word_or_form_is_a_new_version() -> None:
    data = BPMN.read_bytes()
    assert sha(data.replace(b"Permintaan selesai", b"Permintaan tuntas")) != sha(data)
    files = dict(packfiles.from_folder(BPMN).files)
    form = json.loads(files["verifikasi.schema.json"])
    files["verifikasi.schema.json"] = json.dumps(form, indent=8).encode()  # layout only
    assert sha(data, files) == sha(data)
    form["title"] = "Verifikasi"
    files["verifikasi.schema.json"] = json.dumps(form).encode()
    assert sha(data, files) != sha(data)


def test_pack_files_are_plain_names_and_bounded() -> None:
    with pytest.raises(DefinitionError) as refused:
        packfiles.from_upload([("../x.bpmn", b"<a/>"), ("forms/sub/y.json", b"{}"),
                          ("z.exe", b""), ("big.json", b" " * (packfiles.MAX_FILE_BYTES + 1))])
    problems = " ".join(refused.value.problems)
    for name in ("../x.bpmn", "forms/sub/y.json", "z.exe", "tepat satu berkas BPMN"):
        assert name in problems
    bpmn = BPMN.read_bytes()
    source = packfiles.from_upload([(BPMN.name, bpmn), ("forms/a.json", b"{}")])
    assert source.files == {"a.json": b"{}"}
    again = packfiles.from_upload([("p.zip", packfiles.to_zip(source))])
    assert again == source


def test_a_zip_bomb_stops_at_the_cap_whatever_its_header_says() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bom.json", b"0" * (packfiles.MAX_FILE_BYTES * 4))
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(DefinitionError, match="bom.json: lebih dari"):
        packfiles.from_upload([("bom.zip", buffer.getvalue())])
