"""Issue 10, items 2-4 in a real browser: an untouched "Ajukan Permintaan" stays the
requester's draft ("Draf", nobody else sees it); cancelling asks for a reason on a
confirmation page that works without JavaScript, and on a phone the cancel button is not
the first thing on the request page; a colleague takes over a claimed task after
confirming, and the page says who had it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import axe, pages
from tests.browser.conftest import ACTION_TIMEOUT_MS, Site
from tests.browser.pages import Shots, SignIn
from tests.browser.test_every_page import Inspector

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-drafts-cancel")]

PHONE = {"width": 390, "height": 844}


def test_an_untouched_request_is_a_draft_only_its_requester_sees(
    open_as: SignIn, shots: Shots
) -> None:
    ani = open_as("ani")
    ani.get_by_role("link", name="Permintaan Saya").click()
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    expect(ani.get_by_role("status").filter(has_text="Draf VC-")).to_be_visible()
    number = ani.get_by_role("status").filter(has_text="Draf VC-").inner_text().split()[1]
    ani.get_by_role("link", name="Permintaan Saya").click()
    row = ani.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Draf")
    expect(row).not_to_contain_text("terlambat")
    shots.take(ani, "pemohon-draf-di-daftar")

    sari = open_as("sari")
    sari.get_by_role("link", name="Semua Permintaan").click()
    expect(sari.get_by_role("heading", level=1)).to_be_visible()
    expect(sari.get_by_text(number)).to_have_count(0)
    expect(pages.inbox_row(sari, number)).to_have_count(0)


def test_cancelling_on_a_phone_asks_for_a_reason_without_javascript(
    browser: Browser, site: Site, open_as: SignIn, shots: Shots
) -> None:
    desk = open_as("ani")
    number = pages.start_request(desk, {**pages.FPVC, "Nama kegiatan": "Rapat Batal"})
    person = site.person("ani")
    context = browser.new_context(base_url=site.url, viewport=PHONE, java_script_enabled=False,
                                  locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        phone = context.new_page()
        pages.sign_in(phone, person.username, person.password)
        phone.get_by_role("link", name="Permintaan Saya").click()
        phone.get_by_role("row").filter(has_text=number).get_by_role("link").first.click()
        # Read first, act last: cancelling sits below the data and the history, off the
        # first screen, never where a thumb lands first.
        cancel = phone.get_by_role("link", name="Batalkan permintaan…")
        history = phone.get_by_role("heading", name="Riwayat langkah")
        expect(history).to_be_visible()
        phone.wait_for_load_state("load")  # laid out with the stylesheet, on a busy host too
        cancel_y = cancel.bounding_box()["y"]  # type: ignore[index]
        assert cancel_y > history.bounding_box()["y"]  # type: ignore[index]
        assert cancel_y > PHONE["height"]
        shots.take(phone, "pemohon-ponsel-permintaan")

        cancel.click()
        expect(phone.get_by_role("heading", level=1)).to_have_text(
            f"Batalkan permintaan {number}?")
        expect(phone.get_by_text("Ruang Jitsi Meet").or_(
            phone.get_by_text("Petugas tidak akan memproses"))).to_be_visible()
        phone.get_by_label("Alasan pembatalan").fill("   ")  # only spaces: refused
        phone.get_by_role("button", name="Ya, batalkan permintaan").click()
        expect(phone).to_have_title(re.compile(rf"^Galat: Batalkan permintaan {number}\?"))
        expect(phone.get_by_role("alert")).to_contain_text("Tulis alasan pembatalan.")
        shots.take(phone, "pemohon-ponsel-alasan-wajib")
        phone.get_by_label("Alasan pembatalan").fill("Acara diundur ke bulan depan.")
        phone.get_by_role("button", name="Ya, batalkan permintaan").click()
        expect(phone.get_by_role("heading", level=1)).to_contain_text("Dibatalkan")
        expect(phone.get_by_role("status").filter(has_text="Permintaan ini dibatalkan")) \
            .to_contain_text("Acara diundur ke bulan depan.")
        expect(phone.get_by_role("link", name="Batalkan permintaan…")).to_have_count(0)
        pages.assert_fits(phone)
        shots.take(phone, "pemohon-ponsel-dibatalkan")
    finally:
        context.close()


def test_a_colleague_takes_over_a_claimed_task_after_confirming(
    open_as: SignIn, shots: Shots
) -> None:
    ani = open_as("ani")
    number = pages.start_request(ani, {**pages.FPVC, "Nama kegiatan": "Rapat Alih Tugas"})
    sari, dewi = open_as("sari"), open_as("dewi")
    pages.inbox_row(sari, number).get_by_role("button", name="Ambil").click()
    expect(sari.get_by_role("status").filter(has_text="Tugas diambil")).to_be_visible()

    pages.open_task(dewi, number)
    expect(dewi.get_by_text("Tugas ini sedang dikerjakan oleh Sari Wulandari.")).to_be_visible()
    dewi.get_by_role("link", name="Ambil alih…").click()
    expect(dewi.get_by_role("heading", level=1)).to_have_text(
        "Ambil alih tugas dari Sari Wulandari?")
    shots.take(dewi, "staf-b-konfirmasi-ambil-alih")
    dewi.get_by_role("button", name="Ya, ambil alih").click()
    expect(dewi.get_by_role("status").filter(has_text="Tugas diambil alih")).to_be_visible()
    dewi.get_by_label("Catatan verifikasi").fill("Diambil alih karena Sari cuti.")
    dewi.get_by_role("button", name="Verifikasi Selesai").click()
    expect(dewi.get_by_role("status").filter(has_text="Tugas selesai")).to_contain_text(number)
    shots.take(dewi, "staf-b-selesai-setelah-ambil-alih")


def test_the_new_pages_fit_both_widths_and_pass_axe(open_as: SignIn, shots: Shots) -> None:
    """The cancel confirmation (also with its error), the take-over confirmation and the
    admin's assignment page, checked like every other page (tests/browser/test_every_page)."""
    axe.script()  # skip (or fail in CI) when axe-core is missing
    see = Inspector(shots)
    ani = open_as("ani")
    number = pages.start_request(ani, {**pages.FPVC, "Nama kegiatan": "Rapat Diperiksa"})
    request_page = ani.url
    see.look(ani, "pemohon-batalkan", request_page + "/batal")
    ani.get_by_label("Alasan pembatalan").fill(" ")
    ani.get_by_role("button", name="Ya, batalkan permintaan").click()
    expect(ani.get_by_role("alert")).to_contain_text("Tulis alasan pembatalan.")
    see.look(ani, "pemohon-batalkan-galat")

    sari, dewi = open_as("sari"), open_as("dewi")
    pages.inbox_row(sari, number).get_by_role("button", name="Ambil").click()
    pages.open_task(dewi, number)
    task_page = dewi.url
    see.look(dewi, "staf-ambil-alih", task_page + "/ambil-alih")
    adi = open_as("adi")
    see.look(adi, "admin-penugasan", task_page + "/penugasan")
    see.verdict()
