"""The SOP's BPMN file parses with the validating parser and says what the SOP says."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.forms import load_schema

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"
PROCESS_ID = "permintaan_layanan_video_conference"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "serviceTask",
    "exclusiveGateway",
    "boundaryEvent",
)
EXPECTED_STEPS = {
    "Task_IsiFPVC": ("1", "PT3M", "Pemohon"),
    "Task_Verifikasi": ("2", "PT2M", "Staf Seksi IIDC"),
    "Task_Persetujuan": ("3", "PT2M", "Sub Koordinator Infrastruktur Internet dan Data Center"),
    "Task_BuatLink": ("4", None, "Staf Seksi IIDC"),
    "Task_BuatLinkManual": ("4", None, "Staf Seksi IIDC"),
    "Task_TerimaJadwal": ("5", None, "Pemohon"),
}


@pytest.fixture(scope="module")
def spec() -> Any:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID)


@pytest.fixture(scope="module")
def tree() -> Any:
    return etree.parse(str(BPMN))


def xpath(tree: Any, query: str) -> list[Any]:
    result: list[Any] = tree.xpath(query, namespaces=NS)
    return result


def one(tree: Any, query: str) -> Any:
    (node,) = xpath(tree, query)
    return node


def properties(node: Any) -> dict[str, str]:
    query = "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    return {p.get("name"): p.get("value") for p in xpath(node, query)}


def seconds(duration: str) -> int:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert match, duration
    hours, minutes, secs = (int(part or 0) for part in match.groups())
    return int(timedelta(hours=hours, minutes=minutes, seconds=secs).total_seconds())


def test_the_file_passes_spiffworkflows_xsd_validating_parser(spec: Any) -> None:
    assert spec.name == PROCESS_ID
    assert spec.description == "Permintaan Layanan Video Conference"


def test_one_pool_refers_to_the_executable_process(tree: Any) -> None:
    participant = one(tree, "//bpmn:collaboration/bpmn:participant")
    assert participant.get("name") == "Permintaan Layanan Video Conference"
    assert participant.get("processRef") == PROCESS_ID
    process = one(tree, "//bpmn:process")
    assert process.get("id") == PROCESS_ID
    assert process.get("isExecutable") == "true"
    assert process.get("name") == "Permintaan Layanan Video Conference"


def test_the_process_carries_the_sops_target_initiator_and_name(tree: Any) -> None:
    process = one(tree, "//bpmn:process")
    found = properties(process)  # the SOP sheet's fields too (tests/unit/documents)
    keys = ("target", "initiator_lane", "operator_lane", "number_prefix", "mail", "sop")
    assert {k: found.get(k) for k in keys} == {
        "target": "PT7M",
        "initiator_lane": "Pemohon",
        "operator_lane": "Staf Seksi IIDC",
        "number_prefix": "VC",
        "mail": "permintaan_layanan_video_conference.mail.json",
        "sop": "Prosedur Operasi Standar Permintaan Layanan Video Conference",
    }
    documentation = one(process, "./bpmn:documentation").text
    assert "Diskominfo" in documentation and "Permen PAN-RB 35/2012" in documentation


def test_lanes_are_the_sops_executors_and_hold_every_node(tree: Any, spec: Any) -> None:
    lanes = {lane.get("id"): lane.get("name") for lane in xpath(tree, "//bpmn:lane")}
    assert lanes == {
        "Lane_Pemohon": "Pemohon",
        "Lane_StafIIDC": "Staf Seksi IIDC",
        "Lane_SubkoorIIDC": "Sub Koordinator Infrastruktur Internet dan Data Center",
    }
    refs = [ref.text for ref in xpath(tree, "//bpmn:lane/bpmn:flowNodeRef")]
    nodes = [n.get("id") for kind in FLOW_NODES for n in xpath(tree, f"//bpmn:{kind}")]
    assert sorted(refs) == sorted(nodes)
    for bpmn_id, (_, _, lane) in EXPECTED_STEPS.items():
        assert spec.task_specs[bpmn_id].lane == lane


def test_every_node_has_a_shape_and_every_flow_an_edge(tree: Any) -> None:
    shapes = {s.get("bpmnElement") for s in xpath(tree, "//bpmndi:BPMNShape")}
    nodes = {n.get("id") for kind in FLOW_NODES for n in xpath(tree, f"//bpmn:{kind}")}
    lanes = {lane.get("id") for lane in xpath(tree, "//bpmn:lane")}
    pool = {one(tree, "//bpmn:participant").get("id")}
    assert shapes == nodes | lanes | pool
    edges = {e.get("bpmnElement"): e for e in xpath(tree, "//bpmndi:BPMNEdge")}
    flows = {f.get("id") for f in xpath(tree, "//bpmn:sequenceFlow")}
    assert set(edges) == flows
    assert all(len(xpath(edge, "./di:waypoint")) >= 2 for edge in edges.values())


def test_the_boundary_event_sits_on_the_service_tasks_bottom_edge(tree: Any) -> None:
    def bounds(bpmn_id: str) -> tuple[float, ...]:
        node = one(tree, f"//bpmndi:BPMNShape[@bpmnElement='{bpmn_id}']/dc:Bounds")
        return tuple(float(node.get(k)) for k in ("x", "y", "width", "height"))

    tx, ty, tw, th = bounds("Task_BuatLink")
    bx, by, bw, bh = bounds("BoundaryEvent_GagalLink")
    assert by + bh / 2 == ty + th
    assert tx <= bx + bw / 2 <= tx + tw


def test_steps_carry_the_sop_rows_and_their_targets_add_up(spec: Any, tree: Any) -> None:
    total = 0
    for bpmn_id, (step, target, _) in EXPECTED_STEPS.items():
        props = spec.task_specs[bpmn_id].extensions["properties"]
        assert props["step"] == step
        assert props.get("target") == target
        total += seconds(target) if target else 0
        if bpmn_id != "Task_BuatLinkManual":
            assert props["input"] and props["output"]
        assert spec.task_specs[bpmn_id].documentation
    assert total == seconds(properties(one(tree, "//bpmn:process"))["target"]) == 7 * 60


def test_step_4_documents_that_it_has_no_fixed_time(spec: Any) -> None:
    for bpmn_id in ("Task_BuatLink", "Task_BuatLinkManual"):
        doc = spec.task_specs[bpmn_id].documentation
        assert "Tergantung situasi saat pembuatan akun email" in doc


def test_every_user_task_form_exists_and_is_a_valid_schema(spec: Any) -> None:
    user_tasks = [t for t in spec.task_specs.values() if type(t).__name__ == "UserTask"]
    assert {t.bpmn_id for t in user_tasks} == {
        "Task_IsiFPVC",
        "Task_Verifikasi",
        "Task_Persetujuan",
        "Task_BuatLinkManual",
        "Task_TerimaJadwal",
    }
    for task in user_tasks:
        filename = task.extensions["properties"]["formJsonSchemaFilename"]
        schema = load_schema(PROCESSES / "forms" / filename)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_not_signed_goes_back_to_step_1_by_default(spec: Any, tree: Any) -> None:
    gateway = one(tree, "//bpmn:exclusiveGateway[@id='Gateway_Ditandatangani']")
    assert gateway.get("name") == "Ditandatangani?"
    default = one(tree, f"//bpmn:sequenceFlow[@id='{gateway.get('default')}']")
    assert default.get("id") == "Flow_TidakDitandatangani"
    assert default.get("targetRef") == "Gateway_MulaiIsi"
    assert not xpath(default, "./bpmn:conditionExpression")
    assert spec.task_specs["Gateway_Ditandatangani"].default_task_spec == "Gateway_MulaiIsi"
    assert [t.name for t in spec.task_specs["Gateway_MulaiIsi"].outputs] == ["Task_IsiFPVC"]


def test_signed_goes_on_to_the_link_on_a_condition(tree: Any) -> None:
    signed = one(tree, "//bpmn:sequenceFlow[@id='Flow_Ditandatangani']")
    assert signed.get("name") == "Ya, ditandatangani"
    assert signed.get("targetRef") == "Task_BuatLink"
    condition = one(signed, "./bpmn:conditionExpression").text
    assert condition == 'keputusan == "setuju"'
    compile(condition, "<condition>", "eval")


def test_the_service_task_calls_the_conference_connector(spec: Any) -> None:
    task = spec.task_specs["Task_BuatLink"]
    assert task.operation_name == "conference.create_meeting"
    assert task.result_variable == "meeting"
    params = {name: (p["type"], p["value"]) for name, p in task.operation_params.items()}
    expected = [
        "platform",
        "nama_kegiatan",
        "tanggal",
        "jam_mulai",
        "jam_selesai",
        "email",
        "nama_pemohon",
        "instansi",
    ]
    assert params == {
        **{n: ("str", n) for n in expected},
        "jumlah_peserta": ("int", "jumlah_peserta"),
    }


def test_a_failed_link_goes_to_the_manual_task(spec: Any, tree: Any) -> None:
    event = spec.task_specs["BoundaryEvent_GagalLink"]
    assert event.event_definition.code == "conference_failed"
    assert event.cancel_activity is True
    assert "Task_BuatLinkManual" in [t.name for t in event.outputs]
    error = one(tree, "/bpmn:definitions/bpmn:error")
    assert (error.get("id"), error.get("errorCode")) == (
        "Error_ConferenceFailed",
        "conference_failed",
    )
    boundary = one(tree, "//bpmn:boundaryEvent[@id='BoundaryEvent_GagalLink']")
    assert boundary.get("attachedToRef") == "Task_BuatLink"


def test_both_link_paths_meet_before_the_requester_receives_it(spec: Any) -> None:
    for bpmn_id in ("Task_BuatLinkManual", "Gateway_LinkSiap"):
        assert spec.task_specs[bpmn_id].outputs
    assert [t.name for t in spec.task_specs["Task_BuatLinkManual"].outputs] == ["Gateway_LinkSiap"]
    assert [t.name for t in spec.task_specs["Gateway_LinkSiap"].outputs] == ["Task_TerimaJadwal"]
    assert [t.name for t in spec.task_specs["Task_TerimaJadwal"].outputs] == ["EndEvent_Selesai"]


def test_the_file_round_trips_through_lxml(tree: Any) -> None:
    serialised = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    again = etree.fromstring(serialised)
    assert len(list(again.iter())) == len(list(tree.getroot().iter()))
    assert etree.tostring(again, method="c14n") == etree.tostring(tree, method="c14n")
