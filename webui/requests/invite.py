"""The request's calendar invitation for download (``undangan.ics``), made by
``connectors.invite.build_invite`` like the one mailed with the link (the engine's view
already fills a hand-made link's start and end from the request).
"""

from __future__ import annotations

from datetime import datetime

from connectors.invite import build_invite
from engine.views import InstanceView


def ics_for(view: InstanceView, *, organizer: str, now: datetime) -> bytes | None:
    """The invite, or None when the request has no meeting (yet) or no usable times."""
    if not view.meeting or not view.meeting.get("join_url"):
        return None
    number = view.summary.number
    summary = f"[{number}] {view.summary.kegiatan or number}"
    attendees = [view.contact_email] if view.contact_email else []
    try:
        return build_invite(
            view.meeting,
            uid=f"{view.id}@alur",
            summary=summary,
            description=summary,
            organizer=organizer,
            attendees=attendees,
            now=now,
        )
    except ValueError:
        return None
