"""The request's calendar invitation for download (``undangan.ics``), made by
``connectors.invite.build_invite`` like the one mailed with the link. A link recorded by
hand has no start and end, so they come from the request's date and times (WIB).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.invite import build_invite
from engine.views import InstanceView

WIB = ZoneInfo("Asia/Jakarta")


def _at(day: Any, clock: Any) -> str | None:
    try:
        return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=WIB).isoformat()
    except (TypeError, ValueError):
        return None


def meeting_times(meeting: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``meeting`` with ``start``/``end`` filled from the request when the provider gave none."""
    filled = dict(meeting)
    filled["start"] = filled.get("start") or _at(data.get("tanggal"), data.get("jam_mulai"))
    filled["end"] = filled.get("end") or _at(data.get("tanggal"), data.get("jam_selesai"))
    return filled


def ics_for(view: InstanceView, *, organizer: str, now: datetime) -> bytes | None:
    """The invite, or None when the request has no meeting (yet) or no usable times."""
    if not view.meeting or not view.meeting.get("join_url"):
        return None
    data = view.data
    number = view.summary.number
    summary = f"[{number}] {view.summary.kegiatan or data.get('nama_kegiatan') or number}"
    attendees = [str(data["email"])] if data.get("email") else []
    try:
        return build_invite(meeting_times(view.meeting, data), uid=f"{view.id}@alur",
                            summary=summary, description=summary, organizer=organizer,
                            attendees=attendees, now=now)
    except ValueError:
        return None
