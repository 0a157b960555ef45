"""The report's filter, read from a query string (the page, the CSV links) or from CLI
options: ``dari``/``sampai`` (WIB dates, inclusive), ``instansi``, ``versi``, and ``jam``
(``kalender`` default, or ``kerja`` for the working-hours clock).

``parse`` keeps the typed values so the form can show them again with its errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l

from engine.input_text import whole_number


@dataclass(frozen=True)
class ReportArgs:
    date_from: date | None = None
    date_to: date | None = None
    instansi: str | None = None
    version: int | None = None
    office: bool = False  # the working-hours clock (jam=kerja)
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def engine_kwargs(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to,
                "instansi": self.instansi, "version": self.version}

    def query(self) -> str:
        """The same filter as a query string (for the CSV links), without empty values."""
        kept = {k: v for k, v in self.typed.items() if v and k not in self.errors}
        return ("?" + urlencode(kept)) if kept else ""


def _date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = str(_l("Tanggal tidak valid; gunakan format TTTT-BB-HH."))
        return None


def _version(value: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    number = whole_number(value)
    if number is None:
        errors["versi"] = str(_l("Versi harus berupa angka."))
    return number


def parse(args: Mapping[str, str]) -> ReportArgs:
    typed = {k: (args.get(k) or "").strip()[:200]
             for k in ("dari", "sampai", "instansi", "versi", "jam")}
    errors: dict[str, str] = {}
    start = _date(typed["dari"], "dari", errors)
    end = _date(typed["sampai"], "sampai", errors)
    if start and end and start > end:
        errors["sampai"] = str(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))
    if typed["jam"] not in ("", "kalender", "kerja"):
        errors["jam"] = str(_l("Pilih jam kalender atau jam kerja."))
    return ReportArgs(start, end, typed["instansi"] or None, _version(typed["versi"], errors),
                      typed["jam"] == "kerja", typed, errors)
