"""A BPMN file that fails validation is refused with a readable message naming the element
and the file; each way of breaking the SOP file is tried here on a copy of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.definitions import CompiledDefinition, compile_definition, parse_duration
from engine.errors import DefinitionError

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = (PROCESSES / "permintaan_layanan_video_conference.bpmn").read_bytes()
NAME = "permintaan_layanan_video_conference.bpmn"


def compile_(data: bytes, forms_dir: Path = PROCESSES / "forms") -> CompiledDefinition:
    return compile_definition(
        data,
        NAME,
        forms_dir=forms_dir,
        known_roles=("pemohon", "staf_iidc", "subkoor_iidc", "auditor", "admin"),
        operators={"conference.create_meeting"},
    )


def refused(data: bytes, forms_dir: Path = PROCESSES / "forms") -> str:
    with pytest.raises(DefinitionError) as info:
        compile_(data, forms_dir)
    assert info.value.filename == NAME
    return str(info.value)


def test_the_sop_file_compiles_with_its_steps_described() -> None:
    compiled = compile_(BPMN)
    assert compiled.process_id == "permintaan_layanan_video_conference"
    assert compiled.meta["target_s"] == 420 and compiled.meta["initiator_lane"] == "Pemohon"
    steps = compiled.meta["steps"]
    assert {k: v["target_s"] for k, v in steps.items()} == {
        "Task_IsiFPVC": 180,
        "Task_Verifikasi": 120,
        "Task_Persetujuan": 120,
        "Task_BuatLink": None,
        "Task_BuatLinkManual": None,
        "Task_TerimaJadwal": None,
    }
    assert steps["Task_BuatLink"]["kind"] == "service"
    assert set(compiled.forms) == {
        "fpvc.schema.json",
        "verifikasi.schema.json",
        "persetujuan.schema.json",
        "link_manual.schema.json",
        "penerimaan.schema.json",
        "permintaan_layanan_video_conference.mail.json",
    }


def test_broken_xml_names_the_line() -> None:
    assert "XML tidak valid (baris" in refused(BPMN.replace(b"</bpmn:process>", b"", 1))


def test_unknown_element_is_refused_by_the_xsd() -> None:
    data = BPMN.replace(b"<bpmn:startEvent ", b"<bpmn:startEvnt ", 1).replace(
        b"</bpmn:startEvent>", b"</bpmn:startEvnt>", 1
    )
    assert "startEvnt" in refused(data)


def test_a_lane_with_no_role() -> None:
    data = BPMN.replace(b'<spiffworkflow:property name="role" value="staf_iidc" />', b"", 1)
    assert "lajur 'Lane_StafIIDC' ('Staf Seksi IIDC') tidak dipetakan" in refused(data)


def test_a_missing_form_schema() -> None:
    data = BPMN.replace(b'value="verifikasi.schema.json"', b'value="tidak_ada.schema.json"')
    message = refused(data)
    assert "Task_Verifikasi" in message and "tidak_ada.schema.json" in message


def test_an_invalid_form_schema(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(PROCESSES / "forms", forms)
    schema = json.loads((forms / "verifikasi.schema.json").read_text())
    schema["properties"]["catatan_verifikasi"]["type"] = "teks"
    (forms / "verifikasi.schema.json").write_text(json.dumps(schema))
    message = refused(BPMN, forms)
    assert "Task_Verifikasi" in message and "verifikasi.schema.json" in message


def test_an_unknown_operator() -> None:
    data = BPMN.replace(b'id="conference.create_meeting"', b'id="conference.pesan_ruang"')
    assert "operator 'conference.pesan_ruang' tidak dikenal" in refused(data)


def test_a_target_that_is_not_a_duration() -> None:
    data = BPMN.replace(b'name="target" value="PT3M"', b'name="target" value="3 menit"', 1)
    assert "elemen 'Task_IsiFPVC': target '3 menit' bukan durasi ISO-8601" in refused(data)


def test_a_condition_that_does_not_compile() -> None:
    data = BPMN.replace(b'keputusan == "setuju"', b'keputusan === "setuju"')
    assert "kondisi pada alur 'Flow_Ditandatangani' tidak dapat dikompilasi" in refused(data)


def test_a_flow_to_a_missing_element() -> None:
    data = BPMN.replace(
        b'sourceRef="Task_IsiFPVC" targetRef="Task_Verifikasi"',
        b'sourceRef="Task_IsiFPVC" targetRef="Task_Hilang"',
    )
    assert "targetRef 'Task_Hilang' tidak ada di diagram" in refused(data)


def test_every_problem_is_listed_at_once() -> None:
    data = BPMN.replace(b'name="target" value="PT3M"', b'name="target" value="x"', 1).replace(
        b'id="conference.create_meeting"', b'id="x.y"'
    )
    with pytest.raises(DefinitionError) as info:
        compile_(data)
    assert len(info.value.problems) == 2


@pytest.mark.parametrize(
    ("text", "seconds"), [("PT3M", 180), ("PT2M30S", 150), ("P1D", 86400), ("PT1H", 3600)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["3M", "PT", "P", "PT3X", ""])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
