"""BigBlueButton: calls ``create`` with a ``meetingID`` derived from the instance id and
the slot (so a retry returns the same meeting: BBB's create is idempotent per meetingID),
and signs per-person ``join`` links (viewer for the requester, moderator for staff). Every
call is signed with ``checksum = sha256(call + query + secret)`` (or sha1) over the exact
query string sent. Responses are XML whose ``returncode`` may be FAILED under HTTP 200.
Must not import flask or webui.
"""

from __future__ import annotations

import hashlib
import logging
import math
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own BBB server's replies
from typing import Any
from urllib.parse import urlencode

import requests

from connectors.failures import http_failure, transport_failure
from connectors.meeting import MeetingRequest, meeting_result
from connectors.ports import Clock
from connectors.settings import BbbSettings
from engine.errors import ConnectorError

log = logging.getLogger(__name__)

PROVIDER = "bigbluebutton"
STAFF_NAME = "Staf Diskominfo"
EXISTING = frozenset({"duplicateWarning", "idNotUnique"})
EXPIRY_SLACK_MIN = 60


class BigBlueButtonProvider:
    """Creates the BBB meeting for a request and signs its join links."""

    name = PROVIDER

    def __init__(
        self, settings: BbbSettings, *, http: requests.Session, timeout: float, clock: Clock
    ) -> None:
        self._settings = settings
        self._http = http
        self._timeout = timeout
        self._clock = clock

    def signed_url(self, call: str, query: str) -> str:
        """``{BBB_URL}/{call}?{query}&checksum=...``, signed over ``query`` as given."""
        digest = hashlib.new(
            self._settings.checksum, (call + query + self._settings.secret).encode()
        ).hexdigest()
        separator = "&" if query else ""
        return f"{self._settings.url}/{call}?{query}{separator}checksum={digest}"

    def create(self, request: MeetingRequest) -> dict[str, Any]:
        meeting_id = meeting_id_for(request)
        url = self.signed_url("create", self._create_query(request, meeting_id))
        try:
            response = self._http.get(url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise transport_failure(exc, provider=PROVIDER, action="BBB create") from exc
        key = self._check(response)
        log.info("BBB meeting for %s ready (%s)", request.number, key or "created")
        return meeting_result(
            PROVIDER, request,
            meeting_id=meeting_id,
            join_url=self.join_url(meeting_id, request.nama_pemohon, "VIEWER"),
            host_url=self.join_url(meeting_id, STAFF_NAME, "MODERATOR"),
            passcode=None,
        )

    def end(self, meeting_id: str, instance_id: str) -> bool:
        """End the meeting (the ``end`` call, signed like every call); False when BBB no
        longer knows it (``notFound``: it ended or expired already)."""
        url = self.signed_url("end", urlencode([("meetingID", meeting_id)]))
        try:
            response = self._http.get(url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise transport_failure(exc, provider=PROVIDER, action="BBB end") from exc
        root = _xml(response)
        if root is not None and root.findtext("messageKey") == "notFound":
            log.info("BBB meeting %s of %s was already gone", meeting_id, instance_id)
            return False
        if root is None or root.findtext("returncode") != "SUCCESS":
            message = root.findtext("message") if root is not None else None
            raise self._failure(response, f"BBB menolak end: {message or 'bukan XML API'}",
                                root.findtext("messageKey") if root is not None else None)
        log.info("BBB meeting %s of %s ended", meeting_id, instance_id)
        return True

    def join_url(self, meeting_id: str, full_name: str, role: str) -> str:
        """A signed join link for one person (``role`` VIEWER or MODERATOR)."""
        query = urlencode(
            [("fullName", full_name), ("meetingID", meeting_id), ("role", role),
             ("redirect", "true")]
        )
        return self.signed_url("join", query)

    def _create_query(self, request: MeetingRequest, meeting_id: str) -> str:
        # BBB forgets a meeting nobody joined after a few minutes by default; keep it
        # until an hour after the scheduled end.
        until_end = (request.slot.end - self._clock()).total_seconds() / 60
        expire = max(EXPIRY_SLACK_MIN, math.ceil(until_end) + EXPIRY_SLACK_MIN)
        return urlencode(
            [
                ("name", request.title),
                ("meetingID", meeting_id),
                ("record", "false"),
                ("welcome", f"Selamat datang di {request.title} ({request.number})."),
                ("meetingExpireIfNoUserJoinedInMinutes", str(expire)),
                ("meta_bbb-origin", "Alur"),
                ("meta_alur-request", request.number),
            ]
        )

    def _check(self, response: requests.Response) -> str | None:
        """The messageKey of a successful (or already existing) create; raises otherwise."""
        root = _xml(response)
        if root is None:
            raise self._failure(response, "BBB menjawab bukan XML API; periksa BBB_URL",
                                "bad_response")
        key = root.findtext("messageKey")
        if root.findtext("returncode") == "SUCCESS" or key in EXISTING:
            return key
        message = root.findtext("message") or "tanpa keterangan"
        raise self._failure(response, f"BBB menolak create: {message}", key)

    def _failure(
        self, response: requests.Response, message: str, key: str | None
    ) -> ConnectorError:
        """Error statuses follow HTTP (5xx/429 retryable); FAILED under 2xx is final."""
        if response.status_code >= 400:
            return http_failure(response, message, provider=PROVIDER, code=key, now=self._clock())
        return ConnectorError(
            message, retryable=False, provider=PROVIDER, status=response.status_code, code=key,
        )


def _xml(response: requests.Response) -> ET.Element | None:
    """The API answer's root, or None when it is not BBB's XML (a proxy's page, say)."""
    try:
        root = ET.fromstring(response.content)  # noqa: S314 - see the import
    except ET.ParseError:
        return None
    return root if root.findtext("returncode") is not None else None


def meeting_id_for(request: MeetingRequest) -> str:
    """Stable per request and slot: a retry finds the same meeting, a new date does not."""
    return f"alur-{request.instance_id}-{request.slot.start:%Y%m%d%H%M}"
