"""The SOP from end to end in a real browser, one browser context per person: the requester
files the FPVC, staff verify, the approver declines with a reason, the requester revises
the prefilled form, staff verify again, the approver signs with their password, the
worker creates the Jitsi link, the requester downloads the invite and confirms receipt,
and the auditor reads every step of both passes against its target.
"""

from __future__ import annotations

import re

import icalendar
import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-sop-journey")]

REASON = "Jumlah peserta melebihi kuota ruang; mohon cantumkan narasumber di keterangan."
REVISED = {
    "Jumlah peserta": "40",
    "Jam selesai": "11:00",
    "Keterangan": "Narasumber: Kepala Bidang SMP. Peserta dari 12 sekolah.",
}
#: What "Riwayat langkah" shows after both passes: (step, pass, who, target).
EXPECTED_STEPS = [
    ("1.", "1", "Ani Lestari", "3 mnt"),
    ("2.", "1", "Sari Wulandari", "2 mnt"),
    ("3.", "1", "Joko Prasetyo", "2 mnt"),
    ("1.", "2", "Ani Lestari", "3 mnt"),
    ("2.", "2", "Sari Wulandari", "2 mnt"),
    ("3.", "2", "Joko Prasetyo", "2 mnt"),
    ("4.", "2", "Sistem", "tanpa target"),
    ("5.", "2", "Ani Lestari", "tanpa target"),
]


def test_request_declined_revised_signed_and_received(open_as: SignIn, shots: Shots) -> None:
    ani = open_as("ani")
    shots.take(ani, "pemohon-permintaan-saya")
    number = file_request(ani, shots)

    sari = open_as("sari")
    expect(pages.inbox_row(sari, number)).to_contain_text("Menerima dan memverifikasi FPVC")
    shots.take(sari, "staf-kotak-tugas")
    pages.open_task(sari, number)
    shots.take(sari, "staf-verifikasi")
    sari.go_back()
    pages.verify(sari, number, note="Data lengkap; jadwal tidak bentrok.")

    joko = open_as("joko")
    pages.open_task(joko, number)
    shots.take(joko, "subkoor-persetujuan")
    pages.decline(joko, number, REASON)
    shots.take(joko, "subkoor-setelah-menolak")

    revise_request(ani, shots)

    expect(pages.inbox_row(sari, number)).to_contain_text("pengajuan ke-2")
    pages.verify(sari, number, note="Revisi diperiksa; jam baru tersedia.")

    pages.open_task(joko, number)
    expect(joko.get_by_text(REVISED["Keterangan"])).to_be_visible()
    # in the request's data and, as this pass's note, on the timeline
    expect(joko.get_by_text("Revisi diperiksa; jam baru tersedia.").first).to_be_visible()
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui dan ditandatangani")) \
        .to_contain_text(number)
    shots.take(joko, "subkoor-setelah-menandatangani")

    receive_link(ani, shots)
    audit(open_as("audi"), number, shots)


def file_request(ani: Page, shots: Shots) -> str:
    ani.get_by_role("button", name="Ajukan Permintaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Langkah 1")
    pages.fill_form(ani, pages.FPVC, pages.PLATFORM)
    shots.take(ani, "pemohon-fpvc-terisi")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    number = pages.request_number(ani)
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    expect(ani.get_by_text(
        "Menunggu Staf Seksi IIDC: Menerima dan memverifikasi FPVC")).to_be_visible()
    shots.take(ani, "pemohon-permintaan-terkirim")
    return number


def revise_request(ani: Page, shots: Shots) -> None:
    ani.reload()
    notice = ani.get_by_role("status").filter(has_text="Permintaan dikembalikan")
    expect(notice).to_contain_text(REASON)
    shots.take(ani, "pemohon-alasan-penolakan")
    notice.get_by_role("link", name="Perbaiki Permintaan").click()
    expect(ani.get_by_text("pengajuan ke-2").first).to_be_visible()
    pages.expect_form_values(ani, pages.FPVC)
    expect(ani.get_by_role("radio", name=pages.PLATFORM)).to_be_checked()
    pages.fill_form(ani, REVISED)
    shots.take(ani, "pemohon-fpvc-diperbaiki")
    ani.get_by_role("button", name="Kirim Permintaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    expect(ani.get_by_text("11:00").first).to_be_visible()


def receive_link(ani: Page, shots: Shots) -> None:
    ani.reload()
    card = pages.wait_for_meeting(ani)
    link = card.get_by_role("link", name=re.compile(r"^https:\/\/"))
    join_url = link.inner_text()
    shots.take(ani, "pemohon-link-diterima")

    download_link = card.get_by_role("link", name="Unduh Undangan (.ics)")
    with ani.expect_download() as info:
        download_link.click()
    saved = shots.folder / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".ics"
    event = next(iter(icalendar.Calendar.from_ical(saved.read_bytes()).walk("VEVENT")))
    assert join_url in event.to_ical().decode().replace("\r\n ", "")
    assert str(event["SUMMARY"]).endswith(pages.FPVC["Nama kegiatan"])
    served = ani.request.get(download_link.get_attribute("href") or "")
    assert served.headers["content-type"].startswith("text/calendar")
    served.dispose()

    ani.get_by_role("link", name="Konfirmasi Penerimaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Langkah 5")
    ani.get_by_label("Saya telah menerima detail jadwal video conference").check()
    shots.take(ani, "pemohon-konfirmasi-penerimaan")
    ani.get_by_role("button", name="Konfirmasi Penerimaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Selesai")
    expect(ani.get_by_role("link", name=join_url)).to_be_visible()
    shots.take(ani, "pemohon-selesai")


def audit(audi: Page, number: str, shots: Shots) -> None:
    expect(audi.get_by_role("heading", level=1)).to_have_text("Semua Permintaan")
    row = audi.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Selesai")
    expect(row).to_contain_text("pengajuan ke-2")
    shots.take(audi, "auditor-semua-permintaan")
    row.get_by_role("link", name=number).click()
    expect(audi.get_by_role("heading", level=1)).to_contain_text("Selesai")
    expect(audi.get_by_text("Target waktu SOP: 7 mnt.")).to_be_visible()
    expect(audi.get_by_role("link", name="Batalkan permintaan…")).to_have_count(0)
    shots.take(audi, "auditor-riwayat-langkah")

    rows = pages.timeline(audi)
    seen = [(r["Langkah"][:2], r["Pengajuan ke-"], r["Pelaksana"], r["Durasi / target"])
            for r in rows]
    assert [s[:2] for s in seen] == [e[:2] for e in EXPECTED_STEPS], seen
    assert all(s[2].endswith(e[2]) for s, e in zip(seen, EXPECTED_STEPS, strict=True)), seen
    for (step, pass_no, _, shown), (*_, target) in zip(seen, EXPECTED_STEPS, strict=True):
        assert re.match(rf"^\d+ dtk / {target}", shown), (step, pass_no, shown)
        if target != "tanpa target":
            assert re.search("sesuai target|melewati target", shown), (step, pass_no, shown)
    for row in rows:
        assert row["Waktu (WIB)"].startswith("siap") and "selesai" in row["Waktu (WIB)"], row
    assert "(otomatis)" in rows[6]["Langkah"]
