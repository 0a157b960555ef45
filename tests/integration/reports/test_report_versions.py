"""Reports per version: each request's SOP time is judged against the target of the version
it ran on, and steps sort by their place in the flow, so a new step "2a" comes between
steps 2 and 3 (by its number it would sort last)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from engine.facade import Alur
from engine.reporting.workclock import OfficeHours
from tests.support.journey import FPVC, SIGNING_PASSWORD, Clock, Journey, People
from tests.support.revision import revised_pack


def eight_minutes(j: Journey, people: People, *, v2: bool) -> None:
    """Steps 1–3 (and 2a on v2) taking 480 s together: within 9 minutes, not within 7."""
    each = 120 if v2 else 160
    j.start()
    j.act(people.pemohon, "Task_IsiFPVC", FPVC, wait=0, work=each)
    note = {"catatan": "ok"} if v2 else {"catatan_verifikasi": "ok"}
    j.act(people.staf, "Task_Verifikasi", note, wait=0, work=each)
    if v2:
        j.act(people.staf, "Task_Telaah", {"hasil_telaah": "ok"}, wait=0, work=each)
    j.act(people.subkoor, "Task_Persetujuan", {"keputusan": "setuju"}, wait=0, work=each,
          password=SIGNING_PASSWORD)
    j.run_worker()
    j.receive()


def test_each_request_meets_its_own_versions_sop_target_and_steps_follow_the_flow(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> None:
    eight_minutes(Journey(sessions, alur, clock, people), people, v2=False)
    with sessions.begin() as s:
        alur.deploy_pack(s, revised_pack(), actor="pemilik", now=clock())
    eight_minutes(Journey(sessions, alur, clock, people), people, v2=True)
    with sessions.begin() as s:
        report = alur.durations(s)
        hours = OfficeHours.parse("Mon-Fri 07:00-16:00", "")
        alur.recompute_durations(s, hours)  # the hours the records are stamped with
        office = alur.durations(s, office_hours=hours)
        only_v1 = alur.durations(s, version=1)
    assert report.instances.completed == 2 and report.target_s == 540
    assert report.sop_within_pct == 50.0  # the v1 request's 8 min are over its 7
    assert office.sop_within_pct == 50.0
    assert only_v1.sop_within_pct == 0.0 and only_v1.target_s == 420
    order = [st.bpmn_id for st in report.steps]
    assert order[:4] == ["Task_IsiFPVC", "Task_Verifikasi", "Task_Telaah", "Task_Persetujuan"]
    verification = next(st for st in only_v1.steps if st.bpmn_id == "Task_Verifikasi")
    assert verification.target_s == 120  # v1's own target, not v2's 180
