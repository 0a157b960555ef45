"""Attack replay: text that cannot be stored or shown, or that breaks lines where there
are none. A lone surrogate (JSON's ``"x\\ud800y"``) was stored by the API and then every
page showing it answered 500; in ``nama_kegiatan`` or ``process_id`` it was a 500 at once.
CR/LF in ``nama_kegiatan`` became lines of their own in the staff's mail."""

from __future__ import annotations

import json

import pytest

from tests.integration.web.conftest import FPVC_FORM, Site, text
from tests.support.api_client import ApiUser, Started
from tests.support.journey import FPVC

SURROGATE_BODY = '"x\\ud800y"'


def _raw(api: ApiUser, path: str, body: str) -> tuple[int, dict[str, object]]:
    response = api.post(path, data=body, content_type="application/json")
    return response.status_code, response.get_json()


@pytest.mark.parametrize("field", ["keterangan", "nama_kegiatan", "instansi"])
def test_a_lone_surrogate_in_a_new_request_is_422_and_nothing_is_stored(
    api: dict[str, ApiUser], field: str
) -> None:
    data = json.dumps({"data": {**FPVC, field: "PLACEHOLDER"}})
    status, body = _raw(api["pemohon"], "/instances",
                        data.replace('"PLACEHOLDER"', SURROGATE_BODY))
    assert status == 422, body
    assert api["admin"].ok("get", "/instances") == []


def test_a_lone_surrogate_as_process_id_is_422(api: dict[str, ApiUser]) -> None:
    status, _ = _raw(api["pemohon"], "/instances", '{"process_id": "x\\udfffy", "data": {}}')
    assert status == 422


def test_a_lone_surrogate_in_the_verification_note_is_422_and_pages_still_work(
    api: dict[str, ApiUser], started: Started
) -> None:
    path = f"/tasks/{started.verify_task}/complete"
    status, _ = _raw(api["staf"], path, '{"data": {"catatan_verifikasi": "x\\ud800y"}}')
    assert status == 422
    assert api["staf"].get(f"/instances/{started.instance_id}").status_code == 200
    assert api["staf"].ok("get", "/tasks")[0]["task_id"] == started.verify_task


@pytest.mark.parametrize("value", ["Rapat\r\nBcc: semua@evil.example", "Rapat\nbaris dua",
                                   "Rapat\tKoordinasi", "Rapat\u2028dua", "Rapat\x1b[31m"])
def test_a_single_line_field_refuses_line_breaks_and_control_characters(
    site: Site, value: str
) -> None:
    view = site.start()
    client = site.client("pemohon")
    task = site.ready(view).task_id
    response = site.post(client, f"/tugas/{task}", {**FPVC_FORM, "nama_kegiatan": value})
    assert response.status_code == 422
    page = text(response)
    assert "hanya satu baris" in page
    assert 'value="Rapat' in page  # what was typed is kept
    assert site.ready(site.view(view.id)).step == "1"  # nothing moved on, no mail queued


def test_a_textarea_keeps_its_line_breaks(site: Site) -> None:
    view = site.start()
    client = site.client("pemohon")
    task = site.ready(view).task_id
    response = site.post(client, f"/tugas/{task}",
                         {**FPVC_FORM, "keterangan": "baris satu\r\nbaris dua\tdengan tab"})
    assert response.status_code == 302, text(response)[:500]


def test_the_api_refuses_cr_lf_in_a_single_line_field(api: dict[str, ApiUser]) -> None:
    body = api["pemohon"].ok("post", "/instances", 422,
                             json={"data": {**FPVC, "nama_kegiatan": "a\r\nb"}})
    assert list(body["fields"]) == ["nama_kegiatan"]


@pytest.mark.parametrize("raw", [b"x%ED%A0%80y", b"x\xed\xa0\x80y", b"x%C0%AFy"])
def test_broken_utf_8_from_a_browser_form_is_never_a_500(site: Site, raw: bytes) -> None:
    view = site.start()
    client = site.client("pemohon")
    task = site.ready(view).task_id
    fields = {**FPVC_FORM, "csrf_token": site.token(client)}
    body = b"&".join(f"{k}={v}".encode() for k, v in fields.items() if k != "keterangan")
    response = client.post(f"/tugas/{task}", data=body + b"&keterangan=" + raw,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    for path in (f"/permintaan/{view.id}", f"/tugas/{task}"):
        assert client.get(path).status_code == 200
    sent = site.view(view.id).summary.status != "draft"  # a refused form stays a draft,
    expected = 200 if sent else 404  # which only its requester sees
    assert site.client("staf").get(f"/permintaan/{view.id}").status_code == expected
