"""The official letter: only PDFs, at most 5 MB, stored under a generated name, kept on a
form re-rendered after an error, and never reachable from another request."""

from __future__ import annotations

from tests.integration.web.conftest import FPVC_FORM, PDF, Site, stored_files, text, upload


def test_a_file_that_is_not_a_pdf_is_refused(site: Site) -> None:
    view = site.start()
    status, page = upload(site, "pemohon", site.ready(view).task_id, b"MZ\x90\x00evil", "x.pdf")
    assert status == 422
    assert "Berkas harus PDF" in page
    assert stored_files(site) == []
    assert site.view(view.id).attachments == ()


def test_an_empty_file_is_refused(site: Site) -> None:
    view = site.start()
    status, page = upload(site, "pemohon", site.ready(view).task_id, b"", "kosong.pdf")
    assert status == 422
    assert "Berkas kosong" in page


def test_a_pdf_over_5_mb_is_refused_and_not_kept(site: Site) -> None:
    view = site.start()
    big = PDF + b"0" * (5 * 1024 * 1024)
    status, page = upload(site, "pemohon", site.ready(view).task_id, big)
    assert status == 422
    assert "Berkas terlalu besar" in page
    assert stored_files(site) == []


def test_a_body_over_the_request_limit_gets_the_413_page(site: Site) -> None:
    view = site.start()
    huge = PDF + b"0" * (7 * 1024 * 1024)
    status, page = upload(site, "pemohon", site.ready(view).task_id, huge)
    assert status == 413
    assert "Berkas terlalu besar" in page
    assert "<html" in page


def test_a_form_re_rendered_after_an_error_keeps_the_letter(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    status, page = upload(site, "pemohon", task, PDF, "Surat Dinas.pdf", jam_selesai="08:00")
    assert status == 422
    (attachment,) = site.view(view.id).attachments
    assert f'type="hidden" name="surat_resmi" value="{attachment.id}"' in page
    assert "Surat Dinas.pdf" in page
    client = site.client("pemohon")
    fixed = {**FPVC_FORM, "surat_resmi": attachment.id}
    assert site.post(client, f"/tugas/{task}", fixed).status_code == 302
    assert site.view(view.id).data["surat_resmi"] == attachment.id


def test_a_letter_of_another_request_cannot_be_borrowed(site: Site) -> None:
    other = site.start("pemohon2")
    upload(site, "pemohon2", site.ready(other).task_id, PDF, jam_selesai="08:00")
    (theirs,) = site.view(other.id).attachments
    mine = site.start("pemohon")
    client = site.client("pemohon")
    response = site.post(client, f"/tugas/{site.ready(mine).task_id}",
                         {**FPVC_FORM, "surat_resmi": theirs.id})
    assert response.status_code == 422
    assert "Berkas tidak ditemukan" in text(response)
    assert theirs.filename not in text(response)


def test_stored_names_are_generated_never_the_users_filename(site: Site) -> None:
    view = site.start()
    upload(site, "pemohon", site.ready(view).task_id, PDF, "../../etc/passwd.pdf")
    (attachment,) = site.view(view.id).attachments
    (stored,) = stored_files(site)
    assert stored.name == attachment.stored_name
    assert "passwd" not in stored.name
    assert "/" not in attachment.filename


def test_a_letter_keeps_the_name_it_was_sent_with(site: Site) -> None:
    view = site.start()
    sent = "Dokumen/Surat Permohonan – Dinas Pendidikan (final).pdf"
    status, _ = upload(site, "pemohon", site.ready(view).task_id, PDF, sent)
    assert status == 302
    (attachment,) = site.view(view.id).attachments
    assert attachment.filename == "Surat Permohonan – Dinas Pendidikan (final).pdf"
    with site.client("staf").get(f"/permintaan/{view.id}/berkas/{attachment.id}") as response:
        assert response.status_code == 200 and response.data == PDF
        disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")  # opened in the browser's PDF viewer
    assert "filename*=UTF-8''Surat%20Permohonan%20%E2%80%93%20Dinas" in disposition
