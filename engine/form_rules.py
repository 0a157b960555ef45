"""Form rules that JSON Schema cannot express, one named function per form.

A rule takes a form's normalised data (every property present, blanks as None, see
``engine.forms.normalize``) and ``today`` (the caller's date in WIB) and returns
``{field: FieldError}``, empty when the data passes. ``RULES`` maps a schema filename to its
rule; ``engine.forms.validate`` runs it after the schema, and the schema's message about a
field wins, so a rule skips values the schema already rejects (an unparseable time, say).
Imports nothing from the web or HTTP layers, nor SpiffWorkflow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from engine.errors import FieldError
from engine.forms import N_

__all__ = [
    "REQUIRED_WITHOUT_LETTER",
    "RULES",
    "Rule",
    "check_fpvc",
    "check_link_manual",
    "check_persetujuan",
]

Rule = Callable[[Mapping[str, Any], date], dict[str, FieldError]]

#: The "form" variant of step 1 needs these too; the "letter" variant does not.
REQUIRED_WITHOUT_LETTER = ("instansi", "telepon", "nama_kegiatan", "jumlah_peserta")

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def check_fpvc(data: Mapping[str, Any], today: date) -> dict[str, FieldError]:
    """Step 1: a form and/or a letter; a date not in the past; the end after the start."""
    errors: dict[str, FieldError] = {}
    if _blank(data.get("surat_resmi")):
        for name in REQUIRED_WITHOUT_LETTER:
            if _blank(data.get(name)):
                errors[name] = FieldError(N_("Wajib diisi bila surat resmi tidak dilampirkan."))
    day = _date(data.get("tanggal"))
    if day is not None and day < today:
        errors["tanggal"] = FieldError(
            N_("Tanggal tidak boleh sebelum hari ini (%(today)s)."), {"today": today.isoformat()}
        )
    start, end = _minutes(data.get("jam_mulai")), _minutes(data.get("jam_selesai"))
    if start is not None and end is not None and end <= start:
        errors["jam_selesai"] = FieldError(
            N_("Jam selesai harus setelah jam mulai (%(start)s)."), {"start": data["jam_mulai"]}
        )
    return errors


def check_persetujuan(data: Mapping[str, Any], today: date) -> dict[str, FieldError]:
    """Step 3: declining needs a reason, because it goes back to the requester."""
    if data.get("keputusan") == "tidak_setuju" and _blank(data.get("alasan")):
        return {"alasan": FieldError(N_("Alasan wajib diisi bila permintaan tidak disetujui."))}
    return {}


def check_link_manual(data: Mapping[str, Any], today: date) -> dict[str, FieldError]:
    """Manual link: the links must be complete http(s) addresses a browser can open."""
    meeting = data.get("meeting")
    if not isinstance(meeting, Mapping):
        return {}
    errors: dict[str, FieldError] = {}
    for name in ("join_url", "host_url"):
        url = meeting.get(name)
        if isinstance(url, str) and not _blank(url) and not _is_web_address(url):
            errors[f"meeting.{name}"] = FieldError(
                N_("Tautan harus alamat lengkap yang diawali http:// atau https://.")
            )
    return errors


RULES: dict[str, Rule] = {
    "fpvc.schema.json": check_fpvc,
    "persetujuan.schema.json": check_persetujuan,
    "link_manual.schema.json": check_link_manual,
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _minutes(value: Any) -> int | None:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    return int(match[1]) * 60 + int(match[2]) if match else None


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)
