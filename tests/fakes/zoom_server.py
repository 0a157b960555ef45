"""A fake Zoom: Server-to-Server OAuth (``POST /oauth/token``, Basic auth checked, tokens
that expire, 401 code 124 for an expired or unknown token) and the meeting endpoints
Alur uses (``POST``/``GET /v2/users/{user}/meetings`` with ``next_page_token`` paging,
``GET /v2/meetings/{id}``; unknown user → 404 code 1001). Errors are ``{code, message}``.
Scripted faults: the next N matching requests answer 429 (``Retry-After`` seconds or an
HTTP date) or 5xx, or a create is made but answered only after a delay, or answered with
fields of the test's choosing (a provider's odd answer). Test-only.
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.fakes import FakeServer, Recorded, Reply

USER_PATH = re.compile(r"^/v2/users/(?P<user>[^/]+)/meetings$")
MEETING_PATH = re.compile(r"^/v2/meetings/(?P<id>\d+)$")
LIST_FIELDS = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
               "agenda", "created_at", "join_url")


@dataclass
class Fault:
    """Answer the next ``times`` requests of ``op`` (token/create/list/get/api) with this."""

    op: str
    status: int
    times: int = 1
    code: int | None = None
    message: str = "Scripted fault"
    retry_after: str | None = None
    delay: float = 0.0  # status 201 + delay: really create, answer late


class FakeZoom(FakeServer):
    def __init__(
        self,
        *,
        account_id: str = "acct-1",
        client_id: str = "client-1",
        client_secret: str = "s3cret",
        hosts: tuple[str, ...] = ("host1@kota.go.id", "host2@kota.go.id"),
        token_ttl: int = 3599,
        page_cap: int = 300,
    ) -> None:
        super().__init__()
        self.account_id, self.client_id, self.client_secret = account_id, client_id, client_secret
        self.hosts = set(hosts)
        self.token_ttl = token_ttl
        self.page_cap = page_cap
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.meetings: dict[int, dict[str, Any]] = {}
        self.deleted: list[int] = []
        self.faults: list[Fault] = []
        self.odd_fields: dict[str, Any] = {}  # merged into the next created meeting's answer
        self._ids = itertools.count(85_000_000_001)
        self._pages: dict[str, list[dict[str, Any]]] = {}

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/oauth/token"

    @property
    def api_url(self) -> str:
        return self.base_url + "/v2"

    def config(self, **extra: Any) -> dict[str, Any]:
        """Alur configuration pointing at this server."""
        return {
            "CONFERENCE_PLATFORMS": "zoom", "ZOOM_OAUTH_URL": self.oauth_url,
            "ZOOM_API_URL": self.api_url, "ZOOM_ACCOUNT_ID": self.account_id,
            "ZOOM_CLIENT_ID": self.client_id, "ZOOM_CLIENT_SECRET": self.client_secret,
            "ZOOM_HOSTS": ",".join(sorted(self.hosts)), "HTTP_TIMEOUT": 2, **extra,
        }

    # --- scripting -------------------------------------------------------------------
    def fail_next(self, op: str, status: int, **kwargs: Any) -> None:
        with self.lock:
            self.faults.append(Fault(op, status, **kwargs))

    def answer_create_late(self, delay: float) -> None:
        """The next create is made at once but answered only after ``delay`` seconds."""
        self.fail_next("create", 201, delay=delay)

    def answer_next_create_with(self, **fields: Any) -> None:
        """The next create is made, and answered with ``fields`` changed."""
        with self.lock:
            self.odd_fields = dict(fields)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def meetings_of(self, host: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.meetings.values() if m["host_email"] == host]

    def add_meeting(self, host: str, **fields: Any) -> dict[str, Any]:
        """Put an existing meeting on ``host`` (as if made elsewhere)."""
        body = {"topic": "Rapat lain", "type": 2, "start_time": "2031-03-10T08:00:00",
                "timezone": "Asia/Jakarta", "duration": 60, "agenda": "", **fields}
        with self.lock:
            return self._store(host, body)

    # --- dispatch --------------------------------------------------------------------
    def handle(self, request: Recorded) -> Reply:
        with self.lock:
            if request.path == "/oauth/token" and request.method == "POST":
                return self._fault("token") or self._token(request)
            if not self._authorised(request):
                return Reply.json(401, {"code": 124, "message": "Invalid access token."})
            return self._api(request)

    def _api(self, request: Recorded) -> Reply:
        user, meeting = USER_PATH.match(request.path), MEETING_PATH.match(request.path)
        if user and request.method == "POST":
            host = user["user"]
            return self._fault("create", request, host) or self._create(request, host)
        if user and request.method == "GET":
            return self._fault("list") or self._list(request, user["user"])
        if meeting and request.method == "GET":
            return self._fault("get") or self._get(int(meeting["id"]))
        if meeting and request.method == "DELETE":
            return self._fault("delete") or self._delete(int(meeting["id"]))
        return Reply.json(404, {"code": 404, "message": "No such API."})

    def _fault(self, op: str, request: Recorded | None = None, user: str = "") -> Reply | None:
        for fault in self.faults:
            matches = fault.op == op or (fault.op == "api" and op != "token")
            if matches and fault.times > 0:
                fault.times -= 1
                if fault.status == 201 and request is not None:
                    reply = self._create(request, user)
                    reply.delay = fault.delay
                    return reply
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                code = fault.code if fault.code is not None else fault.status
                return Reply.json(fault.status, {"code": code, "message": fault.message},
                                  **headers)
        return None

    # --- OAuth -----------------------------------------------------------------------
    def _token(self, request: Recorded) -> Reply:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Reply.json(401, {"reason": "Invalid client_id or client_secret",
                                    "error": "invalid_client"})
        params = request.params
        if params.get("grant_type") != "account_credentials":
            return Reply.json(400, {"reason": "Unsupported grant type",
                                    "error": "unsupported_grant_type"})
        if params.get("account_id") != self.account_id:
            return Reply.json(400, {"reason": "Invalid account_id", "error": "invalid_request"})
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        self.tokens_issued += 1
        return Reply.json(200, {"access_token": token, "token_type": "bearer",
                                "expires_in": self.token_ttl, "scope": "meeting:write:admin"})

    def _authorised(self, request: Recorded) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        return header.startswith("Bearer ") and self.tokens.get(token, 0.0) > time.monotonic()

    # --- meetings --------------------------------------------------------------------
    def _create(self, request: Recorded, user: str) -> Reply:
        if user not in self.hosts:
            return Reply.json(404, {"code": 1001, "message": f"User does not exist: {user}."})
        body = request.json()
        problem = _invalid(body)
        if problem:
            return Reply.json(400, {"code": 300, "message": problem})
        answer, self.odd_fields = {**self._store(user, body), **self.odd_fields}, {}
        return Reply.json(201, answer)

    def _store(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        meeting_id = next(self._ids)
        zone = ZoneInfo(body.get("timezone") or "UTC")
        start = datetime.fromisoformat(body["start_time"])
        start = start.replace(tzinfo=zone) if start.tzinfo is None else start
        pwd = secrets.token_hex(3)
        meeting = {
            "uuid": secrets.token_urlsafe(16), "id": meeting_id, "host_id": f"h-{user}",
            "host_email": user, "topic": body["topic"], "type": body["type"],
            "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": body["duration"], "timezone": body.get("timezone", "UTC"),
            "agenda": body.get("agenda", ""), "created_at": _now_z(),
            "join_url": f"https://zoom.example/j/{meeting_id}?pwd={pwd}",
            "start_url": f"https://zoom.example/s/{meeting_id}?zak={secrets.token_hex(8)}",
            "password": pwd, "settings": body.get("settings", {}),
        }
        self.meetings[meeting_id] = meeting
        return dict(meeting)

    def _list(self, request: Recorded, user: str) -> Reply:
        if user not in self.hosts:
            return Reply.json(404, {"code": 1001, "message": f"User does not exist: {user}."})
        params = request.params
        size = min(int(params.get("page_size") or 30), 300, self.page_cap)
        token = params.get("next_page_token")
        if token:
            if token not in self._pages:
                return Reply.json(400, {"code": 300, "message": "Invalid next_page_token."})
            rest = self._pages.pop(token)
        else:
            rest = [{k: m[k] for k in LIST_FIELDS} for m in self.meetings.values()
                    if m["host_email"] == user and _upcoming(m)]
        page, rest = rest[:size], rest[size:]
        next_token = ""
        if rest:
            next_token = secrets.token_urlsafe(12)
            self._pages[next_token] = rest
        return Reply.json(200, {"page_size": size, "total_records": len(page) + len(rest),
                                "next_page_token": next_token, "meetings": page})

    def _get(self, meeting_id: int) -> Reply:
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            return Reply.json(404, {"code": 3001,
                                    "message": f"Meeting does not exist: {meeting_id}."})
        return Reply.json(200, dict(meeting))


    def _delete(self, meeting_id: int) -> Reply:
        """Zoom's ``DELETE /meetings/{meetingId}``: 204 No Content, or 404 with code 3001
        when there is no such meeting (deleted already)."""
        if self.meetings.pop(meeting_id, None) is None:
            return Reply.json(404, {"code": 3001,
                                    "message": f"Meeting does not exist: {meeting_id}."})
        self.deleted.append(meeting_id)
        return Reply(204, b"", {})


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "Request body must be a JSON object."
    if not isinstance(body.get("topic"), str) or len(body["topic"]) > 200:
        return "Invalid field: topic."
    if body.get("type") != 2 or not isinstance(body.get("duration"), int) or body["duration"] < 1:
        return "Invalid field: type/duration."
    if len(body.get("agenda") or "") > 2000:
        return "Invalid field: agenda."
    try:
        ZoneInfo(body.get("timezone") or "UTC")
        datetime.strptime(str(body.get("start_time")), "%Y-%m-%dT%H:%M:%S")  # noqa: DTZ007
    except (ZoneInfoNotFoundError, ValueError):
        return "Invalid field: start_time/timezone."
    return None


def _upcoming(meeting: dict[str, Any]) -> bool:
    start = datetime.fromisoformat(meeting["start_time"])
    return start + timedelta(minutes=meeting["duration"]) > datetime.now(UTC)


def _now_z() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
