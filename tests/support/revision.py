"""The SOP revised as a process owner would revise it (the issue's revision scenario):
a new step "2a" between verification and approval, step 2's target from 2 to 3 minutes,
and the verification form's field ``catatan_verifikasi`` renamed ``catatan``. Also a
"broken" version written straight into the database, as no validator would let it in.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.packfiles import PackFiles, from_folder

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"

NEW_TASK = """<bpmn:sequenceFlow id="Flow_KePersetujuan" sourceRef="Task_Verifikasi"
      targetRef="Task_Telaah" />
    <bpmn:userTask id="Task_Telaah" name="Menelaah kelengkapan surat">
      <bpmn:documentation>Langkah 2a. Menelaah kelengkapan surat.</bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="step" value="2a" />
          <spiffworkflow:property name="target" value="PT1M" />
          <spiffworkflow:property name="formJsonSchemaFilename" value="telaah.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_KePersetujuan</bpmn:incoming>
      <bpmn:outgoing>Flow_TelaahKePersetujuan</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_TelaahKePersetujuan" sourceRef="Task_Telaah"
      targetRef="Task_Persetujuan" />"""
NEW_DI = """<bpmndi:BPMNShape id="Task_Telaah_di" bpmnElement="Task_Telaah">
        <dc:Bounds x="720" y="320" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_TelaahKePersetujuan_di" bpmnElement="Flow_TelaahKePersetujuan">
        <di:waypoint x="770" y="400" />
        <di:waypoint x="770" y="580" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_KePersetujuan_di" bpmnElement="Flow_KePersetujuan">
        <di:waypoint x="670" y="360" />
        <di:waypoint x="720" y="360" />
      </bpmndi:BPMNEdge>"""
TELAAH = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Telaah surat",
    "type": "object",
    "properties": {"hasil_telaah": {"type": ["string", "null"], "title": "Hasil telaah"}},
    "additionalProperties": False,
}


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def revised_bpmn() -> bytes:
    xml = BPMN.read_text(encoding="utf-8")
    start = xml.index('<bpmndi:BPMNEdge id="Flow_KePersetujuan_di"')
    end = xml.index("</bpmndi:BPMNEdge>", start) + len("</bpmndi:BPMNEdge>")
    xml = xml[:start] + NEW_DI + xml[end:]
    xml = _replace_once(
        xml,
        '<bpmn:sequenceFlow id="Flow_KePersetujuan" sourceRef="Task_Verifikasi" '
        'targetRef="Task_Persetujuan" />',
        NEW_TASK,
    )
    xml = _replace_once(
        xml,
        "<bpmn:incoming>Flow_KePersetujuan</bpmn:incoming>\n      <bpmn:outgoing>Flow_KeKeputusan",
        "<bpmn:incoming>Flow_TelaahKePersetujuan</bpmn:incoming>\n"
        "      <bpmn:outgoing>Flow_KeKeputusan",
    )
    xml = _replace_once(
        xml,
        "<bpmn:flowNodeRef>Task_Verifikasi</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>Task_Verifikasi</bpmn:flowNodeRef>\n"
        "        <bpmn:flowNodeRef>Task_Telaah</bpmn:flowNodeRef>",
    )
    step2 = xml.index('id="Task_Verifikasi"')
    target = xml.index('name="target" value="PT2M"', step2)
    xml = xml[:target] + 'name="target" value="PT3M"' + xml[target + 26 :]
    xml = _replace_once(xml, 'name="target" value="PT7M"', 'name="target" value="PT9M"')
    return xml.encode("utf-8")


def revised_pack() -> PackFiles:
    """v2: the shipped pack with the revision applied."""
    shipped = from_folder(BPMN)
    files = dict(shipped.files)
    verifikasi = json.loads(files["verifikasi.schema.json"])
    props = verifikasi["properties"]
    props["catatan"] = props.pop("catatan_verifikasi")
    files["verifikasi.schema.json"] = json.dumps(verifikasi, indent=2).encode()
    files["telaah.schema.json"] = json.dumps(TELAAH, indent=2).encode()
    return PackFiles(BPMN.name, revised_bpmn(), files)


def write_revised(folder: Path) -> Path:
    """The revised pack as a process owner keeps it: BPMN, and forms/ beside it."""
    pack = revised_pack()
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    path = folder / pack.filename
    path.write_bytes(pack.bpmn)
    for name, data in pack.files.items():
        (folder / "forms" / name).write_bytes(data)
    return path
