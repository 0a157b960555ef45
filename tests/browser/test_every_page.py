"""Every page at 1280 px and at 390 px: a request goes from the FPVC through a decline, a
revision, a provider failure (Zoom refuses, a fake one on loopback) and the manual link to
the requester's confirmation, and each page every person sees on the way, the auditor's,
the admin's and a visitor's pages, fits the screen without sideways scrolling and has no
violation axe-core (WCAG 2.1 AA and best practices) finds, at both widths. The screenshots
under ``test-output/browser/`` are the pages as people see them.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import axe, pages
from tests.browser.conftest import Site, refusing_zoom
from tests.browser.pages import Shots, SignIn
from tests.fakes.zoom_server import FakeZoom

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-every-page")]

PROC = "/admin/proses/permintaan_layanan_video_conference"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server_env(zoom: FakeZoom) -> dict[str, str]:
    return refusing_zoom(zoom)


class Inspector:
    """Looks at each page at both widths; collects every problem, asserted at the end."""

    def __init__(self, shots: Shots) -> None:
        self.shots = shots
        self.problems: list[str] = []
        self.seen: list[str] = []

    def look(self, page: Page, name: str, path: str | None = None) -> None:
        if path:
            page.goto(path)
        page.wait_for_load_state("load")
        self.seen.append(name)
        for label, size in WIDTHS.items():
            page.set_viewport_size(size)
            wide = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            if wide[0] > wide[1]:
                self.problems.append(f"{name} @{label}: {wide[0]}px wide on a {wide[1]}px screen")
            # A table that scrolls sideways hides its last columns (the "Buka" button): only
            # the boxes meant to scroll (diagrams, the SOP sheet's flow) may.
            hidden = page.evaluate("""() => [...document.querySelectorAll(
                '.table-wrap:not(.diagram-wrap):not(.scroll-x)')]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => (e.querySelector('th, td') || e).innerText.slice(0, 30))""")
            if hidden:
                self.problems.append(f"{name} @{label}: tables scroll sideways: {hidden}")
            found = axe.violations(page)
            if found:
                self.problems.append(f"{name} @{label}: {axe.describe(found)}")
            self.shots.take(page, f"{name}-{label}")
        page.set_viewport_size(WIDTHS["desktop"])

    def verdict(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def test_every_page_fits_both_widths_and_passes_axe(
    open_as: SignIn, shots: Shots, browser: Browser, site: Site
) -> None:
    axe.script()  # skip (or fail in CI) before the long walk when axe-core is missing
    see = Inspector(shots)
    ani = open_as("ani")
    see.look(ani, "pemohon-permintaan-saya")
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    see.look(ani, "pemohon-formulir")
    expect(ani.locator("input[placeholder]")).to_have_count(0)  # hints, not example values
    expect(ani.get_by_text("Contoh: 0812-3456-7890")).to_be_visible()
    # Every problem at once: a file that is no PDF and an email address that is none.
    ani.get_by_label("Email").fill("bukan-email")
    ani.get_by_label(pages.LETTER_LABEL).set_input_files(
        files=[{"name": "surat.docx", "mimeType": "application/msword", "buffer": b"PK\x03\x04"}])
    ani.get_by_role("button", name="Kirim Permintaan").click()
    expect(ani).to_have_title(re.compile("^Galat: "))
    summary = ani.get_by_role("alert").filter(has_text="Ada isian yang perlu diperbaiki")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Email: Alamat email tidak valid.")).to_have_attribute(
        "href", "#f-email")
    expect(summary.get_by_role("link", name=re.compile(f"^{pages.LETTER_LABEL}: Berkas harus PDF"))
           ).to_have_attribute("href", "#f-surat_resmi")
    see.look(ani, "pemohon-formulir-galat")
    values = {**pages.FPVC, "Nama kegiatan": "Rapat Evaluasi Pelayanan Terpadu"}
    pages.fill_form(ani, values, "Zoom")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    request_page = ani.url
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    see.look(ani, "pemohon-permintaan")
    ani.get_by_role("link", name="Permintaan Saya").click()
    expect(ani.get_by_role("row").filter(has_text=number)).to_contain_text("Menunggu")
    ani.wait_for_load_state("load")  # measured with the stylesheet applied, on a busy host too
    for link in ani.locator("td a.mono, .langswitch button").all():  # tap targets, 24×24 px
        box = link.bounding_box()
        assert box and box["height"] >= 24 and box["width"] >= 24, (link.inner_text(), box)

    make_overdue(site)  # the next morning: the step waits past its time
    sari = open_as("sari")
    expect(pages.inbox_row(sari, number)).to_contain_text("terlambat")
    see.look(sari, "staf-kotak-tugas")
    pages.open_task(sari, number)
    see.look(sari, "staf-verifikasi")
    data = sari.get_by_role("heading", name="Data permintaan").bounding_box()
    form = sari.get_by_role("button", name="Verifikasi Selesai").bounding_box()
    assert data and form and data["y"] < form["y"]  # what to read comes before the decision
    pages.verify(sari, number)
    see.look(sari, "staf-semua-permintaan", "/permintaan/semua")

    joko = open_as("joko")
    pages.open_task(joko, number)
    see.look(joko, "subkoor-persetujuan")
    pages.decline(joko, number, "Jumlah peserta belum sesuai undangan; mohon diperbaiki.")

    ani.goto(request_page)
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Perlu tindakan Anda")
    see.look(ani, "pemohon-dikembalikan")
    row = pages.inbox_row(ani, number)
    expect(row.get_by_role("button", name="Ambil")).to_have_count(0)  # her own step
    row.get_by_role("link", name="Buka", exact=True).click()
    reason = ani.get_by_role("note").filter(has_text="Alasan tidak disetujui")
    expect(reason).to_be_visible()
    ani.wait_for_load_state("load")
    assert (reason.bounding_box() or {"y": 9e9})["y"] < (
        ani.get_by_label("Jumlah peserta").bounding_box() or {"y": 0})["y"]
    see.look(ani, "pemohon-perbaikan")
    ani.get_by_label("Jumlah peserta").fill("30")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    pages.verify(sari, number)
    pages.open_task(joko, number)
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui")).to_contain_text(number)

    open_manual_link(sari, number)
    expect(sari.get_by_label("Platform")).to_have_value("zoom")  # as the requester chose
    see.look(sari, "staf-link-manual")
    pages.fill_form(sari, {"Link bergabung": "https://zoom.us/j/81234567890",
                           "Kode sandi": "RapatPelayanan"})
    sari.get_by_role("button", name="Simpan Link").click()

    ani.goto(request_page)
    pages.wait_for_meeting(ani)
    see.look(ani, "pemohon-link-diterima")
    ani.get_by_role("link", name="Konfirmasi Penerimaan").click()
    see.look(ani, "pemohon-konfirmasi")

    audi = open_as("audi")
    see.look(audi, "auditor-semua-permintaan", "/permintaan/semua")
    see.look(audi, "auditor-permintaan", request_page)
    expect(audi.get_by_role("heading", name="Posisi dalam alur proses")).to_be_visible()
    history = " ".join(r["Pelaksana"] for r in pages.timeline(audi))
    assert "Ani Lestari" in history and "Sari Wulandari" in history, history
    assert not re.search(r"\b(ani|sari|joko)\b", history), history  # names, not usernames
    see.look(audi, "auditor-laporan", "/laporan")
    expect(audi.get_by_role("columnheader", name="Terlambat kini")).to_be_visible()
    expect(audi.get_by_text("Cara membaca angka")).to_be_visible()
    adi = open_as("adi")
    for person in (audi, adi):  # no menus they cannot use
        menu = person.get_by_role("navigation", name="Menu utama")
        expect(menu.get_by_role("link", name="Permintaan Saya")).to_have_count(0)
        expect(menu.get_by_role("link", name="Kotak Tugas")).to_have_count(0)
    see.look(adi, "admin-ringkasan", "/admin")
    for name, path in (("pengguna", "/admin/pengguna"),
                       ("pengguna-adi", "/admin/pengguna/adi"), ("insiden", "/admin/insiden"),
                       ("surat-keluar", "/admin/surat"), ("versi-proses", "/admin/proses"),
                       ("versi-diagram", f"{PROC}/1"), ("versi-aktifkan", f"{PROC}/1/aktifkan")):
        see.look(adi, f"admin-{name}", path)
        expect(adi.get_by_role("navigation", name="Menu admin")
               .locator("[aria-current]")).to_have_count(1)
    adi.goto("/admin/proses")
    adi.get_by_role("link", name=re.compile("Lembar SOP")).first.click()
    see.look(adi, "lembar-sop")

    visitor = browser.new_page(base_url=site.url, locale="id-ID")
    see.look(visitor, "tamu-masuk", "/masuk")
    see.look(visitor, "tamu-verifikasi", "/verifikasi")
    see.look(visitor, "tamu-tidak-ditemukan", "/tidak-ada")
    visitor.close()
    see.verdict()


DAY_MICROSECONDS = 24 * 3600 * 1_000_000


def make_overdue(site: Site) -> None:
    """Move every waiting step a day back (ready since yesterday, due yesterday), as if it
    had waited that long: the inbox then reads as it would the next morning."""
    path = site.server.env["ALUR_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:  # integer microseconds (engine.models.UTCDateTime)
        db.execute("UPDATE step_records SET due_at = due_at - ?, ready_at = ready_at - ?"
                   " WHERE state = 'ready' AND due_at IS NOT NULL",
                   (DAY_MICROSECONDS, DAY_MICROSECONDS))


def open_manual_link(page: Page, number: str, timeout_s: float = 20.0) -> None:
    """Staff's inbox, reloaded until the worker has given up and the manual task is there."""
    deadline = time.monotonic() + timeout_s
    row = pages.inbox_row(page, number)
    while not row.filter(has_text="manual").count():
        assert time.monotonic() < deadline, "no manual-link task"
        time.sleep(0.3)
        row = pages.inbox_row(page, number)
    row.get_by_role("link", name="Buka", exact=True).click()
