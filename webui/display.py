"""How the HTML pages name things: labels for statuses, roles and request fields, process
texts (step names, SOP rows) through the translation catalog, and the few yes/no questions
templates ask about the signed-in user. ``webui.templating`` installs them with the shared
filters. Presentation only: the engine still decides, these only choose what to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from flask import Flask, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.views import InstanceSummary, TaskView

STATUS = {
    "running": _l("Berjalan"),
    "completed": _l("Selesai"),
    "cancelled": _l("Dibatalkan"),
    "incident": _l("Bermasalah"),
}
MAIL_STATUS = {
    "outbox": _l("di kotak keluar"),
    "queued": _l("antre"),
    "sent": _l("terkirim"),
    "failed": _l("gagal"),
}
STEP_STATE = {"ready": _l("Menunggu"), "completed": _l("Selesai"), "cancelled": _l("Dibatalkan")}
ROLES = {
    "pemohon": _l("Pemohon"),
    "staf_iidc": _l("Staf Seksi IIDC"),
    "subkoor_iidc": _l("Sub Koordinator IIDC"),
    "auditor": _l("Auditor"),
    "admin": _l("Admin (pemilik proses)"),
}
#: The request's data as the detail and task pages list it, in the FPVC's order.
REQUEST_FIELDS = {
    "nama_pemohon": _l("Nama pemohon"),
    "nip": _l("NIP"),
    "jabatan": _l("Jabatan"),
    "instansi": _l("Instansi (OPD)"),
    "email": _l("Email"),
    "telepon": _l("Nomor telepon"),
    "nama_kegiatan": _l("Nama kegiatan"),
    "tanggal": _l("Tanggal"),
    "jam_mulai": _l("Jam mulai"),
    "jam_selesai": _l("Jam selesai"),
    "jumlah_peserta": _l("Jumlah peserta"),
    "platform": _l("Platform"),
    "keterangan": _l("Keterangan"),
    "catatan_verifikasi": _l("Catatan verifikasi"),
    "keputusan": _l("Keputusan"),
    "alasan": _l("Alasan"),
    "catatan_link": _l("Catatan pembuatan link"),
    "diterima": _l("Detail jadwal diterima"),
    "catatan_penerimaan": _l("Catatan penerimaan"),
}
HIDDEN_FIELDS = frozenset({"meeting", "surat_resmi"})
#: Values read as one unit (a NIP, a phone number, an address, a date): on a narrow screen
#: they move below their label rather than break in the middle.
UNBROKEN_FIELDS = frozenset({"nip", "email", "telepon", "tanggal", "jam_mulai", "jam_selesai",
                             "jumlah_peserta", "platform"})
VALUE_LABELS = {
    ("keputusan", "setuju"): _l("Disetujui & ditandatangani"),
    ("keputusan", "tidak_setuju"): _l("Tidak disetujui"),
    ("platform", "jitsi"): "Jitsi Meet",
    ("platform", "zoom"): "Zoom",
    ("platform", "bigbluebutton"): "BigBlueButton",
}
STAFF = ("staf_iidc", "subkoor_iidc", "auditor", "admin")


def tr(text: str | None) -> str:
    """A process text (step name, SOP row) in the user's language; the catalog holds them
    because ``webui.catalog`` extracts them from the BPMN files."""
    return gettext(text.strip()) if text else ""


def field_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Ya") if value else gettext("Tidak")
    label = VALUE_LABELS.get((key, str(value)))
    return str(label) if label is not None else str(value)


class Shown(NamedTuple):
    """One request field as the pages list it."""

    label: str
    value: str
    unbroken: bool = False


def request_fields(data: Mapping[str, Any]) -> list[Shown]:
    """The request data that has a value, known fields first."""
    rows = [Shown(str(label), field_value(key, data[key]), key in UNBROKEN_FIELDS)
            for key, label in REQUEST_FIELDS.items() if data.get(key) not in (None, "")]
    rows += [Shown(key, field_value(key, value)) for key, value in data.items()
             if key not in REQUEST_FIELDS and key not in HIDDEN_FIELDS
             and isinstance(value, str | int | float | bool) and value not in (None, "")]
    return rows


def may_withdraw(summary: InstanceSummary) -> bool:
    """Show the withdraw button to the requester and staff (the engine checks again)."""
    if summary.status not in ("running", "incident") or not current_user.is_authenticated:
        return False
    return bool(summary.requester == current_user.username
                or current_user.has("staf_iidc", "admin"))


def is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.has(*STAFF))


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


def register(app: Flask) -> None:
    app.add_template_filter(tr, "tr")
    app.add_template_filter(lambda value, key: field_value(key, value), "field_value")
    app.add_template_filter(lambda s: STATUS.get(s, s), "status_label")
    app.add_template_filter(lambda s: STEP_STATE.get(s, s), "step_state")
    app.add_template_filter(lambda s: MAIL_STATUS.get(s, s), "mail_status")
    app.add_template_filter(lambda s: ROLES.get(s, s), "role_label")

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"request_fields": request_fields, "may_withdraw": may_withdraw,
                "is_staff": is_staff, "here": here, "ROLE_LABELS": ROLES,
                "area_of_path": area_of_path, "request_area": request_area,
                "task_area": task_area,
                "STATUS_LABELS": STATUS}
