"""Mail texts with fields nobody filled: a request sent with only its letter has no title
and no unit, and its mail must not read "VC-1A2B3C4D (-, -)"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.mailtexts import render

TEXTS = json.loads(Path("processes/permintaan_layanan_video_conference.mail.json")
                   .read_text(encoding="utf-8"))
READY = TEXTS["task_ready"]["body"]  # "… permintaan $number ($title, $unit) menunggu …"


@pytest.mark.parametrize(("title", "unit", "shown"), [
    (None, None, "permintaan VC-1A2B3C4D menunggu"),
    ("Rapat PPDB", None, "permintaan VC-1A2B3C4D (Rapat PPDB) menunggu"),
    (None, "Dinas Pendidikan", "permintaan VC-1A2B3C4D (Dinas Pendidikan) menunggu"),
    ("Rapat PPDB", "Dinas Pendidikan", "permintaan VC-1A2B3C4D (Rapat PPDB, Dinas Pendidikan)"),
])
def test_empty_fields_leave_no_empty_brackets(title: str | None, unit: str | None,
                                              shown: str) -> None:
    body = render(READY, {"step": "Menerima FPVC", "number": "VC-1A2B3C4D", "title": title,
                          "unit": unit, "due": "", "link": "http://alur/t/1"}, {})
    assert shown in body and "(-" not in body and "-)" not in body, body


def test_an_empty_value_on_its_own_reads_as_a_dash() -> None:
    assert render("Alasan: $reason", {"reason": None}, {}) == "Alasan: -"
    assert render("Catatan: $catatan.", {}, {"catatan": " \x00 "}) == "Catatan: -."
    assert render("Tidak dikenal: $nama", {}, {}) == "Tidak dikenal: -"
