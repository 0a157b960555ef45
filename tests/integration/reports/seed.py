"""A small set of requests with known timestamps, written straight into the tables, whose
report numbers are computed by hand in ``EXPECTED`` (see each instance's comment).

Steps follow each other like the engine writes them: a step becomes ready when the
previous one completes; waiting and working times are given per step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine import store
from engine.models import Instance, StepRecord
from engine.reporting import stamps

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB
S1, S2, S3 = "Task_IsiFPVC", "Task_Verifikasi", "Task_Persetujuan"
LINK, MANUAL, RECEIVE = "Task_BuatLink", "Task_BuatLinkManual", "Task_TerimaJadwal"


@dataclass(frozen=True)
class Step:
    bpmn_id: str
    pass_no: int
    wait: float | None  # None: never opened (service tasks)
    work: float
    state: str = "completed"  # completed | cancelled | ready


def add_instance(session: Session, *, version_id: int, requester_id: int, created: datetime,
                 status: str, instansi: str, steps: list[Step]) -> str:
    meta = store.active_version(session).meta["steps"]
    inst_id = uuid.uuid4().hex
    t, last = created, None
    records = []
    for s in steps:
        m = meta[s.bpmn_id]
        opened = t + timedelta(seconds=s.wait) if s.wait is not None else None
        done = (opened or t) + timedelta(seconds=s.work) if s.state != "ready" else None
        target = m["target_s"]
        records.append(StepRecord(
            task_id=str(uuid.uuid4()), instance_id=inst_id, bpmn_id=s.bpmn_id, name=m["name"],
            lane=m["lane"], step=m["step"], kind=m["kind"], requester_only=m["lane"] == "Pemohon",
            pass_no=s.pass_no, state=s.state, target_s=target, ready_at=t,
            due_at=t + timedelta(seconds=target) if target is not None else None,
            opened_at=opened, opened_by="u" if opened else None, completed_at=done,
            completed_by="u" if s.state == "completed" else None,
        ))
        t = done or t
        last = done
    row = Instance(
        id=inst_id, number="VC-" + inst_id[:8].upper(), process_version_id=version_id,
        requester_id=requester_id, status=status,
        workflow={}, serializer_version="test", lock_version=1,
        pass_count=max(s.pass_no for s in steps), instansi=instansi, created_at=created,
        completed_at=last if status == "completed" else None,
    )
    if status == "completed":
        stamps.stamp_request(row)  # as the engine does when a request completes
    session.add(row)
    session.flush()
    stamps.stamp(records)  # as the engine does when a step completes
    session.add_all(records)
    session.flush()
    return inst_id


def seed_known(session: Session, requester_id: int) -> dict[str, str]:
    """Five requests: A, B (sent back once), C (cancelled), D (running), E (next week)."""
    v = store.active_version(session).id
    day = timedelta(days=1)
    ids = {}
    # A: SOP 100+100+100 = 300 (within 420); end-to-end 605.
    ids["A"] = add_instance(session, version_id=v, requester_id=requester_id, created=T0,
                            status="completed", instansi="Dinas A", steps=[
        Step(S1, 1, 10, 90), Step(S2, 1, 60, 40), Step(S3, 1, 30, 70),
        Step(LINK, 1, None, 5), Step(RECEIVE, 1, 95, 205)])
    # B: pass 1 200+150+60, pass 2 120+90+130: SOP 750; the link failed (cancelled 3 s) and
    # was made by hand (360); end-to-end 750+3+360+1000 = 2113.
    ids["B"] = add_instance(session, version_id=v, requester_id=requester_id, created=T0 + day,
                            status="completed", instansi="Dinas B", steps=[
        Step(S1, 1, 20, 180), Step(S2, 1, 50, 100), Step(S3, 1, 30, 30),
        Step(S1, 2, 20, 100), Step(S2, 2, 30, 60), Step(S3, 2, 10, 120),
        Step(LINK, 2, None, 3, "cancelled"), Step(MANUAL, 2, 60, 300),
        Step(RECEIVE, 2, 500, 500)])
    # C: cancelled while waiting for verification: left out of every time statistic.
    ids["C"] = add_instance(session, version_id=v, requester_id=requester_id,
                            created=T0 + 2 * day, status="cancelled", instansi="Dinas A", steps=[
        Step(S1, 1, 5, 45), Step(S2, 1, None, 1000, "cancelled")])
    # D: running, waiting for verification (the next week).
    ids["D"] = add_instance(session, version_id=v, requester_id=requester_id,
                            created=T0 + 7 * day, status="running", instansi="Dinas B", steps=[
        Step(S1, 1, 10, 160), Step(S2, 1, None, 0, "ready")])
    # E: SOP 400+30+40 = 470 (over 420); end-to-end 530.
    ids["E"] = add_instance(session, version_id=v, requester_id=requester_id,
                            created=T0 + 8 * day, status="completed", instansi="Dinas A", steps=[
        Step(S1, 1, 100, 300), Step(S2, 1, 10, 20), Step(S3, 1, 5, 35),
        Step(LINK, 1, None, 10), Step(RECEIVE, 1, 20, 30)])
    return ids


# Hand-computed from the comments above (percentiles interpolate between nearest ranks).
EXPECTED: dict[str, Any] = {
    S1: {"count": 5, "median_s": 170.0, "p90_s": 320.0, "max_s": 400.0, "mean_s": 198.0,
         "within_target_pct": 60.0, "waiting_mean_s": 32.0, "working_mean_s": 166.0,
         "target_s": 180, "open": 0},
    S2: {"count": 4, "median_s": 95.0, "p90_s": 135.0, "max_s": 150.0, "mean_s": 92.5,
         "within_target_pct": 75.0, "waiting_mean_s": 37.5, "working_mean_s": 55.0,
         "target_s": 120, "open": 1},
    S3: {"count": 4, "median_s": 80.0, "p90_s": 121.0, "max_s": 130.0, "mean_s": 82.5,
         "within_target_pct": 75.0, "waiting_mean_s": 18.75, "working_mean_s": 63.75,
         "target_s": 120, "open": 0},
    LINK: {"count": 2, "median_s": 7.5, "p90_s": 9.5, "max_s": 10.0, "mean_s": 7.5,
           "within_target_pct": None, "waiting_mean_s": None, "working_mean_s": None,
           "target_s": None, "open": 0},
    MANUAL: {"count": 1, "median_s": 360.0, "p90_s": 360.0, "max_s": 360.0, "mean_s": 360.0,
             "within_target_pct": None, "waiting_mean_s": 60.0, "working_mean_s": 300.0,
             "target_s": None, "open": 0},
    RECEIVE: {"count": 3, "median_s": 300.0, "p90_s": 860.0, "max_s": 1000.0,
              "mean_s": 450.0, "within_target_pct": None, "waiting_mean_s": 205.0,
              "working_mean_s": 245.0, "target_s": None, "open": 0},
}
EXPECTED_TOTAL = {"count": 3, "median_s": 470.0, "p90_s": 694.0, "max_s": 750.0,
                  "mean_s": 506.667, "within_target_pct": 33.3, "target_s": 420}
EXPECTED_E2E = {"count": 3, "median_s": 605.0, "p90_s": 1811.4, "max_s": 2113.0,
                "mean_s": 1082.667}
EXPECTED_INSTANCES = {"total": 5, "completed": 3, "running": 1, "cancelled": 1, "incident": 0}
EXPECTED_PASSES = {S1: [(1, 4, 217.5, 50.0), (2, 1, 120.0, 100.0)],
                   S3: [(1, 3, 66.667, 100.0), (2, 1, 130.0, 0.0)]}
EXPECTED_WEEKS = [
    {"week": "2026-03-02", "requests": 2, "sop_within_pct": 50.0, "steps": 9,
     "steps_within_pct": 66.7},
    {"week": "2026-03-09", "requests": 1, "sop_within_pct": 0.0, "steps": 3,
     "steps_within_pct": 66.7},  # E only: D is still running
]

