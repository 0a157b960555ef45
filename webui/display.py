"""How the HTML pages name things: labels for statuses, roles and request fields, process
texts (step names, SOP rows) through the translation catalog, and the few yes/no questions
templates ask about the signed-in user. ``webui.templating`` installs them with the shared
filters. Presentation only: the engine still decides, these only choose what to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask import Flask, g, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine import roles, users
from engine.instances import CANCELLABLE
from engine.views import InstanceSummary, TaskView
from webui import formrender
from webui.extensions import db_session

WIB = ZoneInfo("Asia/Jakarta")
STATUS = {
    "draft": _l("Draf"),
    "running": _l("Berjalan"),
    "completed": _l("Selesai"),
    "cancelled": _l("Dibatalkan"),
    "incident": _l("Bermasalah"),
    "expired": _l("Kedaluwarsa"),
    "discarded": _l("Draf dibatalkan"),
}
MAIL_STATUS = {
    "outbox": _l("di kotak keluar"),
    "queued": _l("antre"),
    "sent": _l("terkirim"),
    "failed": _l("gagal"),
}
STEP_STATE = {"ready": _l("Menunggu"), "completed": _l("Selesai"), "cancelled": _l("Dibatalkan")}
SYSTEM_ROLE_LABELS = {
    "auditor": _l("Auditor"),
    "admin": _l("Admin (pemilik proses)"),
}


def page_locale() -> Locale:
    return get_locale() or Locale("id")


def day(value: date | datetime | str | None) -> str:
    """A date in the one style of every page, in the reader's language: ``30 Nov 2026``
    (Indonesian), ``Nov 30, 2026`` (English). Times are taken in WIB."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date()
    return dates.format_date(value, "medium", locale=page_locale())


def tr(text: str | None) -> str:
    """A process text (step name, SOP row) in the user's language; the catalog holds them
    because ``webui.catalog`` extracts them from the BPMN files."""
    return gettext(text.strip()) if text else ""


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def field_value(prop: Mapping[str, Any], value: Any) -> str:
    """A value as people read it: a choice's title, yes/no, a dash for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Ya") if value else gettext("Tidak")
    if prop.get("format") == "date":
        return day(str(value))
    for option, title in formrender.enum_options(prop, _lang()):
        if option == str(value):
            return title
    return str(value)


class Shown(NamedTuple):
    """One request field as the pages list it."""

    label: str
    value: str
    unbroken: bool = False


def _shown_fields(forms: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The fields the pack's forms ask for, in the flow's order; groups (a meeting) and
    files (a letter) have pages of their own."""
    found: dict[str, Mapping[str, Any]] = {}
    for schema in forms:
        for key, prop in schema.get("properties", {}).items():
            if formrender.widget_of(prop) not in ("group", "file"):
                found.setdefault(key, prop)
    return found


def _unbroken(prop: Mapping[str, Any]) -> bool:
    """Values read as one unit (a NIP, a phone number, an address, a date, a number): on a
    narrow screen they move below their label rather than break in the middle."""
    return bool(prop.get("pattern") or prop.get("enum") or prop.get("format")
                or {"integer", "number"} & set(formrender.types_of(prop)))


def request_fields(data: Mapping[str, Any], forms: Iterable[Mapping[str, Any]]) -> list[Shown]:
    """The request data that has a value, labelled by the pack's forms."""
    lang = _lang()
    return [Shown(formrender.text(prop, "title", lang) or key, field_value(prop, data[key]),
                  _unbroken(prop))
            for key, prop in _shown_fields(forms).items() if data.get(key) not in (None, "")]


KEY_MEANINGS = ("title", "date", "start_time", "end_time")


def key_facts(data: Mapping[str, Any], forms: Iterable[Mapping[str, Any]]) -> list[Shown]:
    """What a person making the meeting by hand needs first: the fields the pack marks as
    the title, date and times, and the service choices (the platform asked for)."""
    lang, found = _lang(), []
    for key, prop in _shown_fields(forms).items():
        if prop.get("x-meaning") in KEY_MEANINGS or prop.get("x-choices-from"):
            found.append(Shown(formrender.text(prop, "title", lang) or key,
                               field_value(prop, data.get(key)), True))
    return found


def form_text(schema: Mapping[str, Any] | None, key: str) -> str:
    """A text of a pack's form (``x-open-label``…) in the user's language."""
    return formrender.text(schema or {}, key, _lang()) or ""


class Turn(NamedTuple):
    """What a request waits for, as a badge: its words and its colour (a CSS suffix)."""

    label: str
    kind: str


def turn(summary: InstanceSummary) -> Turn:
    """The status as the signed-in person needs it: "Perlu tindakan Anda" when the waiting
    step is theirs, else whom it waits for; finished, cancelled and stuck requests say so."""
    if summary.status != "running":
        return Turn(str(STATUS.get(summary.status, summary.status)), summary.status)
    if summary.automated:
        return Turn(gettext("Diproses otomatis"), "running")
    if summary.requesters_turn:
        if current_user.is_authenticated and summary.requester == current_user.username:
            return Turn(gettext("Perlu tindakan Anda"), "you")
        return Turn(gettext("Menunggu pemohon"), "running")
    if (summary.current_role and current_user.is_authenticated
            and current_user.has(summary.current_role)):
        return Turn(gettext("Perlu tindakan Anda"), "you")
    if summary.current_lane:
        return Turn(gettext("Menunggu %(who)s", who=tr(summary.current_lane)), "running")
    return Turn(str(STATUS["running"]), "running")


def may_withdraw(summary: InstanceSummary) -> bool:
    """Show the withdraw button to the requester and staff (the engine checks again)."""
    if summary.status not in CANCELLABLE or not current_user.is_authenticated:
        return False
    return bool(summary.requester == current_user.username
                or current_user.has("admin", *_book().operators))


def person(username: str | None) -> str:
    """A person as others read them: their display name, not their username (step records,
    claims and events store usernames). One query per page, for every name on it."""
    if not username:
        return ""
    names: dict[str, str] | None = g.get("display_names")
    if names is None:
        names = {u.username: u.display_name or u.username for u in users.list_users(db_session())}
        g.display_names = names
    return names.get(username, username)


def _book() -> roles.RoleBook:
    return roles.book(db_session())


class Menu(NamedTuple):
    requests: bool  # "Permintaan Saya": who may start a request (a requester lane's role)
    tasks: bool  # "Kotak Tugas": who works in a lane (the requester's lane too)


def menu_of_user() -> Menu:
    """The menus the signed-in person can use: an auditor or an admin who holds no lane's
    role has no requests of their own and no tasks, so neither menu."""
    if not current_user.is_authenticated:
        return Menu(False, False)
    book, held = _book(), current_user.actor.roles
    return Menu(bool(held & book.starters), bool(held & (book.starters | book.workers)))


def is_staff() -> bool:
    """Whether the user reads every request: auditors, admins, and the lanes' workers."""
    return bool(current_user.is_authenticated
                and _book().sees_everything(current_user.actor.roles))


def role_label(role: str) -> str:
    if role in SYSTEM_ROLE_LABELS:
        return str(SYSTEM_ROLE_LABELS[role])
    return tr(_book().labels.get(role)) or role


def area_of_path(path: str) -> str:
    """The menu entry a page belongs to when the page names none (lists, admin, errors)."""
    if path.startswith("/permintaan/semua"):
        return "all"
    for prefix, area in (("/permintaan", "mine"), ("/tugas", "inbox"), ("/laporan", "reports"),
                         ("/admin", "admin")):
        if path == prefix or path.startswith(prefix + "/"):
            return area
    return ""


def request_area(summary: InstanceSummary) -> str:
    """A request's page is part of "Permintaan Saya" for its requester and of "Semua
    Permintaan" for everyone else who may read it (staff, the approver, auditors, admins)."""
    if summary.requester == current_user.username or not is_staff():
        return "mine"
    return "all"


def task_area(task: TaskView) -> str:
    """A task page is part of "Kotak Tugas" for whoever works on it from there; the
    requester's own steps (the form, confirming receipt) and read-only looks belong to
    the request."""
    if task.can_act and task.instance.requester != current_user.username:
        return "inbox"
    return request_area(task.instance)


def here() -> str:
    """The current path and query, for "come back here" hidden fields."""
    return request.full_path.rstrip("?") if request.query_string else request.path


#: How the conference connectors' platforms are called (connectors, not a process).
PROVIDERS = {"jitsi": "Jitsi Meet", "zoom": "Zoom", "bigbluebutton": "BigBlueButton"}


def meeting_when(meeting: Mapping[str, Any]) -> str:
    """"2 Des 2026, 09.00–11.00 WIB" from the meeting's start and end."""
    try:
        start = datetime.fromisoformat(str(meeting.get("start"))).astimezone(WIB)
        end = datetime.fromisoformat(str(meeting.get("end"))).astimezone(WIB)
    except ValueError:
        return "–"
    clock = [dates.format_skeleton("Hm", t, tzinfo=WIB, locale=page_locale()) for t in (start, end)]
    return f"{day(start)}, {clock[0]}–{clock[1]} WIB"


def register(app: Flask) -> None:
    app.add_template_filter(tr, "tr")
    app.add_template_filter(lambda value, prop: field_value(prop or {}, value), "field_value")
    app.add_template_filter(lambda s: STATUS.get(s, s), "status_label")
    app.add_template_filter(lambda s: STEP_STATE.get(s, s), "step_state")
    app.add_template_filter(lambda s: MAIL_STATUS.get(s, s), "mail_status")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(lambda p: PROVIDERS.get(p, p), "provider_label")
    app.add_template_filter(meeting_when, "meeting_when")
    app.add_template_filter(person, "person")

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"request_fields": request_fields, "key_facts": key_facts,
                "may_withdraw": may_withdraw,
                "is_staff": is_staff, "here": here, "form_text": form_text,
                "area_of_path": area_of_path, "request_area": request_area,
                "task_area": task_area, "turn": turn,
                "menu_of_user": menu_of_user,
                "STATUS_LABELS": STATUS}
