"""The Zoom provider against a fake Zoom that honours the OAuth and meetings contracts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from connectors.ports import Clock, MemoryLedger
from connectors.registry import build_registry
from engine.errors import ConnectorError
from engine.ports import Connector, ServiceCall
from tests.fakes.zoom_server import FakeZoom

HOST1, HOST2 = "host1@kota.go.id", "host2@kota.go.id"
Factory = Callable[..., ServiceCall]


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom(hosts=(HOST1, HOST2)) as server:
        yield server
    assert not server.errors


def connector(
    server: FakeZoom, http: requests.Session, ledger: MemoryLedger, clock: Clock, **config: Any
) -> Connector:
    registry = build_registry(server.config(**config), ledger=ledger, http=http, clock=clock)
    return registry["conference.create_meeting"]


@pytest.fixture
def create(zoom: FakeZoom, http: requests.Session, ledger: MemoryLedger, clock: Clock) -> Connector:
    return connector(zoom, http, ledger, clock, ZOOM_HOSTS=f"{HOST1},{HOST2}")


def test_creates_a_scheduled_meeting_in_jakarta_time(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    meeting = create(make_call())

    (post,) = zoom.received("POST", "/meetings")
    assert post.path == f"/v2/users/{HOST1}/meetings"
    body = post.json()
    assert body["type"] == 2
    assert body["start_time"] == "2031-03-10T09:00:00"
    assert body["timezone"] == "Asia/Jakarta"
    assert body["duration"] == 90
    assert "VC-0F8E2C4A" in body["agenda"] and "VC-0F8E2C4A" in body["topic"]
    stored = zoom.meetings[int(meeting["meeting_id"])]
    assert stored["start_time"] == "2031-03-10T02:00:00Z"
    assert meeting == {
        "provider": "zoom",
        "meeting_id": str(stored["id"]),
        "join_url": stored["join_url"],
        "passcode": stored["password"],
        "host_url": stored["start_url"],
        "start": "2031-03-10T09:00:00+07:00",
        "end": "2031-03-10T10:30:00+07:00",
    }
    serialised = json.dumps(meeting)
    assert zoom.client_secret not in serialised
    assert all(token not in serialised for token in zoom.tokens)


def test_token_is_fetched_with_basic_auth_and_cached(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    create(make_call())
    create(make_call(instance_id="11111111-2222-3333-4444-555555555555", tanggal="2031-03-11"))

    (token_request,) = zoom.received("POST", "/oauth/token")
    assert token_request.params == {"grant_type": "account_credentials", "account_id": "acct-1"}
    assert zoom.tokens_issued == 1


def test_token_close_to_expiry_is_not_reused(
    http: requests.Session, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    with FakeZoom(hosts=(HOST1,), token_ttl=200) as zoom:  # less than the 4-minute margin
        create = connector(zoom, http, ledger, clock, ZOOM_HOSTS=HOST1)
        create(make_call())
        create(make_call(instance_id="11111111-2222-3333-4444-555555555555", tanggal="2031-03-11"))
        assert zoom.tokens_issued == 2


def test_expired_token_is_fetched_again_once(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    create(make_call())
    zoom.expire_tokens()

    create(make_call(instance_id="11111111-2222-3333-4444-555555555555", tanggal="2031-03-11"))

    assert zoom.tokens_issued == 2
    assert len(zoom.received("POST", "/meetings")) == 3  # 201, 401 (code 124), 201


def test_token_rejected_after_refresh_is_not_retryable(
    zoom: FakeZoom, create: Connector, ledger: MemoryLedger, make_call: Factory
) -> None:
    zoom.fail_next("api", 401, code=124, message="Invalid access token.", times=5)

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    assert (caught.value.retryable, caught.value.status, caught.value.code) == (False, 401, "124")
    assert zoom.tokens_issued == 2
    assert ledger.booking("zoom", make_call().instance_id) is None


def test_wrong_client_secret_is_not_retryable(
    zoom: FakeZoom, http: requests.Session, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    create = connector(zoom, http, ledger, clock, ZOOM_CLIENT_SECRET="wrong")

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    assert not caught.value.retryable
    assert caught.value.code == "invalid_client"
    assert "wrong" not in caught.value.describe()


def test_unknown_host_account_is_not_retryable_and_frees_the_booking(
    zoom: FakeZoom, http: requests.Session, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    create = connector(zoom, http, ledger, clock, ZOOM_HOSTS="nobody@kota.go.id")

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    assert (caught.value.retryable, caught.value.status, caught.value.code) == (False, 404, "1001")
    assert ledger.booking("zoom", make_call().instance_id) is None


@pytest.mark.parametrize("header, expected", [("7", 7.0), ("http-date", 90.0)])
def test_rate_limit_reports_retry_after(
    zoom: FakeZoom, create: Connector, clock: Clock, make_call: Factory,
    header: str, expected: float,
) -> None:
    if header == "http-date":
        header = format_datetime(clock() + timedelta(seconds=90), usegmt=True)
    zoom.fail_next("create", 429, code=429, message="Too many requests", retry_after=header)

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    assert caught.value.retryable and caught.value.status == 429
    assert caught.value.retry_after == pytest.approx(expected)


def test_server_error_is_retryable_and_the_retry_looks_before_creating(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    zoom.fail_next("create", 500, message="Internal error")
    with pytest.raises(ConnectorError) as caught:
        create(make_call())
    assert caught.value.retryable and caught.value.status == 500

    meeting = create(make_call(attempt=2))

    assert len(zoom.meetings) == 1 and meeting["meeting_id"] == str(next(iter(zoom.meetings)))
    assert len(zoom.received("GET", f"/users/{HOST1}/meetings")) == 1


def test_lost_answer_finds_the_meeting_instead_of_creating_twice(
    http: requests.Session, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    with FakeZoom(hosts=(HOST1,), page_cap=2) as zoom:
        for hour in range(11, 16):  # other meetings, so the lookup must follow page tokens
            zoom.add_meeting(HOST1, start_time=f"2031-03-12T{hour}:00:00")
        create = connector(zoom, http, ledger, clock, ZOOM_HOSTS=HOST1, HTTP_TIMEOUT=1)
        zoom.answer_create_late(2)

        meeting = create(make_call())

        assert len(zoom.meetings_of(HOST1)) == 6
        assert len(zoom.received("POST", "/meetings")) == 1
        pages = zoom.received("GET", f"/users/{HOST1}/meetings")
        assert len(pages) == 3 and "next_page_token" in pages[-1].params
        assert meeting["passcode"] == zoom.meetings[int(meeting["meeting_id"])]["password"]
        booking = ledger.booking("zoom", make_call().instance_id)
        assert booking is not None and booking.meeting_id == meeting["meeting_id"]


def test_lost_answer_and_failed_lookup_is_retryable_and_never_duplicates(
    http: requests.Session, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    with FakeZoom(hosts=(HOST1,)) as zoom:
        create = connector(zoom, http, ledger, clock, ZOOM_HOSTS=HOST1, HTTP_TIMEOUT=1)
        zoom.answer_create_late(2)
        zoom.fail_next("list", 503, message="Service unavailable")

        with pytest.raises(ConnectorError) as caught:
            create(make_call())
        assert caught.value.retryable and caught.value.code == "no_answer"

        meeting = create(make_call(attempt=2))

        assert len(zoom.meetings) == 1 and len(zoom.received("POST", "/meetings")) == 1
        assert meeting["meeting_id"] == str(next(iter(zoom.meetings)))


def test_unfinished_attempt_that_never_reached_zoom_creates_on_the_booked_host(
    zoom: FakeZoom, create: Connector, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    call = make_call()
    start = datetime(2031, 3, 10, 2, tzinfo=UTC)
    ledger.begin("zoom", HOST2, call.instance_id, start, start + timedelta(minutes=90),
                 now=clock(), daily_limit=100)

    create(call)

    assert [m["host_email"] for m in zoom.meetings.values()] == [HOST2]


def test_a_finished_request_gets_its_meeting_back_without_a_new_create(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    first = create(make_call())
    again = create(make_call(attempt=2))

    assert again == first
    assert len(zoom.received("POST", "/meetings")) == 1
    assert zoom.received("GET", f"/meetings/{first['meeting_id']}")


def test_a_new_date_for_the_same_request_books_a_new_meeting(
    zoom: FakeZoom, create: Connector, ledger: MemoryLedger, make_call: Factory
) -> None:
    first = create(make_call())
    second = create(make_call(tanggal="2031-03-17"))

    assert second["meeting_id"] != first["meeting_id"]
    assert second["start"] == "2031-03-17T09:00:00+07:00"
    booking = ledger.booking("zoom", make_call().instance_id)
    assert booking is not None and booking.start.day == 17


def test_overlapping_requests_use_different_hosts_until_none_is_free(
    zoom: FakeZoom, create: Connector, make_call: Factory
) -> None:
    a = create(make_call(instance_id="aaaaaaaa-0000-0000-0000-000000000000"))
    b = create(make_call(instance_id="bbbbbbbb-0000-0000-0000-000000000000", jam_mulai="10:00",
                         jam_selesai="11:00"))
    with pytest.raises(ConnectorError) as caught:
        create(make_call(instance_id="cccccccc-0000-0000-0000-000000000000"))
    later = create(make_call(instance_id="dddddddd-0000-0000-0000-000000000000",
                             jam_mulai="11:00", jam_selesai="12:00"))

    hosts = {m["id"]: m["host_email"] for m in zoom.meetings.values()}
    assert [hosts[int(m["meeting_id"])] for m in (a, b, later)] == [HOST1, HOST2, HOST1]
    assert not caught.value.retryable and caught.value.code == "no_free_host"
    assert "Tidak ada akun host Zoom yang kosong" in caught.value.message


def test_a_host_with_100_creates_today_is_skipped(
    zoom: FakeZoom, create: Connector, ledger: MemoryLedger, clock: Clock, make_call: Factory
) -> None:
    for n in range(100):
        start = datetime(2031, 4, 1, tzinfo=UTC) + timedelta(hours=n)
        ledger.begin("zoom", HOST1, f"earlier-{n}", start, start + timedelta(minutes=30),
                     now=clock(), daily_limit=100)

    create(make_call())

    assert [m["host_email"] for m in zoom.meetings.values()] == [HOST2]
    assert ledger.created_on("zoom", HOST1, clock().date()) == 100
