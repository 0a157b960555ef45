"""Attack replay: 60 submissions of a form with a 512 KiB PDF and a missing email gave
60 × 422 and left 60 files and rows (30 MiB) on one request. The same file is stored
once per request; a letter replaced before its step is done is deleted; and a request
holds at most 5 letters, a person uploads at most 20 a day."""

from __future__ import annotations

from tests.integration.web.conftest import PDF, Site, stored_files, upload

BIG = PDF + b"%" + b"0" * (512 * 1024)


def test_the_same_pdf_sent_60_times_with_a_mistake_is_stored_once(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    for _ in range(60):
        status, page = upload(site, "pemohon", task, BIG, email="")
        assert status == 422 and "Wajib diisi" in page
    assert len(stored_files(site)) == 1
    assert len(site.view(view.id).attachments) == 1


def test_a_replaced_letter_is_deleted_and_the_last_one_is_kept(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    held = None
    for i in range(8):
        extra = {"surat_resmi": held} if held else {}
        status, page = upload(site, "pemohon", task, PDF + b"%" + str(i).encode(), email="",
                              **extra)
        assert status == 422
        attachments = site.view(view.id).attachments
        assert len(attachments) == 1  # the one before was replaced
        held = attachments[0].id
        assert f'value="{held}"' in page
    assert len(stored_files(site)) == 1
    status, _ = upload(site, "pemohon", task, None, surat_resmi=held)
    assert status == 302
    assert site.view(view.id).data["surat_resmi"] == held


def test_a_request_holds_at_most_five_letters(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    statuses = [upload(site, "pemohon", task, PDF + b"%" + str(i).encode(), email="")[0]
                for i in range(5)]
    assert statuses == [422] * 5
    status, page = upload(site, "pemohon", task, PDF + b"% lagi", email="ani@tangerangkota.go.id")
    assert status == 422
    assert "sudah memuat 5 surat" in page
    assert len(stored_files(site)) == 5


def test_a_person_uploads_at_most_twenty_letters_a_day(site: Site) -> None:
    n = 0
    for _ in range(4):
        task = site.ready(site.start()).task_id
        for _ in range(5):
            assert upload(site, "pemohon", task, PDF + b"%" + str(n).encode(), email="")[0] == 422
            n += 1
    task = site.ready(site.start()).task_id
    status, page = upload(site, "pemohon", task, PDF + b"% satu lagi", email="")
    assert status == 422 and "dalam 24 jam terakhir" in page
    assert len(stored_files(site)) == 20
