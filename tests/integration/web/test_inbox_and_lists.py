"""The inbox ("Kotak Tugas"), "Permintaan Saya" and "Semua Permintaan"."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date

from tests.integration.web.conftest import Site, now, text
from webui.extensions import db
from webui.inbox import matching


def rows(page: str) -> list[str]:
    return re.findall(r'class="mono">(VC-[0-9A-F]{8})<', page)


def test_the_inbox_lists_a_lanes_tasks_oldest_first(site: Site) -> None:
    first, second = site.at_step("2"), site.at_step("2")
    page = text(site.client("staf").get("/tugas"))
    assert rows(page) == [first.summary.number, second.summary.number]
    assert "Menerima dan memverifikasi FPVC" in page
    assert rows(text(site.client("subkoor").get("/tugas"))) == []


def test_an_overdue_task_is_marked(site: Site) -> None:
    view = site.at_step("2")
    with site.app.app_context():
        from engine import store
        record = store.step_by_task(db.session, site.ready(view).task_id)
        record.ready_at -= timedelta(minutes=10)
        record.due_at = now() - timedelta(minutes=8)
        db.session.commit()
    page = text(site.client("staf").get("/tugas"))
    assert 'class="overdue"' in page and "terlambat" in page


def test_the_inbox_filters_by_step_and_searches(site: Site) -> None:
    a = site.at_step("2", nama_kegiatan="Sosialisasi Aplikasi")
    b = site.at_step("2", nama_kegiatan="Rapat Anggaran", instansi="Bapenda")
    client = site.client("staf")
    assert rows(text(client.get("/tugas?q=sosialisasi"))) == [a.summary.number]
    assert rows(text(client.get("/tugas?q=bapenda"))) == [b.summary.number]
    assert rows(text(client.get(f"/tugas?q={b.summary.number.lower()}"))) == [b.summary.number]
    assert rows(text(client.get("/tugas?langkah=Task_Verifikasi"))) == [a.summary.number,
                                                                       b.summary.number]
    assert rows(text(client.get("/tugas?langkah=Task_Persetujuan"))) == []
    assert client.get("/tugas?q=" + "%" * 5000).status_code == 200


def test_matching_ignores_case_and_missing_fields(site: Site) -> None:
    site.at_step("2")
    with site.app.app_context():
        from webui.extensions import engine
        items = engine().inbox(db.session, site.actor("staf"))
    assert matching(items, "", "ppdb") == items
    assert matching(items, "Task_Persetujuan", "") == []


def test_claim_and_release(site: Site) -> None:
    view = site.at_step("2")
    task = site.ready(view).task_id
    staf = site.client("staf")
    assert site.post(staf, f"/tugas/{task}/ambil", {"next": "/tugas"}).status_code == 302
    page = text(staf.get("/tugas"))
    assert "Lepas" in page and "Tugas diambil" in page
    assert site.ready(site.view(view.id)).claimed_by == "staf"
    assert site.post(staf, f"/tugas/{task}/lepas").status_code == 302
    assert site.ready(site.view(view.id)).claimed_by is None


def test_a_task_claimed_by_someone_else_cannot_be_taken(site: Site) -> None:
    from engine import users
    with site.app.app_context():
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now(),
                       password="kata-sandi-uji")
        db.session.commit()
    view = site.at_step("2")
    task = site.ready(view).task_id
    site.post(site.client("staf"), f"/tugas/{task}/ambil")
    other = site.client("staf2")
    taken = site.post(other, f"/tugas/{task}/ambil", {"next": f"/tugas/{task}"})
    assert taken.status_code == 302 and taken.location == f"/tugas/{task}"
    page = text(other.get(taken.location))
    assert "Tugas ini sudah diambil oleh Staf." in page  # the flash says who was quicker
    assert "sedang dikerjakan oleh Staf" in page and "Verifikasi Selesai" not in page
    assert "Lepas" not in page and ">Ambil<" not in page
    assert "Ambil alih…" in page  # after a confirmation page (test_cancel_and_hand_over_pages)
    assert site.post(other, f"/tugas/{task}/lepas").status_code == 302
    assert site.ready(site.view(view.id)).claimed_by == "staf"


def test_a_form_sent_after_a_colleague_took_the_task_is_not_saved(site: Site) -> None:
    from engine import users
    with site.app.app_context():
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now(),
                       password="kata-sandi-uji")
        db.session.commit()
    view = site.at_step("2")
    task = site.ready(view).task_id
    other = site.client("staf2")
    assert "Verifikasi Selesai" in text(other.get(f"/tugas/{task}"))  # the form is open ...
    site.post(site.client("staf"), f"/tugas/{task}/ambil")  # ... when staf takes the task
    sent = site.post(other, f"/tugas/{task}", {"catatan_verifikasi": "Sudah saya cek"})
    assert sent.status_code == 409
    page = text(sent)
    assert "Isian Anda belum disimpan: tugas ini sudah diambil oleh Staf." in page
    assert "sedang dikerjakan oleh Staf" in page and "Verifikasi Selesai" not in page
    after = site.view(view.id)
    assert site.ready(after).task_id == task and "catatan_verifikasi" not in after.data


def test_my_requests_lists_only_mine(site: Site) -> None:
    mine, theirs = site.at_step("2"), site.at_step("2", "pemohon2")
    page = text(site.client("pemohon").get("/permintaan"))
    assert rows(page) == [mine.summary.number]
    assert theirs.summary.number not in page
    assert "Rapat Koordinasi PPDB" in page and "Menunggu Staf Seksi IIDC" in page


def test_everything_filters_by_status(site: Site) -> None:
    running, cancelled = site.at_step("2"), site.at_step("2", "pemohon2")
    site.post(site.client("pemohon2"), f"/permintaan/{cancelled.id}/batal",
              {"alasan": "Tidak jadi."})
    client = site.client("auditor")
    assert set(rows(text(client.get("/permintaan/semua")))) == {running.summary.number,
                                                               cancelled.summary.number}
    assert rows(text(client.get("/permintaan/semua?status=cancelled"))) == [
        cancelled.summary.number]
    assert client.get("/permintaan/semua?status=<script>").status_code == 200


def test_the_detail_page_shows_the_timeline_with_times_in_wib(site: Site) -> None:
    view = site.at_step("3")
    page = text(site.client("auditor").get(f"/permintaan/{view.id}"))
    assert "Riwayat langkah" in page
    for step in ("Mengisi FPVC dan/atau mengirim surat resmi", "Menerima dan memverifikasi FPVC",
                 "Memberi persetujuan atas permintaan"):
        assert step in page
    ready_wib = view.steps[0].ready_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    shown = format_date(ready_wib.date(), "medium", locale="id") + ready_wib.strftime(" %H.%M")
    assert shown in page  # one date style, Indonesian: "30 Nov 2026 10.35(.07)"
    assert "3 mnt" in page and "sesuai target" in page
    assert "Batalkan Permintaan" not in page  # auditors read, never change
