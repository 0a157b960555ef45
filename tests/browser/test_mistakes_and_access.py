"""What people get wrong, and what they may not see, in a real browser: a wrong password
when signing is refused and changes nothing; an end time before the start time re-renders
the form with the message and everything typed; another requester's request is not found.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-mistakes-and-access")]


def with_kegiatan(name: str) -> dict[str, str]:
    return {**pages.FPVC, "Nama kegiatan": name}


def test_signing_with_a_wrong_password_is_refused_and_nothing_is_saved(
    open_as: SignIn, shots: Shots
) -> None:
    ani = open_as("ani")
    number = pages.start_request(ani, with_kegiatan("Sosialisasi Aplikasi Kepegawaian"))
    sari = open_as("sari")
    pages.verify(sari, number)

    joko = open_as("joko")
    pages.open_task(joko, number)
    pages.sign(joko, "bukan-sandi-joko")
    expect(joko.get_by_role("alert")).to_contain_text("Ada isian yang perlu diperbaiki")
    expect(joko.get_by_text("Kata sandi salah; permintaan belum ditandatangani.",
                            exact=True)).to_be_visible()
    expect(joko.get_by_label("Kata sandi Anda")).to_have_value("")
    expect(joko.get_by_role("heading", level=1)).to_contain_text("Langkah 3")
    shots.take(joko, "sandi-salah-ditolak")

    # Nothing was saved: the task still waits in the inbox, the request is unsigned.
    expect(pages.inbox_row(joko, number)).to_contain_text("Memberi persetujuan atas permintaan")
    joko.get_by_role("link", name=number).click()
    expect(joko.get_by_role("heading", level=1)).to_contain_text("Perlu tindakan Anda")
    expect(joko.get_by_text(
        "Menunggu Sub Koordinator Infrastruktur Internet dan Data Center: Memberi persetujuan")
    ).to_be_visible()
    expect(joko.get_by_text("Keputusan", exact=True)).to_have_count(0)
    expect(joko.get_by_role("heading", name="Detail jadwal video conference")).to_have_count(0)
    shots.take(joko, "permintaan-belum-ditandatangani")

    ani.reload()
    expect(ani.get_by_text(
        "Menunggu Sub Koordinator Infrastruktur Internet dan Data Center: Memberi persetujuan")
    ).to_be_visible()
    expect(ani.get_by_text("Permintaan dikembalikan")).to_have_count(0)


def test_end_time_before_start_time_keeps_what_was_typed(open_as: SignIn, shots: Shots) -> None:
    ani = open_as("ani")
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    typed = {**with_kegiatan("Bimbingan Teknis SIPD"), "Jam mulai": "14:00",
             "Jam selesai": "13:30"}
    pages.fill_form(ani, typed, pages.PLATFORM)
    with ani.expect_response(lambda r: r.request.method == "POST") as posted:
        ani.get_by_role("button", name="Kirim Permintaan").click()
    assert posted.value.status == 422

    expect(ani.get_by_role("alert")).to_contain_text("Ada isian yang perlu diperbaiki")
    end = ani.get_by_label("Jam selesai")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(ani.get_by_text("Jam selesai harus setelah jam mulai (14:00).",
                           exact=True)).to_be_visible()
    pages.expect_form_values(ani, typed)
    expect(ani.get_by_role("radio", name=pages.PLATFORM)).to_be_checked()
    shots.take(ani, "jam-selesai-sebelum-jam-mulai")

    end.fill("15:30")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    expect(ani.get_by_text("15:30", exact=True)).to_be_visible()
    shots.take(ani, "diperbaiki-dan-terkirim")


def test_a_requester_cannot_open_another_requesters_request(
    open_as: SignIn, shots: Shots
) -> None:
    ani = open_as("ani")
    number = pages.start_request(ani, with_kegiatan("Rapat Terbatas Anggaran Dinkes"))
    request_url = ani.url
    task_url = first_step_link(ani)

    budi = open_as("budi")
    expect(budi.get_by_text(number)).to_have_count(0)
    shots.take(budi, "permintaan-saya-budi")
    for what, url in (("permintaan", request_url), ("tugas", task_url)):
        response = budi.goto(url)
        assert response is not None and response.status == 404, (url, response)
        expect(budi.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")
        expect(budi.get_by_text("Rapat Terbatas Anggaran Dinkes")).to_have_count(0)
        expect(budi.get_by_text("Ani Lestari")).to_have_count(0)
        shots.take(budi, f"{what}-orang-lain-tidak-ditemukan")


def first_step_link(page: Page) -> str:
    link = page.locator("table.timeline").get_by_role("link").first
    href = link.get_attribute("href")
    assert href, "no link to the first step"
    return href
