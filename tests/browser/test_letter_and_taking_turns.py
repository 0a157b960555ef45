"""Two everyday turns of the SOP in a real browser: a requester sends the official letter
with only the five fields it needs instead of the whole FPVC, and staff read that letter
from the task page; two staff members share one inbox, one takes a task ("Ambil"), the
other is told who has it and cannot complete it, and it changes hands with "Lepas".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-letter-and-turns")]

LETTER_NAME = "Surat Permohonan Zoom Disdik.pdf"


def test_a_letter_with_five_fields_reaches_staff_as_a_pdf(open_as: SignIn, shots: Shots) -> None:
    letter = pages.letter_pdf("Permohonan fasilitasi video conference Dinas Pendidikan")
    ani = open_as("ani")
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    pages.fill_form(ani, pages.WITH_LETTER)
    ani.get_by_label(pages.LETTER_LABEL).set_input_files(
        files=[{"name": LETTER_NAME, "mimeType": "application/pdf", "buffer": letter}])
    shots.take(ani, "pemohon-surat-resmi-dan-lima-isian")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    expect(ani.get_by_text(
        "Menunggu Staf Seksi IIDC: Menerima dan memverifikasi FPVC")).to_be_visible()
    expect(ani.get_by_role("link", name=LETTER_NAME)).to_be_visible()
    expect(ani.get_by_text("dipakai pada FPVC")).to_be_visible()
    shots.take(ani, "pemohon-permintaan-dengan-surat")

    sari = open_as("sari")
    expect(pages.inbox_row(sari, number)).to_contain_text("Menerima dan memverifikasi FPVC")
    pages.open_task(sari, number)
    expect(sari.get_by_role("heading", level=1)).to_contain_text("Langkah 2")
    link = sari.get_by_role("link", name=LETTER_NAME)
    shots.take(sari, "staf-verifikasi-dengan-surat")
    with sari.expect_popup() as tab:  # opened in the browser's PDF viewer, in a new tab
        link.click()
    tab.value.wait_for_load_state()
    assert tab.value.url.endswith(link.get_attribute("href") or "?")
    shots.take(tab.value, "surat-di-penampil-pdf")
    tab.value.close()
    served = sari.request.get(link.get_attribute("href") or "")
    assert served.status == 200 and served.body() == letter
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline")
    assert LETTER_NAME in served.headers["content-disposition"]
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in served.headers["content-security-policy"]
    served.dispose()
    pages.verify(sari, number, note="Surat resmi terlampir; jadwal tersedia.")


def test_staff_take_a_task_in_turn(open_as: SignIn, shots: Shots) -> None:
    ani = open_as("ani")
    number = pages.start_request(ani, {**pages.FPVC, "Nama kegiatan": "Rapat Kerja Kecamatan"})
    sari, dewi = open_as("sari"), open_as("dewi")
    pages.open_task(dewi, number)  # Dewi has the form open ...
    dewi.get_by_label("Catatan verifikasi").fill("Sudah saya periksa.")

    take(sari, number)  # ... when Sari takes the task
    row = pages.inbox_row(sari, number)
    expect(row.get_by_role("cell", name="Sari Wulandari", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Lepas")).to_be_visible()
    shots.take(sari, "staf-a-mengambil-tugas")

    with dewi.expect_response(lambda r: r.request.method == "POST") as sent:
        dewi.get_by_role("button", name="Verifikasi Selesai").click()
    assert sent.value.status == 409
    expect(dewi.get_by_role("alert")).to_contain_text(
        "Isian Anda belum disimpan: tugas ini sudah diambil oleh Sari Wulandari.")
    expect(dewi.get_by_text("Tugas ini sedang dikerjakan oleh Sari Wulandari.")).to_be_visible()
    expect(dewi.get_by_role("button", name="Verifikasi Selesai")).to_have_count(0)
    shots.take(dewi, "staf-b-tidak-dapat-menyelesaikan")
    row = pages.inbox_row(dewi, number)
    expect(row.get_by_role("cell", name="Sari Wulandari", exact=True)).to_be_visible()
    expect(row.get_by_role("button")).to_have_count(0)  # neither "Ambil" nor "Lepas"

    pages.open_task(sari, number)
    sari.get_by_role("button", name="Lepas").click()
    expect(sari.get_by_role("status").filter(has_text="Tugas dilepas")).to_be_visible()
    expect(sari.get_by_role("button", name="Ambil")).to_be_visible()

    take(dewi, number)
    pages.verify(dewi, number, note="Diperiksa setelah dilepas Sari.")
    shots.take(dewi, "staf-b-menyelesaikan")
    ani.reload()
    step2 = next(r for r in pages.timeline(ani) if r["Langkah"].startswith("2."))
    assert step2["Pelaksana"].endswith("Dewi Anggraini"), step2  # who, by display name


def take(page: Page, number: str) -> None:
    """"Ambil" on the request's row in "Kotak Tugas"."""
    pages.inbox_row(page, number).get_by_role("button", name="Ambil").click()
    expect(page.get_by_role("status").filter(has_text="Tugas diambil")).to_be_visible()
