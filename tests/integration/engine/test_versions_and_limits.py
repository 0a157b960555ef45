"""Versions, the loop cap, concurrency, incidents and a worker that dies mid-job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.errors import ConnectorError, LoopLimitReached, TaskAlreadyCompleted
from engine.facade import Alur
from engine.models import Job, MailMessageRow
from tests.support.journey import PROCESSES, Clock, FakeConference, Journey, make_alur, seed

BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"


def test_revised_copy_is_a_new_version_and_running_instances_keep_theirs(
    journey: Callable[[], Journey], alur: Alur, sessions: sessionmaker[Session], clock: Clock
) -> None:
    old = journey()
    old.start()
    old.submit()
    revised = (
        BPMN.read_bytes()
        .replace(b'name="target" value="PT2M"', b'name="target" value="PT5M"', 1)
        .replace(b'name="target" value="PT7M"', b'name="target" value="PT10M"', 1)
    )
    with sessions.begin() as s:
        again = alur.deploy(s, BPMN.read_bytes(), BPMN.name, actor="t", now=clock())
        result = alur.deploy(s, revised, BPMN.name, actor="t", now=clock())
        versions = alur.versions(s)
    assert not again.created and result.created and result.version.version == 2
    assert [(v.version, v.active) for v in versions] == [(1, False), (2, True)]
    new = journey()
    new.start()
    new.submit()
    old.verify()
    new.verify()
    assert old.view().summary.version == 1 and old.view().steps[1].target_s == 120
    assert new.view().summary.version == 2 and new.view().steps[1].target_s == 300
    old.decide(True)
    old.run_worker()
    assert old.receive().summary.status == "completed"


def test_fifty_passes_are_allowed_and_the_fifty_first_is_refused(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    alur = make_alur(FakeConference(), max_passes=50)
    people = seed(sessions, alur, clock)
    j = Journey(sessions, alur, clock, people)
    j.start()
    for _ in range(49):
        j.submit()
        j.verify()
        j.decide(False)
    j.submit()
    j.verify()
    with pytest.raises(LoopLimitReached, match="50 kali"):
        j.decide(False)
    view = j.view()
    assert view.summary.pass_count == 50
    assert view.steps[-1].bpmn_id == "Task_Persetujuan" and view.steps[-1].state == "ready"
    j.decide(True)  # nothing was lost: the approver can still sign
    j.run_worker()
    assert j.receive().summary.status == "completed"


def test_two_concurrent_completions_one_wins_and_the_other_learns_who(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def complete(note: str) -> None:
        barrier.wait()
        try:
            with sessions.begin() as s:
                j.alur.complete(s, task_id, j.people.staf, {"catatan_verifikasi": note}, j.clock())
            outcomes.append("ok")
        except TaskAlreadyCompleted as err:
            outcomes.append(err)

    threads = [threading.Thread(target=complete, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    loser = next(o for o in outcomes if isinstance(o, TaskAlreadyCompleted))
    assert loser.by == "staf"
    view = j.view()
    assert [s.bpmn_id for s in view.steps].count("Task_Verifikasi") == 1
    assert view.steps[-1].bpmn_id == "Task_Persetujuan"


NO_BOUNDARY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="x">
  <bpmn:collaboration id="c">
    <bpmn:participant id="p" processRef="tanpa_batas"/>
  </bpmn:collaboration>
  <bpmn:process id="tanpa_batas" name="Tanpa jalur gagal" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="initiator_lane" value="Staf Seksi IIDC"/>
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Staf Seksi IIDC">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="staf_iidc"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="t" name="Buat link">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="conference.create_meeting" resultVariable="meeting">
          <spiffworkflow:parameters/>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dd"><bpmndi:BPMNPlane id="pl" bpmnElement="c">
    <bpmndi:BPMNShape id="l_di" bpmnElement="l"><dc:Bounds x="0" y="0" width="400" height="100"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="20" y="30" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="100" y="10" width="100" height="80"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e_di" bpmnElement="e"><dc:Bounds x="300" y="30" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
      <di:waypoint x="56" y="48"/><di:waypoint x="100" y="48"/>
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
      <di:waypoint x="200" y="48"/><di:waypoint x="300" y="48"/>
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_failure_without_a_boundary_event_is_an_incident_that_can_be_retried(
    alur: Alur, people, sessions: sessionmaker[Session], clock: Clock, conference: FakeConference
) -> None:
    conference.failures.append(ConnectorError("bad secret", retryable=False, provider="bbb"))
    with sessions.begin() as s:
        alur.deploy(s, NO_BOUNDARY.encode(), "tanpa_batas.bpmn", actor="t", now=clock())
        view = alur.start(s, people.staf, clock(), process_id="tanpa_batas")
    alur.run_jobs(sessions, clock)
    with sessions.begin() as s:
        row = store.instance(s, view.id)
        assert (row.status, row.incident) == ("incident", "bbb: bad secret")
        assert [i.id for i in store.incidents(s)] == [view.id]
        alur.retry_incident(s, view.id, people.staf, clock())
    alur.run_jobs(sessions, clock)
    with sessions.begin() as s:
        assert store.instance(s, view.id).status == "completed"


def test_a_job_left_running_by_a_killed_worker_is_picked_up_after_its_lease(
    journey: Callable[[], Journey], sessions: sessionmaker[Session], conference: FakeConference
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(True)
    with sessions.begin() as s:  # a worker claimed the job, then died before finishing
        job = next(x for x in store.jobs_of(s, j.instance_id) if x.kind == "service_task")
        job.status, job.locked_at, job.attempts = "running", j.clock(), 1
    j.run_worker()
    assert conference.calls == []  # still leased
    j.clock.advance(301)
    j.run_worker()
    assert len(conference.calls) == 1 and j.view().meeting is not None


def test_notifications_land_in_the_outbox_without_smtp(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(False, reason="Lampiran kurang")
    j.run_worker()
    with sessions() as s:
        mails = {m.subject: m for m in s.query(MailMessageRow).all()}
        assert {m.status for m in mails.values()} == {"outbox"}
        returned = next(m for k, m in mails.items() if "tidak disetujui" in k)
        assert "Lampiran kurang" in returned.body and returned.to == "pemohon@uji.id"
        assert any("Tugas baru" in k and m.to == "staf@uji.id" for k, m in mails.items())
        assert s.query(Job).filter(Job.status != "done").count() == 0


def test_every_bpmn_in_processes_deploys(
    alur: Alur, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with sessions.begin() as s:
        results = alur.deploy_dir(s, actor="t", now=clock())
    assert len(results) == len(list(Path(PROCESSES).glob("*.bpmn")))
