"""The calendar invitation sent with the link: an iCalendar (RFC 5545) ``METHOD:REQUEST``
event built with ``icalendar``, times in UTC, the join link as LOCATION and URL, and the
link and passcode in the description. Pure: no I/O, the caller passes ``now``. Must not
import flask, webui or requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Alur//Layanan Video Conference//ID"


def build_invite(
    meeting: Mapping[str, Any],
    *,
    uid: str,
    summary: str,
    description: str,
    organizer: str,
    attendees: Sequence[str],
    now: datetime,
) -> bytes:
    """An ``.ics`` file (bytes) inviting ``attendees`` to ``meeting`` (the BPMN's
    ``meeting`` dict: ``start``/``end`` ISO-8601 with offset, ``join_url``, ``passcode``).
    Raises ``ValueError`` for a naive ``now`` or unreadable times."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    start, end = _instant(meeting.get("start"), "start"), _instant(meeting.get("end"), "end")
    join_url = str(meeting.get("join_url") or "")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", _description(description, join_url, meeting.get("passcode")))
    if join_url:
        event.add("location", join_url)
        event.add("url", join_url)
    event.add("organizer", _address(organizer, role=None))
    for attendee in attendees:
        event.add("attendee", _address(attendee, role="REQ-PARTICIPANT"))
    event.add("sequence", 0)
    event.add("status", "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _instant(value: Any, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"meeting {name} is not an ISO-8601 time: {value!r}") from None
    if when.tzinfo is None:
        raise ValueError(f"meeting {name} has no UTC offset: {value!r}")
    return when.astimezone(UTC)


def _description(text: str, join_url: str, passcode: Any) -> str:
    lines = [text.strip()] if text.strip() else []
    if join_url:
        lines.append(f"Tautan: {join_url}")
    if passcode:
        lines.append(f"Kode sandi: {passcode}")
    return "\n\n".join(lines)


def _address(email: str, *, role: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email.strip()}")
    if role is not None:
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "FALSE"
    return address
