"""The signed FPVC as people meet it: after the approver signs, the requester finds the
FPVC on the request page and downloads it; someone holding a copy, not signed in, opens
the verification page from its code, uploads the copy and reads "Cocok", and a changed
copy "Tidak cocok"; the auditor prints the SOP sheet of the version the request ran on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import pages
from tests.browser.conftest import ACTION_TIMEOUT_MS, DESKTOP, Site
from tests.browser.pages import Shots, SignIn
from tests.support.documents import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-fpvc-document")]


@pytest.fixture
def visitor(browser: Browser, site: Site) -> Iterator[Page]:
    """Someone who holds a copy of the FPVC and has no account."""
    context = browser.new_context(base_url=site.url, viewport=DESKTOP, locale="id-ID")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_the_signed_fpvc_is_downloaded_verified_and_its_sop_printed(
    open_as: SignIn, visitor: Page, shots: Shots
) -> None:
    ani = open_as("ani")
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    pages.fill_form(ani, pages.FPVC, pages.PLATFORM)
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    pages.verify(open_as("sari"), number, note="Data lengkap.")
    joko = open_as("joko")
    pages.open_task(joko, number)
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui dan ditandatangani")) \
        .to_contain_text(number)

    documents = ani.locator("section").filter(has=ani.get_by_role("heading", name="Dokumen"))
    deadline = time.monotonic() + 20
    while not documents.is_visible():  # the worker renders the FPVC after the decision
        assert time.monotonic() < deadline, "no FPVC on the request page after 20 s"
        time.sleep(0.3)
        ani.reload()
    expect(documents).to_contain_text("Disetujui")
    shots.take(ani, "pemohon-dokumen-fpvc")
    with ani.expect_download() as info:
        documents.get_by_role("link", name=re.compile(r"\(PDF\)$")).click()
    saved = shots.folder / info.value.suggested_filename
    info.value.save_as(saved)
    data = saved.read_bytes()
    text = pdf_text(data)
    assert "DISETUJUI" in text and pages.FPVC["Nama kegiatan"] in text
    code = re.search(r"Kode verifikasi: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", text)
    assert code, text

    visitor.goto("/verifikasi")
    visitor.get_by_label("Kode verifikasi").fill(code.group(1).lower())
    visitor.get_by_role("button", name="Periksa", exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Dokumen terdaftar")
    expect(visitor.get_by_text(pages.FPVC["Nama pemohon"])).to_have_count(0)
    visitor.get_by_label("Berkas PDF").set_input_files(str(saved))
    visitor.get_by_role("button", name="Periksa Berkas").click()
    expect(visitor.get_by_role("status")).to_contain_text("Cocok")
    shots.take(visitor, "verifikasi-cocok")
    changed = saved.with_name("diubah.pdf")
    changed.write_bytes(data + b"\n% diubah\n")
    visitor.get_by_label("Berkas PDF").set_input_files(str(changed))
    visitor.get_by_role("button", name="Periksa Berkas").click()
    expect(visitor.get_by_role("alert")).to_contain_text("Tidak cocok")
    shots.take(visitor, "verifikasi-tidak-cocok")

    audi = open_as("audi")
    audi.goto("/permintaan/semua")
    audi.get_by_role("row").filter(has_text=number).get_by_role("link").first.click()
    audi.get_by_role("link", name=re.compile("Lembar SOP versi 1")).click()
    expect(audi.get_by_role("heading", level=1)).to_contain_text("Lembar SOP")
    expect(audi.locator("tr[data-step]")).to_have_count(5)
    expect(audi.get_by_text("Bila tidak ditandatangani, dilanjutkan ke nomor 1")).to_be_visible()
    shots.take(audi, "auditor-lembar-sop")
    with audi.expect_download() as sheet:
        audi.get_by_role("link", name="Unduh PDF").click()
    assert sheet.value.suggested_filename.endswith("-v1.pdf")
