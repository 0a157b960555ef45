"""The process owner revises the SOP in the browser: uploads the revised BPMN with its
forms, reads the preview (the new step marked, the table of differences) on a phone, and
only then confirms; the new version is listed with its diagram and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn
from tests.support.revision import write_revised

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-process-revision")]

PHONE = {"width": 390, "height": 844}


def test_a_revision_is_previewed_then_confirmed(open_as: SignIn, shots: Shots,
                                                tmp_path: Path) -> None:
    bpmn = write_revised(tmp_path)
    forms = sorted((tmp_path / "forms").iterdir())
    adi = open_as("adi", viewport=PHONE)
    adi.goto("/admin/proses")
    adi.get_by_label("Berkas BPMN dan formulir, atau satu ZIP").set_input_files([bpmn, *forms])
    adi.get_by_role("button", name="Unggah & Pratinjau").click()
    expect(adi.get_by_role("heading", name="Pratinjau versi baru")).to_be_visible()
    changes = adi.get_by_role("table")
    expect(changes).to_contain_text("Langkah baru")
    expect(changes).to_contain_text("Menelaah kelengkapan surat")
    expect(changes).to_contain_text("Isian berganti nama")
    pages.assert_fits(adi)
    shots.take(adi, "admin-pratinjau-versi")
    adi.get_by_role("button", name="Konfirmasi & Aktifkan").click()
    expect(adi.get_by_role("status")).to_contain_text("versi 2 aktif")
    adi.get_by_role("link", name="Diagram").first.click()
    expect(adi.get_by_role("heading", name="Diagram proses versi 2")).to_be_visible()
    pages.assert_fits(adi)
    shots.take(adi, "admin-diagram-versi")
