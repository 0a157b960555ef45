"""A fake BigBlueButton API under ``/bigbluebutton/api``: every call's checksum is checked
the way bbb-web does it (``checksum`` removed from the raw query string, then
``hash(callName + query + secret)`` with sha1/sha256/sha384/sha512 told apart by length),
a bad one answers ``FAILED``/``checksumError`` with HTTP 200. ``create`` is idempotent per
meetingID (``duplicateWarning``, or ``idNotUnique`` when asked); ``join`` needs a known
meeting, a fullName and a role, and redirects to the client. Scripted 5xx faults.
Test-only.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from xml.sax.saxutils import escape

from tests.fakes import FakeServer, Recorded, Reply

API = "/bigbluebutton/api"
ALGORITHMS = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


class FakeBbb(FakeServer):
    def __init__(
        self,
        *,
        secret: str = "bbb-shared-secret",
        algorithms: tuple[str, ...] = ("sha1", "sha256", "sha384", "sha512"),
        duplicate_key: str = "duplicateWarning",
    ) -> None:
        super().__init__()
        self.secret = secret
        self.algorithms = algorithms
        self.duplicate_key = duplicate_key
        self.meetings: dict[str, dict[str, str]] = {}
        self.joins: list[dict[str, str]] = []
        self.ended: list[str] = []
        self.faults: list[tuple[int, int]] = []  # (status, times)

    @property
    def api_url(self) -> str:
        return self.base_url + API

    def config(self, **extra: Any) -> dict[str, Any]:
        return {"CONFERENCE_PLATFORMS": "bigbluebutton", "BBB_URL": self.api_url,
                "BBB_SECRET": self.secret, "HTTP_TIMEOUT": 2, **extra}

    def fail_next(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.faults.append((status, times))

    def handle(self, request: Recorded) -> Reply:
        with self.lock:
            fault = self._fault()
            if fault is not None:
                return fault
            call = request.path.removeprefix(API).strip("/")
            if not request.path.startswith(API) or call not in ("create", "join", "end"):
                return Reply(404, b"<html>Not Found</html>", {"Content-Type": "text/html"})
            if not self._checksum_ok(call, request.query):
                return _xml("FAILED", messageKey="checksumError",
                            message="Checksums do not match")
            if call == "end":
                return self._end(request.params)
            return self._create(request.params) if call == "create" else self._join(request.params)

    def _fault(self) -> Reply | None:
        for index, (status, times) in enumerate(self.faults):
            if times > 0:
                self.faults[index] = (status, times - 1)
                return Reply(status, b"<html>Service Unavailable</html>",
                             {"Content-Type": "text/html"})
        return None

    def _checksum_ok(self, call: str, query: str) -> bool:
        parts = query.split("&") if query else []
        given = [p.removeprefix("checksum=") for p in parts if p.startswith("checksum=")]
        if len(given) != 1:
            return False
        algorithm = ALGORITHMS.get(len(given[0]))
        if algorithm is None or algorithm not in self.algorithms:
            return False
        signed = "&".join(p for p in parts if not p.startswith("checksum="))
        expected = hashlib.new(algorithm, (call + signed + self.secret).encode()).hexdigest()
        return secrets.compare_digest(expected, given[0])

    def _create(self, params: dict[str, str]) -> Reply:
        meeting_id, name = params.get("meetingID", ""), params.get("name", "")
        if not meeting_id or not name:
            return _xml("FAILED", messageKey="missingParam",
                        message="You must specify a meeting ID and name.")
        if meeting_id in self.meetings:
            if self.duplicate_key == "idNotUnique":
                return _xml("FAILED", messageKey="idNotUnique",
                            message="A meeting already exists with that meeting ID.")
            return _xml("SUCCESS", meetingID=meeting_id, messageKey="duplicateWarning",
                        message="This conference was already in existence.")
        self.meetings[meeting_id] = dict(params)
        return _xml("SUCCESS", meetingID=meeting_id,
                    internalMeetingID=secrets.token_hex(20) + "-1700000000000",
                    attendeePW=secrets.token_hex(4), moderatorPW=secrets.token_hex(4),
                    createTime="1700000000000", hasBeenForciblyEnded="false",
                    messageKey="", message="")

    def _join(self, params: dict[str, str]) -> Reply:
        meeting_id = params.get("meetingID", "")
        if meeting_id not in self.meetings:
            return _xml("FAILED", messageKey="notFound",
                        message="We could not find a meeting with that meeting ID")
        role = params.get("role", "").upper()
        if not params.get("fullName") or role not in ("VIEWER", "MODERATOR"):
            return _xml("FAILED", messageKey="missingParam",
                        message="You must specify fullName and role.")
        self.joins.append(dict(params))
        session = secrets.token_hex(8)
        if params.get("redirect", "true") == "true":
            location = f"{self.base_url}/html5client/join?sessionToken={session}"
            return Reply(302, b"", {"Location": location})
        return _xml("SUCCESS", meeting_id=meeting_id, session_token=session,
                    messageKey="successfullyJoined", message="You have joined successfully.")


    def _end(self, params: dict[str, str]) -> Reply:
        """BBB's ``end``: ends a running meeting (SUCCESS, ``sentEndMeetingRequest``);
        FAILED ``notFound`` when no meeting has that ID (ended or expired already)."""
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            return _xml("FAILED", messageKey="missingParamMeetingID",
                        message="You must specify a meeting ID for the meeting.")
        if self.meetings.pop(meeting_id, None) is None:
            return _xml("FAILED", messageKey="notFound",
                        message="We could not find a meeting with that meeting ID")
        self.ended.append(meeting_id)
        return _xml("SUCCESS", messageKey="sentEndMeetingRequest",
                    message="A request to end the meeting was sent.")


def _xml(returncode: str, **fields: str) -> Reply:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    body = f"<response><returncode>{returncode}</returncode>{inner}</response>"
    return Reply(200, body.encode(), {"Content-Type": "text/xml;charset=utf-8"})
