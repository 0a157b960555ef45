"""Every page at 1280 px and at 390 px: a request goes from the FPVC through a decline, a
revision, a provider failure (Zoom refuses, a fake one on loopback) and the manual link to
the requester's confirmation, and each page every person sees on the way, the auditor's,
the admin's and a visitor's pages, fits the screen without sideways scrolling and has no
violation axe-core (WCAG 2.1 AA and best practices) finds, at both widths. The screenshots
under ``test-output/browser/`` are the pages as people see them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import axe, pages
from tests.browser.conftest import Site
from tests.browser.pages import Shots, SignIn
from tests.fakes.zoom_server import FakeZoom

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-every-page")]

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom(hosts=("vc1@tangerangkota.go.id",)) as server:
        yield server


@pytest.fixture(scope="module")
def server_env(zoom: FakeZoom) -> dict[str, str]:
    """Zoom refuses Alur's secret: the manual-link task appears after one attempt."""
    config = zoom.config(ZOOM_CLIENT_SECRET="rahasia-yang-salah", JOB_MAX_ATTEMPTS=1)
    return {f"ALUR_{key}": str(value) for key, value in config.items()}


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
    ani.get_by_label("Email").fill("bukan-email")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    expect(ani).to_have_title(re.compile("^Galat: "))
    see.look(ani, "pemohon-formulir-galat")
    values = {**pages.FPVC, "Nama kegiatan": "Rapat Evaluasi Pelayanan Terpadu"}
    pages.fill_form(ani, values, "Zoom")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    request_page = ani.url
    see.look(ani, "pemohon-permintaan")

    sari = open_as("sari")
    pages.inbox_row(sari, number)
    see.look(sari, "staf-kotak-tugas")
    pages.open_task(sari, number)
    see.look(sari, "staf-verifikasi")
    pages.verify(sari, number)
    see.look(sari, "staf-semua-permintaan", "/permintaan/semua")

    joko = open_as("joko")
    pages.open_task(joko, number)
    see.look(joko, "subkoor-persetujuan")
    pages.decline(joko, number, "Jumlah peserta belum sesuai undangan; mohon diperbaiki.")

    ani.goto(request_page)
    see.look(ani, "pemohon-dikembalikan")
    pages.open_task(ani, number)
    see.look(ani, "pemohon-perbaikan")
    ani.get_by_label("Jumlah peserta").fill("30")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    pages.verify(sari, number)
    pages.open_task(joko, number)
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui")).to_contain_text(number)

    open_manual_link(sari, number)
    see.look(sari, "staf-link-manual")
    pages.fill_form(sari, {"Tautan bergabung": "https://zoom.us/j/81234567890",
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
    see.look(audi, "auditor-laporan", "/laporan")
    adi = open_as("adi")
    for name, path in (("ringkasan", "/admin"), ("pengguna", "/admin/pengguna"),
                       ("pengguna-adi", "/admin/pengguna/adi"), ("insiden", "/admin/insiden"),
                       ("surat-keluar", "/admin/surat"), ("versi-proses", "/admin/proses")):
        see.look(adi, f"admin-{name}", path)
    adi.get_by_role("link", name=re.compile("Lembar SOP")).first.click()
    see.look(adi, "lembar-sop")

    visitor = browser.new_page(base_url=site.url, locale="id-ID")
    see.look(visitor, "tamu-masuk", "/masuk")
    see.look(visitor, "tamu-verifikasi", "/verifikasi")
    see.look(visitor, "tamu-tidak-ditemukan", "/tidak-ada")
    visitor.close()
    see.verdict()


def open_manual_link(page: Page, number: str, timeout_s: float = 20.0) -> None:
    """Staff's inbox, reloaded until the worker has given up and the manual task is there."""
    deadline = time.monotonic() + timeout_s
    row = pages.inbox_row(page, number)
    while not row.filter(has_text="manual").count():
        assert time.monotonic() < deadline, "no manual-link task"
        time.sleep(0.3)
        row = pages.inbox_row(page, number)
    row.get_by_role("link", name="Buka", exact=True).click()
