"""Cancelling a request whose meeting exists, through the worker and the real connectors
against the fake Zoom and BigBlueButton servers (real HTTP on loopback), and the mail that
tells the requester and the form's contact address, through a real SMTP server.

Zoom's meeting is deleted (``DELETE /meetings/{id}``, 204), BigBlueButton's ended (the
signed ``end`` call); a Jitsi room needs no call. The provider call is a job of the worker,
never part of the cancelling transaction, and is retried like any provider call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.errors import Conflict, InvalidFormData
from engine.facade import Alur
from tests.fakes.bbb_server import FakeBbb
from tests.fakes.zoom_server import FakeZoom
from tests.integration.providers.conftest import WORKER, Build
from tests.integration.providers.test_mail_delivery import (  # noqa: F401 - fixtures
    REQUESTER,
    SENDER,
    SmtpServer,
    mailing,
    smtp,
)
from tests.support.journey import FPVC, Journey

Approved = Callable[..., Journey]
CONTACT = FPVC["email"]  # the address typed in the form (x-meaning: contact_email)


def cancel(j: Journey, reason: str = "Acara ditunda oleh panitia.") -> None:
    with j.sessions.begin() as s:
        j.alur.cancel(s, j.instance_id, j.people.pemohon, j.clock(), reason=reason)


def events(j: Journey, kind: str) -> list[dict[str, object]]:
    with j.sessions() as s:
        return [dict(e.detail) for e in store.events_of(s, j.instance_id) if e.kind == kind]


def end_jobs(sessions: sessionmaker[Session], instance_id: str) -> list[tuple[str, int]]:
    with sessions() as s:
        return [(j.status, j.attempts) for j in store.jobs_of(s, instance_id)
                if j.kind == "end_meeting"]


def test_cancelling_deletes_the_zoom_meeting_and_mails_requester_and_contact(
    mailing: Alur, smtp: SmtpServer, approved: Approved, zoom: FakeZoom,  # noqa: F811 - the fixtures imported above
    sessions: sessionmaker[Session],
) -> None:
    j = approved(mailing, "zoom")
    j.run_worker()
    meeting = j.view().meeting
    assert meeting is not None and int(meeting["meeting_id"]) in zoom.meetings

    cancel(j)
    # Nothing was called inside the cancelling transaction: the meeting still exists.
    assert int(meeting["meeting_id"]) in zoom.meetings and zoom.deleted == []
    assert end_jobs(sessions, j.instance_id) == [("pending", 0)]
    j.run_worker()

    assert zoom.deleted == [int(meeting["meeting_id"])] and zoom.meetings == {}
    assert end_jobs(sessions, j.instance_id) == [("done", 1)]
    assert events(j, "meeting_ended") == [{"provider": "zoom", "ended": True}]
    view = j.view()
    assert view.summary.status == "cancelled"
    assert view.cancellation is not None
    assert view.cancellation.reason == "Acara ditunda oleh panitia."
    assert view.cancellation.by == "pemohon"  # the display name the seed gave

    number = "VC-" + j.instance_id[:8].upper()
    (to, message) = [(rcpt, m) for _, rcpt, m in smtp.mailbox.received
                     if "dibatalkan" in m["Subject"]][0]
    assert sorted(to) == sorted([REQUESTER, CONTACT])
    assert message["Subject"].strip() == f"[{number}] Permintaan video conference dibatalkan: " \
        "Rapat Koordinasi PPDB"
    body = message.get_body(("plain",)).get_content()
    assert "Alasan: Acara ditunda oleh panitia." in body
    assert "Jadwal: 15-01-2099 09:00–10:30 WIB" in body and "Platform: Zoom" in body


def test_a_zoom_meeting_already_gone_is_fine_and_a_busy_zoom_is_retried(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session],
) -> None:
    alur = build()
    j = approved(alur, "zoom")
    j.run_worker()
    meeting_id = int((j.view().meeting or {})["meeting_id"])
    cancel(j)
    zoom.fail_next("delete", 503)
    j.run_worker()
    assert end_jobs(sessions, j.instance_id) == [("pending", 1)]  # 5xx: retried later
    assert meeting_id in zoom.meetings

    del zoom.meetings[meeting_id]  # someone deleted it in Zoom meanwhile: 404, code 3001
    j.clock.advance(WORKER.backoff_base_s)
    j.run_worker()
    assert end_jobs(sessions, j.instance_id) == [("done", 2)]
    assert events(j, "meeting_ended") == [{"provider": "zoom", "ended": False}]


def test_cancelling_ends_the_bigbluebutton_meeting_with_a_signed_call(
    build: Build, approved: Approved, bbb: FakeBbb, sessions: sessionmaker[Session],
) -> None:
    j = approved(build(), "bigbluebutton")
    j.run_worker()
    meeting = j.view().meeting
    assert meeting is not None and meeting["meeting_id"] in bbb.meetings
    cancel(j)
    j.run_worker()
    assert bbb.ended == [meeting["meeting_id"]] and bbb.meetings == {}
    ends = [r for r in bbb.requests if r.path.endswith("/end")]
    assert len(ends) == 1 and "checksum=" in ends[0].query  # the fake refuses a bad one
    assert events(j, "meeting_ended") == [{"provider": "bigbluebutton", "ended": True}]


def test_a_bigbluebutton_that_refuses_the_checksum_fails_the_job_for_staff_to_see(
    build: Build, approved: Approved, bbb: FakeBbb, sessions: sessionmaker[Session],
) -> None:
    alur = build()
    j = approved(alur, "bigbluebutton")
    j.run_worker()
    cancel(j)
    wrong = build(worker=replace(WORKER, max_attempts=1), BBB_SECRET="salah")
    wrong.run_jobs(j.sessions, j.clock)
    assert end_jobs(sessions, j.instance_id) == [("failed", 1)]
    (failed,) = events(j, "meeting_end_failed")
    assert "checksumError" in str(failed["error"])
    assert bbb.meetings  # still there: staff end it by hand


def test_a_jitsi_room_needs_no_call(
    build: Build, approved: Approved, zoom: FakeZoom, bbb: FakeBbb,
    sessions: sessionmaker[Session],
) -> None:
    j = approved(build(), "jitsi")
    j.run_worker()
    assert j.view().meeting is not None
    before = len(zoom.requests) + len(bbb.requests)
    cancel(j)
    j.run_worker()
    assert len(zoom.requests) + len(bbb.requests) == before
    assert events(j, "meeting_ended") == [{"provider": "jitsi", "ended": False,
                                           "nothing_to_end": True}]


def test_cancelling_needs_a_reason_and_a_request_that_still_runs(
    build: Build, approved: Approved,
) -> None:
    j = approved(build(), "jitsi")
    with pytest.raises(InvalidFormData) as refused:
        cancel(j, reason="   ")
    assert set(refused.value.errors) == {"alasan"}
    assert j.view().summary.status == "running"
    j.run_worker()
    j.receive()  # the requester confirmed: the request is done, nothing left to cancel
    with pytest.raises(Conflict):
        cancel(j)


def test_a_meeting_made_while_the_request_was_cancelled_is_ended_too(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session],
) -> None:
    alur = build()
    j = approved(alur, "zoom")
    # The requester cancels while the worker is calling Zoom (no transaction is open
    # then): the create succeeds, but the task it answers is gone.
    original = alur.services.connectors["conference.create_meeting"]

    def create_then_cancel(call):  # type: ignore[no-untyped-def]
        result = original(call)
        cancel(j)
        return result

    alur.services.connectors = {**alur.services.connectors,
                                "conference.create_meeting": create_then_cancel}
    j.run_worker()
    assert j.view().summary.status == "cancelled"
    j.run_worker()
    assert len(zoom.deleted) == 1 and zoom.meetings == {}
