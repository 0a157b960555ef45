"""Each pass kept as it was, in a real browser: the approver declines with a reason, the
requester reads it on the task itself and revises, staff verifying pass 2 see no old
decision as current, the approver signs; the auditor then reads both decisions on the
request's timeline (the first as history, with its reason and note, who and when) and
opens the first approval step, which still shows its own decision."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import pages
from tests.browser.pages import Shots, SignIn

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-each-pass")]

REASON = "Jadwal bentrok dengan rapat pimpinan; mohon geser ke siang."
NOTE_1 = "Surat resmi belum dilampirkan."
NOTE_2 = "Jam baru tersedia."


def test_every_pass_shows_its_own_decision_and_reason(open_as: SignIn, shots: Shots) -> None:
    ani, sari, joko = open_as("ani"), open_as("sari"), open_as("joko")
    number = pages.start_request(ani)
    pages.verify(sari, number, note=NOTE_1)
    pages.decline(joko, number, REASON)

    # the requester, revising, reads why on the task page itself
    ani.reload()
    ani.get_by_role("link", name="Perbaiki Permintaan").click()
    why = ani.locator(".sent-back")  # at the top of the revision form
    expect(why.get_by_role("heading", name="Alasan tidak disetujui")).to_be_visible()
    expect(why).to_contain_text(REASON)
    expect(why).to_contain_text("Pengajuan ke-1 · Joko Prasetyo")
    shots.take(ani, "pemohon-alasan-di-tugas")
    pages.fill_form(ani, {"Jam mulai": "13:00", "Jam selesai": "14:30"})
    ani.get_by_role("button", name="Kirim Permintaan").click()
    expect(ani.get_by_role("heading", level=1)).to_contain_text("Menunggu Staf Seksi IIDC")
    expect(ani.get_by_text("Permintaan tidak disetujui")).to_have_count(0)

    # pass 2: staff see the decline only as history
    pages.open_task(sari, number)
    data_card = sari.locator("section.card").filter(
        has=sari.get_by_role("heading", name="Data permintaan"))
    expect(data_card).not_to_contain_text("Tidak disetujui")
    expect(data_card).not_to_contain_text(REASON)
    expect(sari.locator("table.timeline")).to_contain_text(
        "Keputusan pengajuan ke-1: Tidak disetujui")
    shots.take(sari, "staf-putaran-2")
    sari.get_by_label("Catatan verifikasi").fill(NOTE_2)
    sari.get_by_role("button", name="Verifikasi Selesai").click()

    pages.open_task(joko, number)
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui dan ditandatangani")) \
        .to_contain_text(number)

    audi = open_as("audi")
    audi.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    rows = pages.timeline(audi)
    approvals = [r for r in rows if r["Langkah"].startswith("3.")]
    assert [r["Pengajuan ke-"] for r in approvals] == ["1", "2"]
    first = approvals[0]["Langkah"]
    assert "Keputusan pengajuan ke-1: Tidak disetujui — alasan: " + REASON in first
    assert "Keputusan: Disetujui & ditandatangani" in approvals[1]["Langkah"]
    assert all(r["Pelaksana"].endswith("Joko Prasetyo") for r in approvals)
    assert all("selesai" in r["Waktu (WIB)"] for r in approvals)
    notes = [r["Langkah"] for r in rows if r["Langkah"].startswith("2.")]
    assert NOTE_1 in notes[0] and NOTE_2 in notes[1]
    shots.take(audi, "auditor-dua-putaran")

    audi.locator("table.timeline tbody tr").filter(has_text="Keputusan pengajuan ke-1") \
        .get_by_role("link").first.click()
    own = audi.locator("section.pass-record")
    expect(own.get_by_role("heading")).to_have_text("Isian langkah ini (pengajuan ke-1)")
    expect(own).to_contain_text("Tidak disetujui")
    expect(own).to_contain_text(REASON)
    expect(own).not_to_contain_text("Disetujui & ditandatangani")
    shots.take(audi, "auditor-langkah-3-putaran-1")
