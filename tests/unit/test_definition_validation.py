"""A BPMN file that fails validation is refused with a readable message naming the element,
its line and the file; each way of breaking the SOP file is a small edit of a copy of it,
listed in one table of broken revisions."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from engine import validation
from engine.definitions import CompiledDefinition, compile_definition, parse_duration
from engine.errors import DefinitionError

ROLES = ("pemohon", "staf_iidc", "subkoor_iidc", "auditor", "admin")
PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = (PROCESSES / "permintaan_layanan_video_conference.bpmn").read_bytes()
NAME = "permintaan_layanan_video_conference.bpmn"
PROCESS_ID = "permintaan_layanan_video_conference"
RCE = (
    b'keputusan == "setuju" and not '
    b'__import__("pathlib").Path("/tmp/alur-rce").write_text("x")'
)


def compile_(data: bytes, forms_dir: Path = PROCESSES / "forms") -> CompiledDefinition:
    return compile_definition(
        data,
        NAME,
        forms_dir=forms_dir,
        operators={"conference.create_meeting"},
        known_roles=ROLES,
    )


def refused(data: bytes, forms_dir: Path = PROCESSES / "forms") -> list[str]:
    with pytest.raises(DefinitionError) as info:
        compile_(data, forms_dir)
    assert info.value.filename == NAME and str(info.value).startswith(f"{NAME}: ")
    return info.value.problems


def line_of(data: bytes, element: str) -> int:
    """The line of the element whose id is ``element`` in the edited file."""
    before, found, _ = data.partition(f'id="{element}"'.encode())
    assert found, element
    return before.count(b"\n") + 1


def replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return edit


def remove_di(element: str) -> Callable[[bytes], bytes]:
    pattern = rb'\s*<bpmndi:BPMN(Shape|Edge) id="%s_di".*?</bpmndi:BPMN\1>' % element.encode()

    def edit(data: bytes) -> bytes:
        edited, count = re.subn(pattern, b"", data, count=1, flags=re.S)
        assert count == 1, element
        return edited

    return edit


STAF_ROLE = b'<spiffworkflow:property name="role" value="staf_iidc" />'
PROCESS_PROPS = b'<spiffworkflow:property name="initiator_lane" value="Pemohon" />'
PRE_SCRIPT = b"<spiffworkflow:preScript>import os</spiffworkflow:preScript>"
BROKEN = [
    # (case, edit, element named, part of the message)
    ("lane_without_role", replace(STAF_ROLE, b""), "Lane_StafIIDC",
     "lajur tanpa properti 'role' tidak dipetakan ke peran mana pun; peran yang dikenal: "
     "pemohon, staf_iidc, subkoor_iidc"),
    ("lane_with_a_malformed_role", replace(b'value="staf_iidc"', b'value="Staf Gudang"'),
     "Lane_StafIIDC", "peran 'Staf Gudang' tidak sah: huruf kecil, angka dan _"),
    ("lane_with_a_system_role", replace(b'value="staf_iidc"', b'value="admin"'),
     "Lane_StafIIDC", "peran 'admin' tidak sah"),
    ("operator_lane_typo", replace(b'name="operator_lane" value="Staf Seksi IIDC"',
                                   b'name="operator_lane" value="Staf IIDC"'), PROCESS_ID,
     "operator_lane 'Staf IIDC' tidak menamai lajur mana pun"),
    ("initiator_lane_typo", replace(b'value="Pemohon"', b'value="Pemohn"'), PROCESS_ID,
     "initiator_lane 'Pemohn' tidak menamai lajur mana pun (lajur yang ada: Pemohon, Staf"),
    ("task_outside_every_lane",
     replace(b"<bpmn:flowNodeRef>Task_Verifikasi</bpmn:flowNodeRef>", b""), "Task_Verifikasi",
     "berada di luar semua lajur"),
    ("unreachable_task",
     replace(b'sourceRef="Task_IsiFPVC" targetRef="Task_Verifikasi"',
             b'sourceRef="Task_IsiFPVC" targetRef="Task_Persetujuan"'),
     "Task_Verifikasi", "tidak dapat dicapai dari awal proses"),
    ("dead_end",
     replace(b'sourceRef="Task_BuatLinkManual" targetRef="Gateway_LinkSiap"',
             b'sourceRef="Task_BuatLinkManual" targetRef="Task_BuatLinkManual"'),
     "Task_BuatLinkManual", "dari sini tidak ada jalan ke akhir proses"),
    ("condition_with_forgotten_quotes",
     replace(b'keputusan == "setuju"', b"keputusan == setuju"), "Flow_Ditandatangani",
     "kondisi 'keputusan == setuju' membaca 'setuju', yang bukan isian formulir"),
    ("condition_reading_a_later_field",
     replace(b'keputusan == "setuju"', b'keputusan == "setuju" and not diterima'),
     "Flow_Ditandatangani", "membaca 'diterima', yang baru diisi oleh langkah sesudahnya"),
    ("parameter_reading_a_later_field", replace(b'value="platform"', b'value="catatan_link"'),
     "Task_BuatLink", "membaca 'catatan_link', yang baru diisi oleh langkah sesudahnya"),
    ("condition_that_runs_code", replace(b'keputusan == "setuju"', RCE), "Flow_Ditandatangani",
     "tidak diizinkan: atribut 'write_text' tidak diizinkan; atribut 'Path' tidak diizinkan; "
     "fungsi '__import__' tidak diizinkan"),
    ("condition_that_does_not_parse",
     replace(b'keputusan == "setuju"', b'keputusan === "setuju"'), "Flow_Ditandatangani",
     "tata tulis salah"),
    ("parameter_reading_no_field", replace(b'value="platform"', b'value="ruang"'),
     "Task_BuatLink", "parameter 'platform' 'ruang' membaca 'ruang'"),
    ("parameter_that_opens_a_file",
     replace(b'value="platform"', b'value="open(&quot;/etc/passwd&quot;)"'), "Task_BuatLink",
     "fungsi 'open' tidak diizinkan"),
    ("script_that_imports",
     replace(b'verifikasi.schema.json" />\n        </spiffworkflow:properties>',
             b'verifikasi.schema.json" />\n        </spiffworkflow:properties>' + PRE_SCRIPT),
     "Task_Verifikasi", "skrip awal 'import os' tidak diizinkan: baris 1: hanya 'nama = ekspresi'"),
    ("step_target_not_a_duration",
     replace(b'name="target" value="PT3M"', b'name="target" value="3 menit"'), "Task_IsiFPVC",
     "target '3 menit' bukan durasi ISO-8601 (mis. PT3M)"),
    ("process_target_disagrees",
     replace(b'name="target" value="PT3M"', b'name="target" value="PT5M"'), PROCESS_ID,
     "target proses PT7M berbeda dari jumlah target langkahnya PT9M"),
    ("missing_form",
     replace(b'value="verifikasi.schema.json"', b'value="tidak_ada.schema.json"'),
     "Task_Verifikasi", "berkas 'tidak_ada.schema.json' tidak ada"),
    ("unknown_operator",
     replace(b'id="conference.create_meeting"', b'id="conference.pesan_ruang"'),
     "Task_BuatLink", "operator 'conference.pesan_ruang' tidak dikenal"),
    ("task_without_shape", remove_di("Task_Verifikasi"), "Task_Verifikasi",
     "tidak punya bentuk di diagram (BPMNShape)"),
    ("lane_without_shape", remove_di("Lane_SubkoorIIDC"), "Lane_SubkoorIIDC",
     "tidak punya bentuk di diagram (BPMNShape)"),
    ("flow_without_edge", remove_di("Flow_Mulai"), "Flow_Mulai",
     "tidak punya garis di diagram (BPMNEdge)"),
    ("flow_to_a_missing_element",
     replace(b'sourceRef="Task_IsiFPVC" targetRef="Task_Verifikasi"',
             b'sourceRef="Task_IsiFPVC" targetRef="Task_Hilang"'),
     "Flow_KeVerifikasi", "targetRef 'Task_Hilang' tidak ada di diagram"),
    ("mail_template_path",
     replace(b'value="permintaan_layanan_video_conference.mail.json"',
             b'value="../../etc/passwd"'),
     PROCESS_ID, "mail '../../etc/passwd': nama berkas harus nama polos di dalam paket"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "element", "message"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_revision_is_refused_naming_element_and_line(
    edit: Callable[[bytes], bytes], element: str, message: str
) -> None:
    data = edit(BPMN)
    problems = refused(data)
    where = f"'{element}' ("
    line = f"baris {line_of(data, element)})"
    matching = [p for p in problems if where in p and message in p]
    assert matching, problems
    assert all(line in p for p in matching), (line, matching)


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../forms/fpvc.schema.json", "C:\\forms\\x.json", "..\\x.json",
             "forms/fpvc.schema.json", ".hidden.json"],
)  # fmt: skip
def test_a_form_reference_that_is_a_path_is_refused_before_the_disk_is_read(path: str) -> None:
    data = BPMN.replace(b'value="verifikasi.schema.json"', f'value="{path}"'.encode())
    problems = refused(data)
    assert [p for p in problems if "Task_Verifikasi" in p] == [
        f"elemen 'Task_Verifikasi' (\"Menerima dan memverifikasi FPVC\", baris "
        f"{line_of(data, 'Task_Verifikasi')}): formJsonSchemaFilename '{path}': nama berkas "
        "harus nama polos di dalam paket (tanpa '/', '\\', '..' atau huruf drive)"
    ]  # no "bukan JSON", no "tidak ditemukan": nothing tells whether the path exists


def test_an_invalid_form_schema(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(PROCESSES / "forms", forms)
    shutil.copy(PROCESSES / "permintaan_layanan_video_conference.mail.json", tmp_path)
    schema = json.loads((forms / "verifikasi.schema.json").read_text())
    schema["properties"]["catatan_verifikasi"]["type"] = "teks"
    (forms / "verifikasi.schema.json").write_text(json.dumps(schema))
    (problem,) = refused(BPMN, forms)
    line = line_of(BPMN, "Task_Verifikasi")
    assert f"'Task_Verifikasi' (\"Menerima dan memverifikasi FPVC\", baris {line})" in problem
    assert "verifikasi.schema.json" in problem


def test_every_problem_is_listed_at_once() -> None:
    cases = {case: edit for case, edit, _, _ in BROKEN}
    data = BPMN
    for case in ("lane_without_role", "condition_with_forgotten_quotes", "missing_form",
                 "unknown_operator", "task_without_shape"):  # fmt: skip
        data = cases[case](data)
    problems = refused(data)
    assert len(problems) == 5, problems


def test_the_sop_file_compiles_with_its_steps_described() -> None:
    compiled = compile_(BPMN)
    assert compiled.process_id == PROCESS_ID
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
    assert "Waktu: 3 menit" not in steps["Task_IsiFPVC"]["documentation"]
    assert set(compiled.forms) == {
        "fpvc.schema.json",
        "verifikasi.schema.json",
        "persetujuan.schema.json",
        "link_manual.schema.json",
        "penerimaan.schema.json",
        "permintaan_layanan_video_conference.mail.json",
    }


def test_a_missing_process_target_is_derived_counting_alternative_steps_once() -> None:
    data = (
        BPMN.replace(b'<spiffworkflow:property name="target" value="PT7M" />', b"", 1)
        .replace(  # the two step-4 tasks are alternatives: the larger target counts, once
            b'<spiffworkflow:property name="step" value="4" />\n',
            b'<spiffworkflow:property name="step" value="4" />'
            b'<spiffworkflow:property name="target" value="PT5M" />\n',
            1,
        )
        .replace(
            b'<spiffworkflow:property name="formJsonSchemaFilename" value="link_manual',
            b'<spiffworkflow:property name="target" value="PT10M" />'
            b'<spiffworkflow:property name="formJsonSchemaFilename" value="link_manual',
            1,
        )
    )
    assert compile_(data).meta["target_s"] == (3 + 2 + 2 + 10) * 60


def test_a_task_whose_only_way_on_is_its_boundary_event_still_reaches_the_end() -> None:
    data = BPMN.replace(
        b'id="Flow_LinkOtomatis" sourceRef="Task_BuatLink" targetRef="Gateway_LinkSiap"',
        b'id="Flow_LinkOtomatis" sourceRef="Task_BuatLink" targetRef="Task_BuatLink"',
    )
    process = etree.fromstring(data).find(f"{{{validation.NS['bpmn']}}}process")
    problems = validation.check(
        process, forms={}, known_roles=ROLES, operators={"conference.x"}
    )
    assert [p for p in problems if "jalan ke akhir" in p] == []
    assert [p for p in problems if "operator 'conference.create_meeting'" in p]  # it did check


def test_the_lanes_name_their_roles() -> None:
    process = etree.fromstring(BPMN).find(f"{{{validation.NS['bpmn']}}}process")
    assert validation.lane_roles(process) == {
        "Pemohon": "pemohon",
        "Staf Seksi IIDC": "staf_iidc",
        "Sub Koordinator Infrastruktur Internet dan Data Center": "subkoor_iidc",
    }


def test_broken_xml_names_the_line() -> None:
    assert "XML tidak valid (baris" in refused(BPMN.replace(b"</bpmn:process>", b"", 1))[0]


def test_unknown_element_is_refused_by_the_xsd_with_its_line() -> None:
    data = BPMN.replace(b"<bpmn:startEvent ", b"<bpmn:startEvnt ", 1).replace(
        b"</bpmn:startEvent>", b"</bpmn:startEvnt>", 1
    )
    (problem,) = refused(data)  # alone: the other checks assume a valid BPMN tree
    line = line_of(data, "StartEvent_Permintaan")
    assert problem.startswith(
        f"elemen 'StartEvent_Permintaan' (\"Permintaan diajukan\", baris {line}): tidak sesuai "
        "skema BPMN: Element 'bpmn:startEvnt': This element is not expected."
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("PT3M", 180), ("PT2M30S", 150), ("P1D", 86400), ("PT1H", 3600)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(validation.format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["3M", "PT", "P", "PT3X", ""])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_an_event_sub_process_is_its_own_start_and_end() -> None:
    xml = f"""<bpmn:definitions xmlns:bpmn="{validation.NS['bpmn']}" id="d">
      <bpmn:process id="p" isExecutable="true">
        <bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
        <bpmn:subProcess id="esp" triggeredByEvent="true">
          <bpmn:startEvent id="s2"/><bpmn:endEvent id="e2"/>
          <bpmn:sequenceFlow id="f2" sourceRef="s2" targetRef="e2"/>
        </bpmn:subProcess>
        <bpmn:subProcess id="lost"/>
      </bpmn:process></bpmn:definitions>"""
    process = etree.fromstring(xml.encode())[0]
    problems = validation.check(
        process, forms={}, known_roles=ROLES, operators=()
    )
    line = line_of(xml.encode(), "lost")
    assert [p for p in problems if "awal proses" in p or "akhir proses" in p] == [
        f"elemen 'lost' (baris {line}): tidak dapat dicapai dari awal proses"
    ]
