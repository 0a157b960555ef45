"""The task page: the form rendered from the step's JSON Schema, submitting it, and every
way a person can get it wrong without ever seeing a 500."""

from __future__ import annotations

import html
import io
import re

import pytest
from werkzeug.datastructures import MultiDict

from tests.integration.web.conftest import FPVC_FORM, PDF, Site, text


def step1(site: Site) -> tuple[str, str]:
    view = site.start()
    return view.id, site.ready(view).task_id


def test_starting_a_request_opens_the_step_1_form(site: Site) -> None:
    client = site.client("pemohon")
    response = site.post(client, "/permintaan/baru")
    assert response.status_code == 302
    assert re.fullmatch(r"/tugas/[0-9a-f-]{36}", response.location)
    page = text(client.get(response.location))
    for name in FPVC_FORM:
        assert f'name="{name}"' in page, name
    assert 'type="file"' in page and 'name="surat_resmi"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'type="date"' in page and 'type="time"' in page
    assert "Kirim Permintaan" in page
    assert "Jitsi Meet" in page  # x-enum-titles
    assert 'value="zoom"' not in page  # only the configured platforms are offered
    assert "3 mnt" in page  # the SOP row's target


def test_opening_the_task_records_when_it_was_opened(site: Site) -> None:
    instance_id, task = step1(site)
    assert site.ready(site.view(instance_id)).opened_at is None
    site.client("pemohon").get(f"/tugas/{task}")
    assert site.ready(site.view(instance_id)).opened_at is not None


def test_a_complete_form_moves_the_request_to_verification(site: Site) -> None:
    instance_id, task = step1(site)
    client = site.client("pemohon")
    response = site.post(client, f"/tugas/{task}", FPVC_FORM)
    assert response.status_code == 302
    assert response.location == f"/permintaan/{instance_id}"
    view = site.view(instance_id)
    assert view.data["jumlah_peserta"] == 25
    waiting = site.ready(view)
    assert waiting.step == "2"
    page = html.unescape(text(client.get(response.location)))
    # What happens now, from the request as the completion left it.
    done = next(s for s in view.steps if s.state == "completed")
    assert f"Tugas selesai: {done.name}" in page
    assert f"Berikutnya: {waiting.name}, oleh {waiting.lane}." in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("tanggal", "2020-01-01", "Tanggal tidak boleh sebelum hari ini"),
    ("tanggal", "31-12-2099", "Tanggal tidak valid"),
    ("tanggal", "2099-02-30", "Tanggal tidak valid"),
    ("jam_mulai", "25:00", "Format tidak sesuai"),
    ("jam_selesai", "08:00", "Jam selesai harus setelah jam mulai"),
    ("jumlah_peserta", "dua puluh", "Harus berupa bilangan bulat"),
    ("jumlah_peserta", "1", "Paling kecil 2"),
    ("jumlah_peserta", "9" * 40, "Harus berupa bilangan bulat"),
    ("email", "bukan-email", "Alamat email tidak valid"),
    ("nip", "123", "Format tidak sesuai"),
    ("nama_kegiatan", "x" * 100_000, "Paling banyak 200 karakter"),
    ("platform", "skype", "Pilih salah satu pilihan"),
    ("nama_pemohon", "", "Wajib diisi"),
])
def test_bad_input_is_refused_with_422_and_the_typed_values_kept(
        shared_site: Site, field: str, value: str, message: str) -> None:
    site = shared_site
    instance_id, task = step1(site)
    client = site.client("pemohon")
    response = site.post(client, f"/tugas/{task}", {**FPVC_FORM, field: value})
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'value="Rapat Koordinasi PPDB"' in page or field == "nama_kegiatan"
    if value and field != "platform":
        assert value[:50] in page
    assert site.ready(site.view(instance_id)).task_id == task  # nothing saved


def test_unknown_and_repeated_fields_never_break_the_page(site: Site) -> None:
    _, task = step1(site)
    client = site.client("pemohon")
    data = MultiDict([*FPVC_FORM.items(), ("jumlah_peserta", "30"), ("admin", "1"),
                      ("meeting.join_url", "x"), ("csrf_token", site.token(client))])
    response = client.post(f"/tugas/{task}", data=data)
    assert response.status_code == 302


def test_a_letter_alone_is_enough_and_can_be_downloaded(site: Site) -> None:
    instance_id, task = step1(site)
    client = site.client("pemohon")
    letter_only = {k: FPVC_FORM[k] for k in ("nama_pemohon", "email", "tanggal", "jam_mulai",
                                            "jam_selesai")}
    files = {"surat_resmi": (io.BytesIO(PDF), "Surat Permohonan.pdf")}
    response = site.post(client, f"/tugas/{task}", {**letter_only, **files},
                         content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    view = site.view(instance_id)
    (attachment,) = view.attachments
    assert view.data["surat_resmi"] == attachment.id
    assert attachment.filename == "Surat Permohonan.pdf"
    assert attachment.stored_name != attachment.filename
    with client.get(f"/permintaan/{instance_id}/berkas/{attachment.id}") as download:
        assert download.status_code == 200
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("inline")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in download.headers["Content-Security-Policy"]
        assert "Surat Permohonan.pdf" in download.headers["Content-Disposition"]


def test_what_people_type_is_shown_as_text_never_as_markup(site: Site) -> None:
    instance_id, task = step1(site)
    client = site.client("pemohon")
    evil = '<script>alert("x")</script>'
    site.post(client, f"/tugas/{task}", {**FPVC_FORM, "nama_kegiatan": evil})
    for path in (f"/permintaan/{instance_id}", "/permintaan"):
        page = text(client.get(path))
        assert evil not in page and "&lt;script&gt;" in page, path
    page = text(site.client("staf").get("/tugas"))
    assert evil not in page and "&lt;script&gt;" in page


def test_pages_are_not_framed_and_do_not_leak_their_urls(site: Site) -> None:
    response = site.client("pemohon").get("/permintaan")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


LEGEND = '<abbr class="req" title="wajib diisi">*</abbr> wajib diisi</p>'


def test_the_required_mark_is_explained_only_on_forms_that_use_it(site: Site) -> None:
    instance_id, task = step1(site)
    fpvc = text(site.client("pemohon").get(f"/tugas/{task}"))
    assert LEGEND in fpvc and " required" in fpvc
    verification = site.ready(site.at_step("2"))  # one optional note, nothing required
    page = text(site.client("staf").get(f"/tugas/{verification.task_id}"))
    assert 'name="catatan_verifikasi"' in page
    assert "wajib diisi" not in page


def test_a_time_in_a_sentence_wraps_around_it_never_inside_it(site: Site) -> None:
    view = site.at_step("2")
    page = text(site.client("staf").get(f"/tugas/{site.ready(view).task_id}"))
    assert re.search(r'batas waktu <span class="nowrap">\d{1,2} \w{3} \d{4} \d\d\.\d\d WIB</span>',
                     page)  # "30 Nov 2026 10.35 WIB", one unit
    timeline = re.findall(r'siap <span class="nowrap">([^<]+)</span>', page)
    assert len(timeline) == 2 and all(re.fullmatch(r"\d{1,2} \w{3} \d{4} [\d.]+", t)
                                      for t in timeline), timeline


def test_a_waiting_step_offers_a_button_only_to_who_can_use_it(site: Site) -> None:
    view = site.at_step("2")
    for username, button in (("pemohon", None), ("staf", "Buka Tugas")):
        page = text(site.client(username).get(f"/permintaan/{view.id}"))
        assert "Menunggu Staf Seksi IIDC:" in page
        assert not re.search(r'<p class="actions">\s*</p>', page), username
        assert (button is not None and button in page) or "Buka Tugas" not in page
