"""Jinja2 filters and globals shared by every template: times in WIB, durations,
request numbers, the language switch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask, session
from flask_babel import gettext
from markupsafe import Markup

from webui import display, history
from webui.display import day, page_locale

WIB = ZoneInfo("Asia/Jakarta")


def wib(value: datetime | None, seconds: bool = False, zone: bool = True) -> str:
    """An aware UTC time shown in Asia/Jakarta, e.g. ``30 Nov 2026 09.15 WIB``."""
    if value is None:
        return "–"
    local = value.astimezone(WIB)
    clock = dates.format_skeleton("Hms" if seconds else "Hm", local, tzinfo=WIB,
                                  locale=page_locale())
    return f"{day(local)} {clock}" + (" WIB" if zone else "")


def office_hours_text(hours: Any) -> str:
    """Office hours in the reader's words: ``Senin–Jumat 07.30–16.00`` (from the setting
    ``Mon-Fri 07:30-16:00``); the days in their language, the times in its style."""
    days = sorted(getattr(hours, "weekdays", ()))
    if not days:
        return str(getattr(hours, "spec", ""))
    names = dates.get_day_names("wide", locale=page_locale())
    # A range that runs over the weekend (Sat-Tue) starts after the gap in the days.
    start = next((d for d in days if (d - 1) % 7 not in days), days[0])
    end = next((d for d in days if (d + 1) % 7 not in days), days[-1])
    clock = [dates.format_skeleton("Hm", datetime.combine(date(2026, 1, 5), t), tzinfo=None,
                                   locale=page_locale()) for t in (hours.opens, hours.closes)]
    return f"{names[start]}–{names[end]} {clock[0]}–{clock[1]}"


def number(value: float | int | None) -> str:
    """``1206`` → ``1.206`` in Indonesian, ``1,206`` in English."""
    return "–" if value is None else numbers.format_decimal(value, locale=page_locale())


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage given as 0..100: ``98.1`` → ``98,1%`` in Indonesian."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return numbers.format_percent(value / 100, pattern, locale=page_locale())


def unbroken(value: Any) -> Markup:
    """``value`` (escaped) kept on one line: a time such as ``28-11-2026 09:15 WIB`` inside
    a sentence wraps before or after it, never between its date, clock and zone."""
    return Markup('<span class="nowrap">{}</span>').format(value)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(WIB).isoformat() if value else None


def duration(seconds: float | None) -> str:
    """``125`` → ``2 mnt 5 dtk`` (translated units): at most two of them, so an hour and
    more is read to the minute (``77_803`` → ``21 jam 37 mnt``); the CSVs keep seconds."""
    return " ".join(_duration_parts(seconds))


def duration_cell(seconds: float | None) -> Markup:
    """``duration`` for a narrow table cell: it may wrap between its units, never inside
    one (``21 jam`` / ``37 mnt``). One outer span: a phone's stacked cell is a flex box,
    which would otherwise set its units apart as items of their own."""
    parts = Markup(" ").join(
        Markup('<span class="nowrap">{}</span>').format(part) for part in _duration_parts(seconds)
    )
    return Markup("<span>{}</span>").format(parts)


def _duration_parts(seconds: float | None) -> list[str]:
    if seconds is None:
        return ["–"]
    total = int(round(seconds))
    if total >= 3600:  # to the nearest minute, half a minute up (round() would go to even)
        total = (total + 30) // 60 * 60
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(gettext("%(n)d jam", n=hours))
    if minutes:
        parts.append(gettext("%(n)d mnt", n=minutes))
    if secs or not parts:
        parts.append(gettext("%(n)d dtk", n=secs))
    return parts


def register(app: Flask) -> None:
    display.register(app)  # the page vocabulary: labels, process texts, area helpers
    history.register(app)  # each pass's own record on the timeline and task pages
    app.add_template_filter(wib, "wib")
    app.add_template_filter(day, "day")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(office_hours_text, "office_hours_text")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(duration_cell, "duration_cell")
    app.add_template_filter(unbroken, "unbroken")
    app.add_template_filter(duration, "duration")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_lang": session.get("lang", "id"),
                "office_name": app.config["OFFICE_NAME"]}
