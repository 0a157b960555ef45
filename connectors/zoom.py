"""Zoom meetings for Alur: picks a host account from the pool (one meeting at a time per
host, at most 100 creates per host per day) through the ``BookingLedger``, then creates
a scheduled meeting. Create is not idempotent, so whenever an earlier attempt may have
created the meeting (the ledger holds an unfinished booking, or the POST's answer was
lost) the host's upcoming meetings are searched for this request's marker first. Must
not import flask or webui; HTTP goes through ``connectors.zoom_api``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from connectors.failures import NoAnswer
from connectors.meeting import MeetingRequest, meeting_result
from connectors.ports import Booking, BookingLedger, Clock
from connectors.zoom_api import PROVIDER, ZoomApi
from engine.errors import ConnectorError

log = logging.getLogger(__name__)

DAILY_CREATE_LIMIT = 100
PAGE_SIZE = 300
MAX_PAGES = 20
MEETING_NOT_FOUND = "3001"
MEETING_SETTINGS: dict[str, Any] = {
    "join_before_host": True,
    "jbh_time": 10,
    "waiting_room": False,
    "mute_upon_entry": True,
    "approval_type": 2,
    "host_video": False,
    "participant_video": False,
    "auto_recording": "none",
}


def marker(request: MeetingRequest) -> str:
    """The tag in a meeting's agenda that ties it to this request."""
    return f"[alur:{request.instance_id}]"


class ZoomProvider:
    """Creates (or finds again) the Zoom meeting for a request."""

    name = PROVIDER

    def __init__(
        self, api: ZoomApi, *, hosts: Sequence[str], ledger: BookingLedger, clock: Clock
    ) -> None:
        if not hosts:
            raise ValueError("Zoom needs at least one host account")
        self._api = api
        self._hosts = tuple(hosts)
        self._ledger = ledger
        self._clock = clock

    def create(self, request: MeetingRequest) -> dict[str, Any]:
        booking = self._ledger.booking(PROVIDER, request.instance_id)
        if booking is not None and not _same_slot(booking, request):
            self._ledger.release(PROVIDER, request.instance_id)
            booking = None
        if booking is None:
            return self._create_on(self._reserve(request), request)
        found = self._find_again(booking, request)
        if found is not None:
            result = _result(found, request)
            self._ledger.finish(PROVIDER, request.instance_id, result["meeting_id"])
            log.info("Zoom meeting for %s found again on %s", request.number, booking.host)
            return result
        return self._create_on(booking.host, request)

    def abandon(self, request: MeetingRequest) -> None:
        """Free the host slot held for a create that never got confirmed; a confirmed
        meeting keeps its booking (it exists at Zoom)."""
        booking = self._ledger.booking(PROVIDER, request.instance_id)
        if booking is not None and booking.meeting_id is None:
            self._ledger.release(PROVIDER, request.instance_id)
            log.info("Zoom host %s released for %s", booking.host, request.number)

    def end(self, meeting_id: str, instance_id: str) -> bool:
        """Delete the meeting (``DELETE /meetings/{id}``, 204) and free its host slot;
        False when Zoom no longer has it (3001): nothing was left to delete."""
        try:
            self._api.call("DELETE", f"/meetings/{quote(meeting_id)}")
        except ConnectorError as exc:
            if exc.code != MEETING_NOT_FOUND:
                raise
            gone = True
        else:
            gone = False
        self._ledger.release(PROVIDER, instance_id)
        log.info("Zoom meeting %s of %s deleted%s", meeting_id, instance_id,
                 " (already gone)" if gone else "")
        return not gone

    def _reserve(self, request: MeetingRequest) -> str:
        slot, now = request.slot, self._clock()
        for host in self._hosts:
            if self._ledger.begin(
                PROVIDER,
                host,
                request.instance_id,
                slot.start,
                slot.end,
                now=now,
                daily_limit=DAILY_CREATE_LIMIT,
            ):
                return host
        raise ConnectorError(
            "Tidak ada akun host Zoom yang kosong pada jadwal ini "
            f"({slot.start:%Y-%m-%d %H:%M}-{slot.end:%H:%M} WIB)",
            retryable=False,
            provider=PROVIDER,
            code="no_free_host",
        )

    def _create_on(self, host: str, request: MeetingRequest) -> dict[str, Any]:
        try:
            meeting = self._api.call(
                "POST",
                f"/users/{_user(host)}/meetings",
                body=_create_body(request),
                idempotent=False,
            )
        except NoAnswer as lost:
            meeting = self._recover(host, request, lost)
        except ConnectorError as exc:
            if not exc.retryable:
                self._ledger.release(PROVIDER, request.instance_id)
            raise
        result = _result(meeting, request)
        self._ledger.finish(PROVIDER, request.instance_id, result["meeting_id"])
        log.info("Zoom meeting %s created for %s on %s", result["meeting_id"], request.number, host)
        return result

    def _recover(self, host: str, request: MeetingRequest, lost: NoAnswer) -> dict[str, Any]:
        """After a lost answer: the meeting if it was made; otherwise a retryable error
        (creating again right away could race a create Zoom is still processing)."""
        try:
            found = self._find(host, request)
        except ConnectorError as exc:
            log.warning("Zoom create for %s unanswered and lookup failed", request.number)
            raise ConnectorError(
                f"{lost.message}; pencarian rapat gagal: {exc.message}",
                retryable=True,
                provider=PROVIDER,
                code="no_answer",
            ) from exc
        if found is None:
            raise lost
        log.info("Zoom create for %s unanswered, but the meeting exists", request.number)
        return found

    def _find_again(self, booking: Booking, request: MeetingRequest) -> dict[str, Any] | None:
        if booking.meeting_id is None:
            return self._find(booking.host, request)
        try:
            return self._api.call("GET", f"/meetings/{quote(booking.meeting_id)}")
        except ConnectorError as exc:
            if exc.code == MEETING_NOT_FOUND:
                return None
            raise

    def _find(self, host: str, request: MeetingRequest) -> dict[str, Any] | None:
        """The host's upcoming meeting carrying this request's marker, with its details."""
        tag, start = marker(request), request.slot.start.astimezone(UTC)
        params: dict[str, Any] = {"type": "upcoming", "page_size": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            page = self._api.call("GET", f"/users/{_user(host)}/meetings", params=params)
            for item in page.get("meetings") or ():
                if tag in str(item.get("agenda") or "") and _starts_at(item) == start:
                    return self._api.call("GET", f"/meetings/{quote(str(item.get('id')))}")
            token = page.get("next_page_token")
            if not token:
                return None
            params = {**params, "next_page_token": token}
        log.warning("Zoom meeting list for %s longer than %d pages", host, MAX_PAGES)
        return None


def _create_body(request: MeetingRequest) -> dict[str, Any]:
    agenda = f"{marker(request)}\n{request.summary()}\nDibuat oleh Alur."
    return {
        "topic": f"{request.title} ({request.number})"[:200],
        "type": 2,
        "start_time": request.slot.start.strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "Asia/Jakarta",
        "duration": request.slot.minutes,
        "agenda": agenda[:2000],
        "settings": dict(MEETING_SETTINGS),
    }


def _result(meeting: dict[str, Any], request: MeetingRequest) -> dict[str, Any]:
    if not meeting.get("id") or not meeting.get("join_url"):
        raise ConnectorError(
            "Jawaban Zoom tidak berisi id/join_url rapat",
            retryable=False,
            provider=PROVIDER,
            code="bad_response",
        )
    return meeting_result(
        PROVIDER,
        request,
        meeting_id=str(meeting["id"]),
        join_url=str(meeting["join_url"]),
        host_url=_optional(meeting.get("start_url")),
        passcode=_optional(meeting.get("password")),
    )


def _starts_at(item: dict[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(item.get("start_time")))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def _same_slot(booking: Booking, request: MeetingRequest) -> bool:
    return booking.start == request.slot.start and booking.end == request.slot.end


def _user(host: str) -> str:
    return quote(host, safe="@")


def _optional(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
