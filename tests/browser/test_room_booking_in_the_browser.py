"""A second SOP in the browser: "Peminjaman Ruang Rapat" deployed beside the video
conference SOP, from its own files only, walked by its own people (a ``pegawai`` who books,
``bagian_umum`` who checks) through a send-back and a second pass, at 1280 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, Site
from tests.browser.pages import Shots, sign_in
from tests.integration.api.test_second_process import two_packs

PHONE = {"width": 390, "height": 844}
PEOPLE = {"wati": ("pegawai", "Wati Pegawai"), "umar": ("bagian_umum", "Umar Bagian Umum")}
PASSWORD = "sandi-ruang-2026"


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = two_packs(tmp_path_factory.mktemp("packs") / "processes")
    return {"ALUR_PROCESSES_DIR": str(folder)}


@pytest.fixture
def person(browser: Browser, site: Site) -> Callable[..., Page]:
    def _open(username: str, viewport: dict[str, int] = DESKTOP) -> Page:
        role, name = PEOPLE[username]
        if username not in site.registered:
            site.server.cli("users", "add", username, "--role", role, "--display-name", name,
                            "--email", f"{username}@uji.go.id", "--password-stdin",
                            input=PASSWORD + "\n")
            site.registered.add(username)
        context = browser.new_context(base_url=site.url, viewport=viewport, locale="id-ID",
                                      timezone_id="Asia/Jakarta")
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, username, PASSWORD)
        return page

    return _open


def no_sideways_scroll(page: Page) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied, on a busy host too
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width}px wide"  # type: ignore[index]


def book(page: Page, room: str) -> None:
    page.get_by_label("Keperluan").fill("Rapat evaluasi anggaran")
    page.get_by_label("Unit kerja").fill("Bagian Keuangan")
    page.get_by_role("radio", name=room).check()
    page.get_by_label("Jumlah orang").fill("10")
    day = datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=2)
    page.get_by_label("Tanggal").fill(day.isoformat())
    page.get_by_label("Dari jam").fill("09:00")
    page.get_by_label("Sampai jam").fill("11:00")
    page.get_by_label("Email").fill("wati@uji.go.id")
    page.get_by_role("button", name="Ajukan Peminjaman").click()


def decide(page: Page, number: str, outcome: str, note: str | None = None) -> None:
    page.get_by_role("link", name="Kotak Tugas").click()
    page.get_by_role("row").filter(has_text=number).get_by_role("link", name="Buka").click()
    page.get_by_role("radio", name=outcome).check()
    if note:
        page.get_by_label("Catatan untuk pegawai").fill(note)
    page.get_by_role("button", name="Kirim Keputusan").click()


@pytest.mark.browser
def test_a_room_is_booked_sent_back_and_booked_again(person: Callable[..., Page],
                                                    shots: Shots) -> None:
    wati = person("wati", PHONE)
    wati.get_by_role("link", name="Permintaan Saya").click()
    wati.get_by_role("button", name="Ajukan Permintaan").click()
    expect(wati.get_by_label("Keperluan")).to_be_visible()  # the form has arrived
    no_sideways_scroll(wati)
    shots.take(wati, "pegawai-formulir-390")
    book(wati, "Ruang Garuda (40 orang)")
    heading = wati.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Permintaan RR-")
    found = re.search(r"RR-[0-9A-F]{8}", heading.inner_text())
    assert found
    number = found.group(0)

    umar = person("umar")
    decide(umar, number, "Dikembalikan untuk diperbaiki", "Ruang Garuda dipakai rapat pimpinan.")
    wati.reload()
    notice = wati.get_by_role("status").filter(has_text="Permintaan dikembalikan")
    expect(notice).to_contain_text("Ruang Garuda dipakai rapat pimpinan.")
    no_sideways_scroll(wati)
    shots.take(wati, "pegawai-dikembalikan-390")
    notice.get_by_role("link", name="Perbaiki Permintaan").click()
    book(wati, "Ruang Merak (12 orang)")

    decide(umar, number, "Disetujui")
    shots.take(umar, "bagian-umum-kotak-tugas-1280")
    wati.reload()
    wati.get_by_role("link", name="Konfirmasi Pengambilan Kunci").click()
    wati.get_by_label("Saya sudah mengambil kunci ruang").check()
    wati.get_by_role("button", name="Kunci Sudah Diambil").click()
    expect(wati.get_by_role("heading", level=1)).to_contain_text("Selesai")
    expect(wati.get_by_text("Ruang Merak (12 orang)")).to_be_visible()
    no_sideways_scroll(wati)
    shots.take(wati, "pegawai-selesai-390")
