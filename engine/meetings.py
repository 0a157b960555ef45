"""The ``meeting`` a request ends with, as everyone downstream reads it.

A provider's result carries ``start``/``end``; a link created by hand does not, so they
come from the request's own date and times (WIB). Both the instance view and the mail
with the invite read meetings through ``complete_meeting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.pack import Pack

WIB = ZoneInfo("Asia/Jakarta")


def _at(day: Any, clock: Any) -> str | None:
    try:
        return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=WIB).isoformat()
    except (TypeError, ValueError):
        return None


def complete_meeting(meeting: Any, data: Mapping[str, Any], pack: Pack) -> dict[str, Any] | None:
    """``meeting`` with ``start``/``end`` filled from the request's fields that mean the
    date, start and end time when missing; None when there is no meeting (yet)."""
    if not isinstance(meeting, Mapping) or not meeting.get("join_url"):
        return None
    filled = dict(meeting)
    day = pack.value(data, "date")
    filled["start"] = filled.get("start") or _at(day, pack.value(data, "start_time"))
    filled["end"] = filled.get("end") or _at(day, pack.value(data, "end_time"))
    return filled


def host_roles(pack: Pack) -> frozenset[str]:
    """Who may read the link that starts the meeting as its host (Zoom's ``start_url``
    carries a host token): the operator lane, who runs the meeting, and the process owner.
    The requester, other lanes and auditors read the join link and the passcode only."""
    return pack.operator_roles | {"admin"}


def has_host_link(data: Mapping[str, Any]) -> bool:
    """Whether ``without_host_link`` would take anything out of ``data``."""
    meeting = data.get("meeting")
    return "host_url" in data or (isinstance(meeting, Mapping) and has_host_link(meeting))


def without_host_link(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (task data or a meeting) without the host link, at either level."""
    out = {key: value for key, value in data.items() if key != "host_url"}
    if isinstance(out.get("meeting"), Mapping):
        out["meeting"] = without_host_link(out["meeting"])
    return out
