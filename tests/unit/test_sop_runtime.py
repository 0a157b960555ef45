"""The real SOP file through the engine's runtime, with no database: every branch runs to
the end (signed first time, not signed once and five times, provider failure → manual link
→ receipt, cancel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import runtime
from engine.definitions import compile_definition
from tests.support.journey import FPVC

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MEETING = {
    "provider": "jitsi",
    "meeting_id": "r",
    "join_url": "https://meet.uji/r",
    "passcode": None,
    "host_url": None,
    "start": None,
    "end": None,
}


@pytest.fixture(scope="module")
def compiled() -> Any:
    path = PROCESSES / "permintaan_layanan_video_conference.bpmn"
    return compile_definition(
        path.read_bytes(),
        path.name,
        forms_dir=PROCESSES / "forms",
        known_roles=("pemohon", "staf_iidc", "subkoor_iidc", "auditor", "admin"),
        operators={"conference.create_meeting"},
    )


def start(compiled: Any) -> Any:
    workflow = runtime.start_workflow(f"unit:{compiled.sha256}", lambda: compiled.spec)
    runtime.advance(workflow)
    return workflow


def ready(workflow: Any) -> list[str]:
    tasks = runtime.ready_user_tasks(workflow) + runtime.ready_service_tasks(workflow)
    return [t.task_spec.bpmn_id for t in tasks]


def do(workflow: Any, bpmn_id: str, data: dict[str, Any]) -> None:
    task = next(t for t in runtime.ready_user_tasks(workflow) if t.task_spec.bpmn_id == bpmn_id)
    runtime.complete_user_task(task, data)


def round_trip(workflow: Any, compiled: Any) -> Any:
    """Every step persists and restores, as the engine does between requests."""
    state = runtime.dump_workflow(workflow)
    return runtime.load_workflow(state, f"unit:{compiled.sha256}", lambda: compiled.spec)


def through_approval(workflow: Any, compiled: Any, declines: int) -> Any:
    for n in range(declines + 1):
        do(workflow, "Task_IsiFPVC", {**FPVC, "nama_kegiatan": f"Rapat {n}"})
        workflow = round_trip(workflow, compiled)
        do(workflow, "Task_Verifikasi", {"catatan_verifikasi": None})
        signed = n == declines
        do(
            workflow,
            "Task_Persetujuan",
            {
                "keputusan": "setuju" if signed else "tidak_setuju",
                "alasan": None if signed else "Kurang lengkap",
            },
        )
        workflow = round_trip(workflow, compiled)
    return workflow


@pytest.mark.parametrize("declines", [0, 1, 5])
def test_signed_after_n_declines_runs_to_the_end(compiled: Any, declines: int) -> None:
    workflow = through_approval(start(compiled), compiled, declines)
    assert ready(workflow) == ["Task_BuatLink"]
    task = runtime.ready_service_tasks(workflow)[0]
    assert runtime.service_params(task)["nama_kegiatan"] == f"Rapat {declines}"
    runtime.complete_service(task, MEETING)
    assert ready(workflow) == ["Task_TerimaJadwal"]
    do(workflow, "Task_TerimaJadwal", {"diterima": True})
    assert workflow.is_completed()
    assert workflow.last_task.data["meeting"] == MEETING
    fills = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Task_IsiFPVC"]
    assert len(fills) == declines + 1


def test_a_decline_carries_the_reason_back_to_step_one(compiled: Any) -> None:
    workflow = start(compiled)
    do(workflow, "Task_IsiFPVC", {"nama_kegiatan": "Rapat"})
    do(workflow, "Task_Verifikasi", {})
    do(workflow, "Task_Persetujuan", {"keputusan": "tidak_setuju", "alasan": "Tanpa surat"})
    assert ready(workflow) == ["Task_IsiFPVC"]
    assert runtime.ready_user_tasks(workflow)[0].data["alasan"] == "Tanpa surat"


def test_provider_failure_goes_to_the_manual_link_then_receipt(compiled: Any) -> None:
    workflow = through_approval(start(compiled), compiled, 0)
    task = runtime.ready_service_tasks(workflow)[0]
    assert runtime.throw_error(task, "conference_failed", "zoom 401") is True
    assert ready(workflow) == ["Task_BuatLinkManual"]
    workflow = round_trip(workflow, compiled)
    do(workflow, "Task_BuatLinkManual", {"meeting": {**MEETING, "provider": "zoom"}})
    do(workflow, "Task_TerimaJadwal", {"diterima": True})
    assert workflow.is_completed()
    assert workflow.last_task.data["meeting"]["provider"] == "zoom"


def test_an_error_nobody_catches_is_reported(compiled: Any) -> None:
    workflow = through_approval(start(compiled), compiled, 0)
    task = runtime.ready_service_tasks(workflow)[0]
    assert runtime.throw_error(task, "other_failed", "x") is False
    assert ready(workflow) == ["Task_BuatLink"]


def test_cancel_ends_the_workflow(compiled: Any) -> None:
    workflow = start(compiled)
    do(workflow, "Task_IsiFPVC", {})
    runtime.cancel(workflow)
    assert ready(workflow) == [] and workflow.is_completed()


def _full_less_spec(workflow: Any) -> dict[str, Any]:
    """What Spiff's serializer gives, less the spec the version holds (the old way)."""
    full = runtime.SERIALIZER.to_dict(workflow)
    return {k: v for k, v in full.items() if k not in runtime.SPEC_KEYS}


def test_the_dumped_state_is_the_serializers_less_the_spec(compiled: Any) -> None:
    """``dump_workflow`` skips converting the spec, and gives what the serializer gives
    without it, key for key in the same order (the same stored JSON), at every stage:
    started, on a later pass, after a caught error, cancelled."""
    workflow = start(compiled)
    stages = [workflow]
    workflow = through_approval(workflow, compiled, 1)
    stages.append(workflow)
    runtime.throw_error(runtime.ready_service_tasks(workflow)[0], "conference_failed", "x")
    stages.append(workflow)
    cancelled = start(compiled)
    do(cancelled, "Task_IsiFPVC", FPVC)
    runtime.cancel(cancelled)
    stages.append(cancelled)
    for stage in stages:
        dumped = runtime.dump_workflow(stage)
        assert json.dumps(dumped) == json.dumps(_full_less_spec(stage))
        assert "spec" not in dumped and "subprocess_specs" not in dumped
