"""``conference.create_meeting``: dispatch on ``platform``, defaults, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from connectors.mail import SmtpTransport
from connectors.ports import Clock, MemoryLedger
from connectors.registry import build_mail_transport, build_registry
from engine.errors import ConnectorError
from engine.ports import Connector, ServiceCall
from tests.fakes.bbb_server import FakeBbb

Factory = Callable[..., ServiceCall]
KEYS = {"provider", "meeting_id", "join_url", "passcode", "host_url", "start", "end"}


@pytest.fixture
def bbb() -> Iterator[FakeBbb]:
    with FakeBbb() as server:
        yield server


def connector(http: requests.Session, clock: Clock, **config: Any) -> Connector:
    registry = build_registry({"SECRET_KEY": "k", **config}, ledger=MemoryLedger(), http=http,
                              clock=clock)
    assert set(registry) == {"conference.create_meeting", "conference.end_meeting"}
    return registry["conference.create_meeting"]


def test_no_platform_means_the_default(bbb: FakeBbb, http: requests.Session, clock: Clock,
                                       make_call: Factory) -> None:
    create = connector(http, clock, **bbb.config(CONFERENCE_PLATFORMS="jitsi, bigbluebutton",
                                                 CONFERENCE_DEFAULT="bigbluebutton"))
    assert create(make_call(platform=None))["provider"] == "bigbluebutton"
    assert create(make_call(platform=""))["provider"] == "bigbluebutton"
    assert create(make_call(platform="Jitsi"))["provider"] == "jitsi"


def test_out_of_the_box_it_is_jitsi(http: requests.Session, clock: Clock,
                                    make_call: Factory) -> None:
    meeting = connector(http, clock)(make_call())
    assert meeting["provider"] == "jitsi"
    assert set(meeting) == KEYS
    json.dumps(meeting)


@pytest.mark.parametrize("platform", ["zoom", "webex"])
def test_a_platform_not_offered_is_refused_for_good(
    http: requests.Session, clock: Clock, make_call: Factory, platform: str
) -> None:
    with pytest.raises(ConnectorError) as caught:
        connector(http, clock)(make_call(platform=platform))

    assert not caught.value.retryable and caught.value.code == "platform_not_offered"
    assert platform in caught.value.message


@pytest.mark.parametrize("params, problem", [
    ({"email": None}, "email"),
    ({"tanggal": "", "jam_mulai": None}, "tanggal, jam_mulai"),
    ({"tanggal": "10/03/2031"}, "tanggal"),
    ({"jam_mulai": "11:00", "jam_selesai": "10:00"}, "jam_selesai"),
    ({"jam_mulai": "9 pagi"}, "jam_mulai"),
    ({"jumlah_peserta": "banyak"}, "jumlah_peserta"),
])
def test_incomplete_or_malformed_requests_are_not_retryable(
    http: requests.Session, clock: Clock, make_call: Factory, params: dict[str, Any],
    problem: str,
) -> None:
    with pytest.raises(ConnectorError) as caught:
        connector(http, clock)(make_call(**params))

    assert not caught.value.retryable and caught.value.code == "invalid_request"
    assert problem in caught.value.message


def test_mail_transport_only_with_an_smtp_host() -> None:
    assert build_mail_transport({}) is None
    assert build_mail_transport({"SMTP_HOST": ""}) is None
    transport = build_mail_transport({"SMTP_HOST": "smtp.kota.go.id",
                                      "MAIL_FROM": "vicon@kota.go.id"})
    assert isinstance(transport, SmtpTransport)


def test_malformed_configuration_fails_when_the_registry_is_built(
    http: requests.Session, clock: Clock
) -> None:
    with pytest.raises(ValueError, match="ZOOM_HOSTS"):
        connector(http, clock, CONFERENCE_PLATFORMS="jitsi,zoom")
