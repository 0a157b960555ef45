"""Attack replay: 60 submissions of a form with a 512 KiB PDF and a missing email gave
60 × 422 and left 60 files and rows (30 MiB) on one request. The same file is stored
once per request; a letter replaced before its step is done is deleted; and a request
holds at most 5 letters, a person uploads at most 20 a day."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.integration.web.conftest import FPVC_FORM, PDF, Site, text

BIG = PDF + b"%" + b"0" * (512 * 1024)


def send(site: Site, task: str, content: bytes | None, **fields: Any) -> tuple[int, str]:
    client = site.client("pemohon")
    values = MultiDict({**FPVC_FORM, **fields, "csrf_token": site.token(client)})
    if content is not None:  # beside the hidden field of a letter already held
        values.add("surat_resmi", FileStorage(io.BytesIO(content), "surat.pdf",
                                              content_type="application/pdf"))
    boundary, body = encode_multipart(values)
    response = client.post(f"/tugas/{task}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    return response.status_code, text(response)


def stored(site: Site) -> list[Path]:
    directory = Path(site.app.config["UPLOAD_DIR"])
    return sorted(directory.glob("*")) if directory.exists() else []


def test_the_same_pdf_sent_60_times_with_a_mistake_is_stored_once(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    for _ in range(60):
        status, page = send(site, task, BIG, email="")
        assert status == 422 and "Wajib diisi" in page
    assert len(stored(site)) == 1
    assert len(site.view(view.id).attachments) == 1


def test_a_replaced_letter_is_deleted_and_the_last_one_is_kept(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    held = None
    for i in range(8):
        extra = {"surat_resmi": held} if held else {}
        status, page = send(site, task, PDF + b"%" + str(i).encode(), email="", **extra)
        assert status == 422
        attachments = site.view(view.id).attachments
        assert len(attachments) == 1  # the one before was replaced
        held = attachments[0].id
        assert f'value="{held}"' in page
    assert len(stored(site)) == 1
    status, _ = send(site, task, None, surat_resmi=held)
    assert status == 302
    assert site.view(view.id).data["surat_resmi"] == held


def test_a_request_holds_at_most_five_letters(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    statuses = [send(site, task, PDF + b"%" + str(i).encode(), email="")[0] for i in range(5)]
    assert statuses == [422] * 5
    status, page = send(site, task, PDF + b"% lagi", email="ani@tangerangkota.go.id")
    assert status == 422
    assert "sudah memuat 5 surat" in page
    assert len(stored(site)) == 5


def test_a_person_uploads_at_most_twenty_letters_a_day(site: Site) -> None:
    n = 0
    for _ in range(4):
        task = site.ready(site.start()).task_id
        for _ in range(5):
            assert send(site, task, PDF + b"%" + str(n).encode(), email="")[0] == 422
            n += 1
    task = site.ready(site.start()).task_id
    status, page = send(site, task, PDF + b"% satu lagi", email="")
    assert status == 422 and "dalam 24 jam terakhir" in page
    assert len(stored(site)) == 20
