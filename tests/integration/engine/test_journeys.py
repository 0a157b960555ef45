"""The SOP's journeys through the engine facade on a real SQLite file: every branch, the
step records and their durations, and what each lane sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.errors import ConnectorError, Forbidden, NotFound
from tests.support.journey import FakeConference, Journey


def bpmn_ids(view) -> list[tuple[str, int, str]]:
    return [(s.bpmn_id, s.pass_no, s.state) for s in view.steps]


def test_signed_first_time_runs_to_receipt_with_durations(
    journey: Callable[[], Journey], conference: FakeConference
) -> None:
    j = journey()
    view = j.full()
    assert view.summary.status == "completed"
    assert view.meeting and view.meeting["join_url"].startswith("https://meet.uji/")
    assert bpmn_ids(view) == [
        ("Task_IsiFPVC", 1, "completed"),
        ("Task_Verifikasi", 1, "completed"),
        ("Task_Persetujuan", 1, "completed"),
        ("Task_BuatLink", 1, "completed"),
        ("Task_TerimaJadwal", 1, "completed"),
    ]
    step1 = view.steps[0]
    assert (step1.waiting_s, step1.working_s, step1.duration_s) == (30, 60, 90)
    assert step1.target_s == 180 and step1.within_target is True
    assert view.steps[1].target_s == 120 and view.steps[3].target_s is None
    assert view.steps[0].completed_by == "pemohon" and view.steps[3].completed_by == "sistem"
    assert conference.calls[0].params["nama_kegiatan"] == "Rapat Koordinasi PPDB"


def test_not_signed_returns_to_step_one_with_the_reason(journey: Callable[[], Journey]) -> None:
    j = journey()
    j.start()
    j.submit()
    j.verify()
    view = j.decide(False, reason="Surat belum ditandatangani kepala OPD")
    assert view.last_reason == "Surat belum ditandatangani kepala OPD"
    assert bpmn_ids(view)[-1] == ("Task_IsiFPVC", 2, "ready")
    with j.sessions.begin() as s:
        task = j.alur.open_task(s, view.steps[-1].task_id, j.people.pemohon, j.clock())
    assert task.values["nama_kegiatan"] == "Rapat Koordinasi PPDB"  # the form comes prefilled
    assert task.context["alasan"] == "Surat belum ditandatangani kepala OPD"
    j.submit(jumlah_peserta=30)
    j.verify()
    view = j.decide(True)
    assert view.last_reason is None
    assert [s.pass_no for s in view.steps] == [1, 1, 1, 2, 2, 2, 2]


def test_five_declines_make_six_passes(journey: Callable[[], Journey]) -> None:
    view = journey().full(declines=5)
    assert view.summary.status == "completed" and view.summary.pass_count == 6
    assert sum(1 for s in view.steps if s.bpmn_id == "Task_IsiFPVC") == 6


def test_connector_failure_routes_to_the_manual_link_then_receipt(
    journey: Callable[[], Journey], conference: FakeConference
) -> None:
    conference.failures.append(
        ConnectorError(
            "Invalid access token", retryable=False, provider="zoom", status=401, code="124"
        )
    )
    j = journey()
    j.start()
    j.submit(platform="zoom")
    j.verify()
    j.decide(True)
    j.run_worker()
    view = j.view(j.people.staf)
    failed = next(s for s in view.steps if s.bpmn_id == "Task_BuatLink")
    assert failed.state == "cancelled" and failed.error == "zoom 401 124: Invalid access token"
    manual = {
        "meeting": {
            "provider": "zoom",
            "join_url": "https://zoom.us/j/123",
            "passcode": "abc",
            "meeting_id": "123",
        }
    }
    j.act(j.people.staf, "Task_BuatLinkManual", manual)
    view = j.receive()
    assert view.summary.status == "completed"
    assert view.meeting is not None and view.meeting["join_url"] == "https://zoom.us/j/123"


def test_retryable_failures_back_off_then_succeed(
    journey: Callable[[], Journey], conference: FakeConference
) -> None:
    conference.failures += [
        ConnectorError("busy", retryable=True, status=503),
        ConnectorError("slow down", retryable=True, status=429, retry_after=120),
    ]
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(True)
    j.run_worker()
    assert len(conference.calls) == 1  # the retry waits for its backoff (1 s)
    j.clock.advance(1)
    j.run_worker()
    assert len(conference.calls) == 2
    j.clock.advance(60)
    j.run_worker()
    assert len(conference.calls) == 2  # Retry-After 120 s beats the 2 s backoff
    j.clock.advance(61)
    j.run_worker()
    assert len(conference.calls) == 3
    assert j.view().meeting is not None


def test_retries_spent_throw_the_bpmn_error(
    journey: Callable[[], Journey], conference: FakeConference
) -> None:
    conference.failures += [ConnectorError("down", retryable=True, status=502)] * 5
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(True)
    for _ in range(6):
        j.run_worker()
        j.clock.advance(600)
    assert len(conference.calls) == 5
    assert j.task_for(j.people.staf, "Task_BuatLinkManual")


def test_cancel_by_requester_closes_open_steps(journey: Callable[[], Journey]) -> None:
    j = journey()
    j.start()
    j.submit()
    with j.sessions.begin() as s:
        j.alur.cancel(s, j.instance_id, j.people.pemohon, j.clock(), reason="Batal.")
    view = j.view()
    assert view.summary.status == "cancelled"
    assert bpmn_ids(view)[-1] == ("Task_Verifikasi", 1, "cancelled")
    with j.sessions.begin() as s:
        assert j.alur.inbox(s, j.people.staf) == []


def test_lanes_decide_who_sees_and_acts(journey: Callable[[], Journey]) -> None:
    j = journey()
    j.start()
    other = j.people.others["pemohon2"]
    with j.sessions.begin() as s:
        assert j.alur.inbox(s, other) == []  # the requester role is not the initiator lane
        assert j.alur.inbox(s, j.people.staf) == []
        with pytest.raises(NotFound):
            j.alur.instance(s, j.instance_id, other)
    task_id = j.task_for(j.people.pemohon, "Task_IsiFPVC")
    with j.sessions.begin() as s, pytest.raises(NotFound):
        j.alur.complete(s, task_id, other, {}, j.clock())
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s, pytest.raises(Forbidden):
        j.alur.complete(s, task_id, j.people.subkoor, {}, j.clock())


def test_a_step_past_its_target_is_reported_once_to_its_lane(
    journey: Callable[[], Journey], sessions
) -> None:
    from engine.models import Event, MailMessageRow

    j = journey()
    j.start()
    j.submit()
    j.run_worker()
    j.clock.advance(121)  # verification's target is 2 minutes
    j.run_worker()
    j.clock.advance(600)
    j.run_worker()
    with sessions() as s:
        events = s.query(Event).filter(Event.kind == "target_breached").all()
        mails = [m for m in s.query(MailMessageRow).all() if "Melewati target" in m.subject]
    assert [e.detail["bpmn_id"] for e in events] == ["Task_Verifikasi"]
    assert len(mails) == 1 and mails[0].to == "staf@uji.id"
    assert "target SOP 2 menit" in mails[0].body


def test_staff_and_approver_forms_start_empty_on_a_later_pass(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(False, reason="Lampiran kurang")
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s:
        assert j.alur.open_task(s, task_id, j.people.staf, j.clock()).values == {}
    j.verify()
    task_id = j.task_for(j.people.subkoor, "Task_Persetujuan")
    with j.sessions.begin() as s:
        assert j.alur.open_task(s, task_id, j.people.subkoor, j.clock()).values == {}


def test_a_hand_made_link_is_mailed_with_an_invite_in_the_requests_own_times(
    journey: Callable[[], Journey], conference: FakeConference, sessions
) -> None:
    from icalendar import Calendar

    from connectors.invite import build_invite
    from engine.models import MailMessageRow

    conference.failures.append(ConnectorError("down", retryable=False, provider="bbb"))
    j = journey()
    j.alur.services.invite = build_invite
    j.start()
    j.submit()
    j.verify()
    j.decide(True)
    j.run_worker()
    manual = {"meeting": {"provider": "lainnya", "join_url": "https://vc.tangerangkota.go.id/r1"}}
    view = j.act(j.people.staf, "Task_BuatLinkManual", manual)
    assert view.meeting is not None and view.meeting["start"] == "2099-01-15T09:00:00+07:00"
    j.run_worker()
    with sessions() as s:
        mail = next(
            m for m in s.query(MailMessageRow).all() if "Link video conference" in m.subject
        )
    event = Calendar.from_ical(mail.ics).walk("VEVENT")[0]
    assert event["DTSTART"].dt.isoformat() == "2099-01-15T02:00:00+00:00"


@pytest.mark.parametrize("password", [None, "salah"])
def test_signing_needs_the_signers_own_password_and_saves_nothing_without_it(
    journey: Callable[[], Journey], password: str | None
) -> None:
    from engine.errors import InvalidFormData

    j = journey()
    j.start()
    j.submit()
    j.verify()
    with pytest.raises(InvalidFormData) as refused:
        j.act(j.people.subkoor, "Task_Persetujuan", {"keputusan": "setuju"}, password=password)
    assert list(refused.value.errors) == ["password"]
    assert j.view().steps[-1].bpmn_id == "Task_Persetujuan"
    assert j.view().steps[-1].state == "ready"
    view = j.decide(False, reason="Tanpa tanda tangan: menolak tidak perlu kata sandi")
    assert view.steps[-1].bpmn_id == "Task_IsiFPVC"
