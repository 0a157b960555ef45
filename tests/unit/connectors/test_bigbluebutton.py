"""The BigBlueButton provider against a fake BBB that checks every checksum."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from connectors.ports import Clock, MemoryLedger
from connectors.registry import build_registry
from engine.errors import ConnectorError
from engine.ports import Connector, ServiceCall
from tests.fakes.bbb_server import FakeBbb

Factory = Callable[..., ServiceCall]
MEETING_ID = "alur-0f8e2c4a-7b1d-4e5f-9a3b-2c1d0e9f8a7b-203103100900"


@pytest.fixture
def bbb() -> Iterator[FakeBbb]:
    with FakeBbb() as server:
        yield server
    assert not server.errors


def connector(http: requests.Session, clock: Clock, config: dict[str, Any]) -> Connector:
    registry = build_registry(config, ledger=MemoryLedger(), http=http, clock=clock)
    return registry["conference.create_meeting"]


@pytest.fixture
def create(bbb: FakeBbb, http: requests.Session, clock: Clock) -> Connector:
    return connector(http, clock, bbb.config())


def test_create_is_signed_over_the_exact_query_and_returns_signed_join_links(
    bbb: FakeBbb, create: Connector, http: requests.Session, make_call: Factory
) -> None:
    meeting = create(make_call())

    (sent,) = bbb.received("GET", "/create")
    names = [name for name, _ in parse_qsl(sent.query)]
    assert names[:3] == ["name", "meetingID", "record"] and names[-1] == "checksum"
    assert len(sent.params["checksum"]) == 64  # sha256 by default
    assert sent.params["record"] == "false"
    assert bbb.meetings[MEETING_ID]["name"] == "Rapat Koordinasi Smart City"
    assert meeting["provider"] == "bigbluebutton" and meeting["meeting_id"] == MEETING_ID
    assert meeting["passcode"] is None
    assert (meeting["start"], meeting["end"]) == ("2031-03-10T09:00:00+07:00",
                                                  "2031-03-10T10:30:00+07:00")
    for url, name, role in ((meeting["join_url"], "Siti Rahma", "VIEWER"),
                            (meeting["host_url"], "Staf Diskominfo", "MODERATOR")):
        assert url.startswith(bbb.api_url + "/join?")
        assert http.get(url, allow_redirects=False, timeout=30).status_code == 302
        assert (bbb.joins[-1]["fullName"], bbb.joins[-1]["role"]) == (name, role)


def test_meeting_is_kept_until_an_hour_after_its_end(bbb: FakeBbb, create: Connector,
                                                     make_call: Factory) -> None:
    create(make_call())
    # from 2031-03-01 00:00 UTC to 2031-03-10 03:30 UTC is 13170 minutes, plus 60
    assert bbb.meetings[MEETING_ID]["meetingExpireIfNoUserJoinedInMinutes"] == "13230"


def test_sha1_checksums_when_configured(http: requests.Session, clock: Clock,
                                        make_call: Factory) -> None:
    with FakeBbb(algorithms=("sha1",)) as bbb:
        create = connector(http, clock, bbb.config(BBB_CHECKSUM="sha1"))
        meeting = create(make_call())
        assert len(bbb.received("GET", "/create")[0].params["checksum"]) == 40
        assert http.get(meeting["join_url"], allow_redirects=False, timeout=30).status_code == 302


def test_names_with_reserved_characters_still_verify(bbb: FakeBbb, create: Connector,
                                                      make_call: Factory) -> None:
    name = "Évaluasi 100% & Tanya+Jawab: \"OPD\"/2031 #1"
    create(make_call(nama_kegiatan=name, nama_pemohon="Ny. Dewi O'Neil"))
    assert bbb.meetings[MEETING_ID]["name"] == name


def test_retry_returns_the_same_meeting(bbb: FakeBbb, create: Connector,
                                        make_call: Factory) -> None:
    first = create(make_call())
    again = create(make_call(attempt=2))

    assert again["meeting_id"] == first["meeting_id"] and len(bbb.meetings) == 1
    assert len(bbb.received("GET", "/create")) == 2


def test_id_not_unique_counts_as_existing(http: requests.Session, clock: Clock,
                                          make_call: Factory) -> None:
    with FakeBbb(duplicate_key="idNotUnique") as bbb:
        create = connector(http, clock, bbb.config())
        first = create(make_call())
        assert create(make_call(attempt=2)) == first


def test_wrong_secret_fails_with_http_200_and_is_not_retryable(
    bbb: FakeBbb, http: requests.Session, clock: Clock, make_call: Factory
) -> None:
    create = connector(http, clock, bbb.config(BBB_SECRET="not-the-secret"))

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    error = caught.value
    assert (error.retryable, error.status, error.code) == (False, 200, "checksumError")
    assert "not-the-secret" not in error.describe()


def test_server_errors_are_retryable(bbb: FakeBbb, create: Connector,
                                     make_call: Factory) -> None:
    bbb.fail_next(503)

    with pytest.raises(ConnectorError) as caught:
        create(make_call())

    assert caught.value.retryable and caught.value.status == 503


def test_a_url_that_is_not_the_api_is_not_retryable(
    bbb: FakeBbb, http: requests.Session, clock: Clock, make_call: Factory
) -> None:
    config = bbb.config(BBB_URL=bbb.base_url + "/wrong/bigbluebutton/api")
    with pytest.raises(ConnectorError) as caught:
        connector(http, clock, config)(make_call())

    assert not caught.value.retryable and caught.value.status == 404


def test_unreachable_server_is_retryable(http: requests.Session, clock: Clock,
                                         make_call: Factory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/bigbluebutton/api"
    config = {"CONFERENCE_PLATFORMS": "bigbluebutton", "HTTP_TIMEOUT": 0.3, "BBB_URL": url,
              "BBB_SECRET": "x"}

    with pytest.raises(ConnectorError) as caught:
        connector(http, clock, config)(make_call())

    assert caught.value.retryable and caught.value.code == "connection_error"
    assert urlsplit(url).netloc not in caught.value.message
