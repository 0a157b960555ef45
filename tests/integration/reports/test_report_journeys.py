"""Requests driven through the real engine (facade, clock) show up in the report with the
durations the people took, and on the instance diagram with the path they took."""

from __future__ import annotations

from tests.support.journey import Journey


def test_a_journey_sent_back_once(sessions, alur, clock, people) -> None:
    journey = Journey(sessions, alur, clock, people)
    journey.full(declines=1)
    assert journey.view().summary.status == "completed"
    with sessions() as s:
        report = alur.durations(s)
        verify = report.step("Task_Verifikasi")
        assert verify.count == 2 and verify.durations.median_s == 90.0  # 30 s wait + 60 s work
        assert verify.waiting_mean_s == 30.0 and verify.working_mean_s == 60.0
        assert verify.within_target_pct == 100.0  # 90 s against 2 minutes
        assert [p.pass_no for p in verify.passes] == [1, 2]
        assert report.sop.median_s == 6 * 90.0 and report.sop_within_pct == 0.0  # > 7 min
        assert report.loop_rate == 1.0 and report.instances.completed == 1
        drawn = alur.instance_diagram(s, journey.instance_id, people.pemohon)
    assert "Flow_TidakDitandatangani" in drawn.taken and "Flow_LinkOtomatis" in drawn.taken
    assert "Flow_KeLinkManual" not in drawn.taken
    assert drawn.passes_of("Task_Persetujuan") == 2 and not drawn.current


def test_the_instance_diagram_shows_the_current_step(sessions, alur, clock, people) -> None:
    journey = Journey(sessions, alur, clock, people)
    journey.start()
    journey.submit()
    with sessions() as s:
        drawn = alur.instance_diagram(s, journey.instance_id, people.staf)
    assert drawn.current == {"Task_Verifikasi"} and drawn.done == {"Task_IsiFPVC"}
    assert {"Flow_Mulai", "Flow_KeIsiFPVC", "Flow_KeVerifikasi"} == drawn.taken
