"""The issue's revision scenario through the engine: a v2 with a new step between
verification and approval, a changed target and a renamed form field is previewed with
exactly those changes; v1 requests finish on v1, new ones follow v2; a waiting v1 request
moved to v2 continues there, one that cannot move is refused with the reason; and a
request stuck on a broken version is rescued by moving it to a fixed one."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import packfiles, runtime, store
from engine.facade import Alur
from engine.models import ProcessVersion
from engine.users import Actor
from tests.support.journey import Clock, Journey, People
from tests.support.revision import BPMN, revised_pack

PROCESS = "permintaan_layanan_video_conference"


def admin(people: People) -> Actor:
    return Actor(0, "pemilik", "Pemilik Proses", frozenset({"admin"}))


def test_preview_shows_exactly_the_revision_and_changes_nothing(
    alur: Alur, sessions: sessionmaker[Session], people: People
) -> None:
    with sessions.begin() as s:
        preview = alur.preview(s, revised_pack())
        summary = {(c.kind, c.element, c.before, c.after) for c in preview.diff.changes
                   if c.kind != "flow"}
        flows = {c.element for c in preview.diff.of_kind("flow")}
        assert [v.version for v in alur.versions(s)] == [1]
    assert preview.active is not None and preview.active.version == 1
    assert summary == {
        ("added", "Task_Telaah", None, "Staf Seksi IIDC"),
        ("target", "Task_Verifikasi", "2 mnt", "3 mnt"),
        ("field_renamed", "verifikasi.schema.json", "catatan_verifikasi", "catatan"),
        ("field_added", "telaah.schema.json", None, "hasil_telaah"),
        ("target", PROCESS, "7 mnt", "9 mnt"),
    }
    assert flows == {"Task_Verifikasi", "Task_Persetujuan"}
    assert preview.compiled.meta["order"][:4] == [
        "Task_IsiFPVC", "Task_Verifikasi", "Task_Telaah", "Task_Persetujuan"]


def test_old_requests_finish_on_v1_new_ones_follow_v2_and_waiting_ones_move_or_are_refused(
    alur: Alur, sessions: sessionmaker[Session], people: People,
    journey: Callable[[], Journey], clock: Clock,
) -> None:
    finishing, at_verification, at_approval = journey(), journey(), journey()
    for j in (finishing, at_verification, at_approval):
        j.start()
        j.submit()
    finishing.verify()
    at_approval.verify()
    with sessions.begin() as s:
        result = alur.deploy_pack(s, revised_pack(), actor="pemilik", now=clock())
    assert result.created and result.version.version == 2

    fresh = journey()
    fresh.start()
    fresh.submit()
    fresh.act(people.staf, "Task_Verifikasi", {"catatan": "Lengkap"})
    assert fresh.view().steps[-1].bpmn_id == "Task_Telaah"
    assert fresh.view().summary.version == 2 and fresh.view().steps[1].target_s == 180

    finishing.decide(True)
    finishing.run_worker()
    assert finishing.receive().summary.status == "completed"
    assert finishing.view().summary.version == 1

    with sessions.begin() as s:
        checks = {c.instance_id: c for c in
                  alur.migration_check(s, PROCESS, 1, 2, admin(people))}
    assert checks[at_verification.instance_id].ok
    refused = checks[at_approval.instance_id]
    assert not refused.ok
    assert "Menelaah kelengkapan surat" in str(refused.reasons[0])
    assert "Memberi persetujuan" in str(refused.reasons[0])

    with sessions.begin() as s:
        moved = alur.migrate(s, PROCESS, 1, 2, admin(people), clock())
    with sessions() as s:  # events are chained and written as the transaction commits
        events = [e for e in store.events_of(s, at_verification.instance_id)
                  if e.kind == "instance_migrated"]
    assert {c.instance_id: c.migrated for c in moved} == {
        at_verification.instance_id: True, at_approval.instance_id: False}
    assert events[0].detail == {"from_version": 1, "to_version": 2}
    assert events[0].actor == "pemilik"
    before = [st.bpmn_id for st in at_verification.view().steps]
    assert before == ["Task_IsiFPVC", "Task_Verifikasi"]
    at_verification.act(people.staf, "Task_Verifikasi", {"catatan": "Lengkap"})
    at_verification.act(people.staf, "Task_Telaah", {"hasil_telaah": "Surat lengkap"})
    at_verification.decide(True)
    at_verification.run_worker()
    view = at_verification.receive()
    assert view.summary.status == "completed" and view.summary.version == 2
    assert [st.bpmn_id for st in view.steps][:4] == [
        "Task_IsiFPVC", "Task_Verifikasi", "Task_Telaah", "Task_Persetujuan"]
    assert at_approval.view().summary.version == 1  # refused: left exactly as it was
    at_approval.decide(True)


def _copy(s: Session, active: ProcessVersion, clock: Clock, *, broken: bool) -> ProcessVersion:
    """A new version with the active one's content, written straight into the table;
    ``broken``: the quotes of its condition forgotten (``setuju`` is not a field), which the
    validator would refuse."""
    text = json.dumps(active.spec)
    spec = json.loads(text.replace('\\"setuju\\"', "setuju") if broken else text)
    store.deactivate_versions(s, active.process_id)
    row = ProcessVersion(
        process_id=active.process_id, version=active.version + 1,
        sha256=("rusak" if broken else "salin") * 12 + "0000",
        filename=active.filename, name=active.name, bpmn_xml=active.bpmn_xml, spec=spec,
        meta=active.meta, forms=active.forms, deployed_at=clock(), deployed_by="salah",
        active=True,
    )
    s.add(row)
    s.flush()
    return row


def test_a_request_stuck_on_a_broken_condition_is_rescued_by_moving_it_to_a_fixed_version(
    alur: Alur, sessions: sessionmaker[Session], people: People,
    journey: Callable[[], Journey], clock: Clock,
) -> None:
    with sessions.begin() as s:
        broken = _copy(s, store.active_version(s, PROCESS), clock, broken=True).version
    stuck = journey()
    stuck.start()
    stuck.submit()
    stuck.verify()
    with pytest.raises(runtime.ScriptError, match="Gateway_Ditandatangani"):
        stuck.decide(True)
    with pytest.raises(runtime.ScriptError):  # deploying a fix alone does not help it
        with sessions.begin() as s:
            fixed = alur.deploy_pack(s, packfiles.from_folder(BPMN), actor="pemilik", now=clock())
        stuck.decide(True)
    assert fixed.reactivated and fixed.version.version == 1
    with sessions.begin() as s:
        moved = alur.migrate(s, PROCESS, broken, 1, admin(people), clock())
    assert [(c.instance_id, c.migrated) for c in moved] == [(stuck.instance_id, True)]
    stuck.decide(True)
    stuck.run_worker()
    view = stuck.receive()
    assert view.summary.status == "completed" and view.summary.version == 1


def test_a_request_in_incident_is_running_again_after_the_move_and_its_failed_work_requeued(
    alur: Alur, sessions: sessionmaker[Session], people: People,
    journey: Callable[[], Journey], clock: Clock,
) -> None:
    stuck = journey()
    stuck.start()
    stuck.submit()
    stuck.verify()
    stuck.decide(True)  # the link job is waiting
    with sessions.begin() as s:  # as the worker leaves a request nothing could rescue
        row = store.instance(s, stuck.instance_id)
        row.status, row.incident = "incident", "proses gagal pada 'Task_BuatLink'"
        for job in store.jobs_of(s, row.id):
            job.status, job.last_error = "failed", "gagal"
        fixed = _copy(s, store.active_version(s, PROCESS), clock, broken=False).version
    with sessions.begin() as s:
        moved = alur.migrate(s, PROCESS, 1, fixed, admin(people), clock())
        jobs = store.jobs_of(s, stuck.instance_id)
        assert [c.migrated for c in moved] == [True]
        assert store.instance(s, stuck.instance_id).status == "running"
        assert {j.status for j in jobs if j.kind == "service_task"} == {"pending"}
    stuck.run_worker()
    assert stuck.receive().summary.status == "completed"


def test_only_an_admin_may_check_or_move_requests(
    alur: Alur, sessions: sessionmaker[Session], people: People
) -> None:
    from engine.errors import Forbidden

    with sessions.begin() as s, pytest.raises(Forbidden):
        alur.migration_check(s, PROCESS, 1, 2, people.staf)


def test_a_version_deployed_before_canonical_identity_is_recognised_by_its_content(
    alur: Alur, sessions: sessionmaker[Session], people: People, clock: Clock
) -> None:
    with sessions.begin() as s:  # as an older Alur stored it: a hash over bytes, no files
        row = store.active_version(s, PROCESS)
        row.sha256 = "b" * 64
        row.meta = {k: v for k, v in row.meta.items() if k != "files"}
    with sessions.begin() as s:
        again = alur.deploy_pack(s, packfiles.from_folder(BPMN), actor="alur run", now=clock())
    assert not again.created and again.version.version == 1
