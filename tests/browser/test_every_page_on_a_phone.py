"""Every page on a phone (390×844): a request goes from the FPVC to its link with every
person on their phone, and each page they see on the way, and the auditor's and the
admin's pages, fits the screen without sideways scrolling. The screenshots under
``test-output/browser/`` are the pages as people see them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-every-page-on-a-phone")]

PHONE = {"width": 390, "height": 844}
PROC = "/admin/proses/permintaan_layanan_video_conference"


def visit(page: Page, shots: Shots, name: str, path: str | None = None) -> None:
    if path:
        page.goto(path)
    pages.assert_fits(page)
    shots.take(page, name)


def test_the_sop_pages_fit_a_phone(open_as: SignIn, shots: Shots) -> None:
    ani = open_as("ani", viewport=PHONE)
    visit(ani, shots, "pemohon-permintaan-saya")
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    visit(ani, shots, "pemohon-formulir")
    pages.fill_form(ani, {**pages.FPVC, "Nama kegiatan": "Rapat Evaluasi Pelayanan Terpadu"},
                    pages.PLATFORM)
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    request_page = ani.url

    sari = open_as("sari", viewport=PHONE)
    pages.inbox_row(sari, number)
    visit(sari, shots, "staf-kotak-tugas")
    pages.open_task(sari, number)
    visit(sari, shots, "staf-verifikasi")
    pages.verify(sari, number)
    joko = open_as("joko", viewport=PHONE)
    pages.open_task(joko, number)
    visit(joko, shots, "subkoor-persetujuan")
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui")).to_contain_text(number)

    ani.goto(request_page)
    pages.wait_for_meeting(ani)
    visit(ani, shots, "pemohon-link-diterima")
    ani.get_by_role("link", name="Konfirmasi Penerimaan").click()
    visit(ani, shots, "pemohon-konfirmasi")

    audi = open_as("audi", viewport=PHONE)
    visit(audi, shots, "auditor-semua-permintaan")
    visit(audi, shots, "auditor-permintaan", request_page)
    visit(audi, shots, "auditor-laporan", "/laporan")


def test_the_admin_pages_fit_a_phone(open_as: SignIn, shots: Shots) -> None:
    adi = open_as("adi", viewport=PHONE)
    visit(adi, shots, "admin-ringkasan")
    for name, path in (("pengguna", "/admin/pengguna"), ("pengguna-adi", "/admin/pengguna/adi"),
                       ("insiden", "/admin/insiden"), ("surat-keluar", "/admin/surat"),
                       ("versi-proses", "/admin/proses"),
                       ("versi-diagram", f"{PROC}/1"), ("versi-aktifkan", f"{PROC}/1/aktifkan")):
        visit(adi, shots, f"admin-{name}", path)
        expect(adi.get_by_role("navigation", name="Menu admin")
               .locator("[aria-current]")).to_have_count(1)
