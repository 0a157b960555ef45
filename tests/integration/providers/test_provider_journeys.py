"""A whole request through the worker with each real provider: the meeting the instance
ends with, and what the provider's server was asked for."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import requests

from engine.bookings import SqlLedger
from engine.views import InstanceView
from tests.fakes.bbb_server import FakeBbb
from tests.fakes.zoom_server import FakeZoom
from tests.integration.providers.conftest import JITSI_DOMAIN, Build
from tests.support.journey import Journey

START, END = "2099-01-15T09:00:00+07:00", "2099-01-15T10:30:00+07:00"
Approved = Callable[..., Journey]


def finish(j: Journey) -> InstanceView:
    """The worker makes the link, the requester confirms receipt."""
    j.run_worker()
    j.receive()
    view = j.view(j.people.staf)  # staff read the whole meeting, the host link included
    assert view.summary.status == "completed"
    assert [(s.bpmn_id, s.state) for s in view.steps][-2:] == [
        ("Task_BuatLink", "completed"),
        ("Task_TerimaJadwal", "completed"),
    ]
    return view


def test_jitsi_link_is_the_requests_own_room(build: Build, approved: Approved) -> None:
    j = approved(build(), "jitsi")
    view = finish(j)

    meeting = view.meeting
    assert meeting is not None
    room = meeting["meeting_id"]
    assert room.startswith("AlurVC-") and j.instance_id not in room
    assert meeting == {
        "provider": "jitsi",
        "meeting_id": room,
        "join_url": f"https://{JITSI_DOMAIN}/{room}",
        "passcode": None,
        "host_url": f"https://{JITSI_DOMAIN}/{room}",
        "start": START,
        "end": END,
    }


def test_zoom_meeting_is_scheduled_in_jakarta_time_with_the_request_number(
    build: Build, approved: Approved, zoom: FakeZoom, sessions
) -> None:
    j = approved(build(), "zoom")
    view = finish(j)

    (post,) = zoom.received("POST", "/meetings")
    body = post.json()
    assert post.path == "/v2/users/host1@kota.go.id/meetings"
    assert (body["type"], body["start_time"], body["timezone"], body["duration"]) == (
        2,
        "2099-01-15T09:00:00",
        "Asia/Jakarta",
        90,
    )
    number = "VC-" + j.instance_id[:8].upper()
    assert f"Nomor permintaan: {number}" in body["agenda"]
    assert f"[alur:{j.instance_id}]" in body["agenda"]
    assert body["topic"] == f"Rapat Koordinasi PPDB ({number})"
    (stored,) = zoom.meetings.values()
    assert stored["start_time"] == "2099-01-15T02:00:00Z"
    assert view.meeting == {
        "provider": "zoom",
        "meeting_id": str(stored["id"]),
        "join_url": stored["join_url"],
        "passcode": stored["password"],
        "host_url": stored["start_url"],
        "start": START,
        "end": END,
    }
    booking = SqlLedger(sessions).booking("zoom", j.instance_id)
    assert booking is not None and booking.meeting_id == str(stored["id"])
    assert booking.host == "host1@kota.go.id"
    assert booking.start == datetime(2099, 1, 15, 2, 0, tzinfo=UTC)


def test_bigbluebutton_meeting_is_signed_and_named_after_the_instance(
    build: Build, approved: Approved, bbb: FakeBbb, http: requests.Session
) -> None:
    j = approved(build(), "bigbluebutton")
    view = finish(j)

    (create,) = bbb.received("GET", "/create")
    signed, _, checksum = create.query.rpartition("&checksum=")
    assert checksum == hashlib.sha256(f"create{signed}{bbb.secret}".encode()).hexdigest()
    meeting_id = f"alur-{j.instance_id}-209901150900"
    assert create.params["meetingID"] == meeting_id
    assert create.params["name"] == "Rapat Koordinasi PPDB"
    assert create.params["meta_alur-request"] == "VC-" + j.instance_id[:8].upper()
    assert list(bbb.meetings) == [meeting_id]

    meeting = view.meeting
    assert meeting is not None
    assert (meeting["provider"], meeting["meeting_id"], meeting["passcode"]) == (
        "bigbluebutton",
        meeting_id,
        None,
    )
    assert (meeting["start"], meeting["end"]) == (START, END)
    join = urlsplit(meeting["join_url"])
    assert meeting["join_url"].startswith(bbb.api_url + "/join?")
    assert parse_qs(join.query)["role"] == ["VIEWER"]
    assert parse_qs(join.query)["fullName"] == ["Ani Lestari"]
    # the signed link really opens the meeting on the server
    answer = http.get(meeting["join_url"], allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and "/html5client/join" in answer.headers["Location"]
    assert bbb.joins[-1]["meetingID"] == meeting_id
