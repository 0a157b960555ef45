"""The process diagram comes from the BPMN file's own DI, and one request's path on it is
read from its step records' times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.diagram import of_instance, parse
from engine.views import StepView

BPMN = (Path(__file__).resolve().parents[2] / "processes"
        / "permintaan_layanan_video_conference.bpmn").read_text(encoding="utf-8")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_diagram_has_the_pool_lanes_shapes_and_flows_of_the_file() -> None:
    d = parse(BPMN)
    assert [p.name for p in d.pools] == ["Permintaan Layanan Video Conference"]
    assert [lane.name for lane in d.lanes] == [
        "Pemohon", "Staf Seksi IIDC", "Sub Koordinator Infrastruktur Internet dan Data Center"]
    kinds = sorted((n.kind, n.subtype) for n in d.nodes)
    assert kinds.count(("task", "userTask")) == 5 and ("task", "serviceTask") in kinds
    assert kinds.count(("gateway", "exclusiveGateway")) == 3
    assert {s for k, s in kinds if k == "event"} == {"startEvent", "endEvent", "boundaryEvent"}
    assert len(d.edges) == 12 and all(len(e.points) >= 2 for e in d.edges)
    assert ("BoundaryEvent_GagalLink", "Task_BuatLink") in d.attached
    verify = d.node("Task_Verifikasi")
    assert verify is not None and (verify.box.x, verify.box.y, verify.box.w) == (570, 320, 100)
    assert d.box.x < 160 and d.box.x + d.box.w > 1620  # the view box holds the pool


def step(bpmn_id: str, pass_no: int, ready: int, done: int | None,
         state: str = "completed") -> StepView:
    at = T0 + timedelta(seconds=ready)
    end = T0 + timedelta(seconds=done) if done is not None else None
    return StepView(
        task_id=f"{bpmn_id}-{pass_no}", bpmn_id=bpmn_id, name=bpmn_id, lane=None, step=None,
        kind="user", requester_only=False, pass_no=pass_no, state=state, ready_at=at,
        due_at=None, opened_at=None,
        opened_by=None, claimed_by=None, completed_at=end, completed_by=None, target_s=None,
        error=None, duration_s=None, waiting_s=None, working_s=None, within_target=None)


def test_a_request_sent_back_once_marks_the_loop_and_the_current_step() -> None:
    steps = [step("Task_IsiFPVC", 1, 0, 10), step("Task_Verifikasi", 1, 10, 20),
             step("Task_Persetujuan", 1, 20, 30), step("Task_IsiFPVC", 2, 30, 40),
             step("Task_Verifikasi", 2, 40, None, "ready")]
    d = of_instance(BPMN, "x" * 32, "running", steps)
    assert d.taken == {"Flow_Mulai", "Flow_KeIsiFPVC", "Flow_KeVerifikasi", "Flow_KePersetujuan",
                       "Flow_KeKeputusan", "Flow_TidakDitandatangani"}
    assert d.current == {"Task_Verifikasi"} and d.passes_of("Task_IsiFPVC") == 2


def test_a_failed_link_made_by_hand_marks_the_fallback_path() -> None:
    steps = [step("Task_IsiFPVC", 1, 0, 10), step("Task_Verifikasi", 1, 10, 20),
             step("Task_Persetujuan", 1, 20, 30),
             step("Task_BuatLink", 1, 30, 33, "cancelled"),
             step("Task_BuatLinkManual", 1, 33, 90), step("Task_TerimaJadwal", 1, 90, 120)]
    d = of_instance(BPMN, "y" * 32, "completed", steps)
    assert {"Flow_Ditandatangani", "Flow_KeLinkManual", "Flow_LinkManual",
            "Flow_KeTerimaJadwal", "Flow_Selesai"} <= d.taken
    assert "Flow_TidakDitandatangani" not in d.taken and "Flow_LinkOtomatis" not in d.taken
    assert d.cancelled == {"Task_BuatLink"} and not d.current
