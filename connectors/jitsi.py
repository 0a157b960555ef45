"""Jitsi Meet: the link is ``https://<domain>/<room>`` with a room name derived from the
instance id and a secret (HMAC-SHA256), so the same request always gets the same room and
nobody can guess another request's room. Makes no HTTP call, so it works offline. When
``JITSI_SECRET`` is set, the host link carries a moderator JWT (HS256) as ``?jwt=``;
attendees get the plain link. Must not import flask, webui or requests.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import jwt

from connectors.meeting import MeetingRequest, meeting_result
from connectors.settings import JitsiSettings

log = logging.getLogger(__name__)

PROVIDER = "jitsi"
ROOM_PREFIX = "AlurVC-"
TOKEN_SLACK = timedelta(hours=1)


class JitsiProvider:
    """Creates Jitsi links; deterministic per instance."""

    name = PROVIDER

    def __init__(self, settings: JitsiSettings, *, room_secret: bytes) -> None:
        if not room_secret:
            raise ValueError("a room secret is required to name Jitsi rooms")
        self._settings = settings
        self._room_secret = room_secret

    def room_name(self, instance_id: str) -> str:
        """``AlurVC-`` + 24 hex characters (96 bits) of HMAC over the instance id."""
        digest = hmac.new(self._room_secret, b"jitsi-room:" + instance_id.encode(), hashlib.sha256)
        return ROOM_PREFIX + digest.hexdigest()[:24]

    def create(self, request: MeetingRequest) -> dict[str, Any]:
        room = self.room_name(request.instance_id)
        join_url = f"https://{self._settings.domain}/{quote(room)}"
        host_url = join_url
        if self._settings.secret:
            host_url = f"{join_url}?jwt={self.moderator_token(room, request)}"
        log.info("Jitsi room for %s ready on %s", request.number, self._settings.domain)
        return meeting_result(
            PROVIDER, request, meeting_id=room, join_url=join_url, host_url=host_url,
            passcode=None,
        )

    def moderator_token(self, room: str, request: MeetingRequest) -> str:
        """A JWT for the requester as moderator, valid until an hour after the meeting."""
        if not self._settings.secret or not self._settings.app_id:
            raise ValueError("JITSI_APP_ID and JITSI_SECRET are needed to sign moderator tokens")
        claims = {
            "iss": self._settings.app_id,
            "aud": "jitsi",
            "sub": self._settings.domain,
            "room": room,
            "exp": int((request.slot.end + TOKEN_SLACK).timestamp()),
            "context": {
                "user": {
                    "name": request.nama_pemohon,
                    "email": request.email,
                    "moderator": True,
                },
            },
        }
        return jwt.encode(claims, self._settings.secret, algorithm="HS256")
