"""Jinja2 filters and globals shared by every template: times in WIB, durations,
request numbers, the language switch."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, session
from flask_babel import gettext
from markupsafe import Markup

from webui import display, history

WIB = ZoneInfo("Asia/Jakarta")


def wib(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """An aware UTC time shown in Asia/Jakarta, e.g. ``28-11-2026 09:15 WIB``."""
    if value is None:
        return "–"
    return value.astimezone(WIB).strftime(fmt) + " WIB"


def unbroken(value: Any) -> Markup:
    """``value`` (escaped) kept on one line: a time such as ``28-11-2026 09:15 WIB`` inside
    a sentence wraps before or after it, never between its date, clock and zone."""
    return Markup('<span class="nowrap">{}</span>').format(value)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(WIB).isoformat() if value else None


def duration(seconds: float | None) -> str:
    """``125`` → ``2 mnt 5 dtk`` (translated units)."""
    if seconds is None:
        return "–"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(gettext("%(n)d jam", n=hours))
    if minutes:
        parts.append(gettext("%(n)d mnt", n=minutes))
    if secs or not parts:
        parts.append(gettext("%(n)d dtk", n=secs))
    return " ".join(parts)


def register(app: Flask) -> None:
    display.register(app)  # the page vocabulary: labels, process texts, area helpers
    history.register(app)  # each pass's own record on the timeline and task pages
    app.add_template_filter(wib, "wib")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(unbroken, "unbroken")
    app.add_template_filter(duration, "duration")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_lang": session.get("lang", "id"),
                "office_name": app.config["OFFICE_NAME"]}
