"""Indonesian is the source language; English comes from the catalog. The same page in
both languages, the engine's field messages translated, and a catalog that is complete
and in step with the sources."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.integration.web.conftest import FPVC_FORM, Site, text

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "webui/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog() -> None:
    """The .mo is build output (``pybabel compile``); make it when missing or stale."""
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    with PO.open("rb") as source:
        catalog = read_po(source, locale="en")
    fd, tmp = tempfile.mkstemp(dir=MO.parent, suffix=".mo")
    with os.fdopen(fd, "wb") as out:
        write_mo(out, catalog)
    os.replace(tmp, MO)


def task_page(site: Site, lang: str) -> str:
    view = site.at_step("3")
    client = site.client("subkoor", lang=lang)
    return text(client.get(f"/tugas/{site.ready(view).task_id}"))


def test_the_approval_page_in_indonesian(site: Site) -> None:
    page = task_page(site, "id")
    assert '<html lang="id">' in page
    for phrase in ("Memberi persetujuan atas permintaan", "Setujui & Tandatangani",
                   "Tidak Disetujui", "Langkah ini menurut SOP", "Riwayat langkah",
                   "Kata sandi Anda", "Nama pemohon", "Keluar", "Kotak Tugas",
                   "Sub Koordinator Infrastruktur"):
        assert phrase in page, phrase


def test_the_approval_page_in_english(site: Site) -> None:
    page = task_page(site, "en")
    assert '<html lang="en">' in page
    for phrase in ("Approve the request", "Approve & Sign", "Do Not Approve",
                   "This step in the SOP", "Step history", "Your password", "Requester name",
                   "Sign out", "Task Inbox",
                   "Request approval", "Sub-Coordinator for Internet Infrastructure"):
        assert phrase in page, phrase
    for phrase in ("Setujui & Tandatangani", "Riwayat langkah", "Langkah ini menurut SOP",
                   "Kotak Tugas"):
        assert phrase not in page, phrase


def test_the_engines_field_messages_are_translated(site: Site) -> None:
    view = site.start()
    client = site.client("pemohon", lang="en")
    response = site.post(client, f"/tugas/{site.ready(view).task_id}",
                         {**FPVC_FORM, "nama_pemohon": "", "jam_selesai": "08:00"})
    assert response.status_code == 422
    page = text(response)
    assert "Required." in page
    assert "The end time must be after the start time (09:00)." in page
    assert "Wajib diisi" not in page
    assert "Fill in the FPVC and/or send an official letter" in page


def test_every_message_has_an_english_translation() -> None:
    with PO.open("rb") as source:
        catalog = read_po(source, locale="en")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_the_catalog_holds_every_message_of_the_sources(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                                "-o", str(pot), str(ROOT)])
    with pot.open("rb") as source:
        wanted = {m.id for m in read_po(source) if m.id}
    with PO.open("rb") as source:
        have = {m.id for m in read_po(source, locale="en") if m.id}
    missing = sorted(str(m) for m in wanted - have)
    assert missing == [], "run pybabel extract/update and translate: " + repr(missing[:20])
