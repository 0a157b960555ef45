"""Jitsi links: deterministic, unguessable rooms and an optional moderator JWT, offline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from connectors.ports import MemoryLedger
from connectors.registry import build_registry
from engine.ports import Connector, ServiceCall

Factory = Callable[..., ServiceCall]
JWT_SECRET = "jitsi-jwt-secret-of-at-least-32-bytes"
BASE = {"CONFERENCE_PLATFORMS": "jitsi", "SECRET_KEY": "dev-secret"}


def connector(**config: Any) -> Connector:
    # No HTTP at all: a closed session proves nothing is sent.
    http = requests.Session()
    http.close()
    registry = build_registry({**BASE, **config}, ledger=MemoryLedger(), http=http)
    return registry["conference.create_meeting"]


def test_same_request_gets_the_same_room_and_others_do_not(make_call: Factory) -> None:
    create = connector()
    first, again = create(make_call()), create(make_call(attempt=2))
    other = create(make_call(instance_id="11111111-2222-3333-4444-555555555555"))

    assert first == again
    assert re.fullmatch(r"https://meet\.jit\.si/AlurVC-[0-9a-f]{24}", first["join_url"])
    assert first["meeting_id"] == first["join_url"].rsplit("/", 1)[1]
    assert other["join_url"] != first["join_url"]
    assert first["host_url"] == first["join_url"] and first["passcode"] is None
    assert (first["provider"], first["start"], first["end"]) == (
        "jitsi", "2031-03-10T09:00:00+07:00", "2031-03-10T10:30:00+07:00")


def test_room_depends_on_the_secret(make_call: Factory) -> None:
    ours = connector()(make_call())["join_url"]
    theirs = connector(SECRET_KEY="another-secret")(make_call())["join_url"]
    preferred = connector(ROOM_SECRET="room-secret")(make_call())["join_url"]

    assert len({ours, theirs, preferred}) == 3


def test_own_domain(make_call: Factory) -> None:
    meeting = connector(JITSI_DOMAIN="vicon.tangerangkota.go.id")(make_call())
    assert meeting["join_url"].startswith("https://vicon.tangerangkota.go.id/AlurVC-")


def test_moderator_link_carries_a_jwt_and_attendees_get_the_plain_link(
    make_call: Factory,
) -> None:
    create = connector(JITSI_DOMAIN="vicon.kota.go.id", JITSI_APP_ID="alur",
                       JITSI_SECRET=JWT_SECRET)
    meeting = create(make_call())

    host = urlsplit(meeting["host_url"])
    assert meeting["join_url"] == f"https://vicon.kota.go.id{host.path}"
    assert "jwt" not in meeting["join_url"]
    (token,) = parse_qs(host.query)["jwt"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience="jitsi",
                        options={"verify_exp": False})
    assert (claims["iss"], claims["sub"], claims["room"]) == (
        "alur", "vicon.kota.go.id", meeting["meeting_id"])
    assert claims["exp"] == int(datetime(2031, 3, 10, 4, 30, tzinfo=UTC).timestamp())
    assert claims["context"]["user"] == {"name": "Siti Rahma", "moderator": True,
                                         "email": "pemohon@tangerangkota.go.id"}
    assert JWT_SECRET not in str(meeting)


def test_letter_only_request_still_gets_a_room(make_call: Factory) -> None:
    meeting = connector()(make_call(nama_kegiatan=None, instansi=None, jumlah_peserta=None))
    assert meeting["join_url"].startswith("https://meet.jit.si/AlurVC-")
