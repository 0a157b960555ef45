"""Steps 3 to 5 in the browser: signing with the password asked again, declining with a
reason that reaches the requester, the manual link after a provider failure, confirming
receipt, and the loser of a double submit."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.integration.web.conftest import FPVC_FORM, Site, text


def test_the_approval_page_offers_sign_and_decline(site: Site) -> None:
    view = site.at_step("3")
    page = text(site.client("subkoor").get(f"/tugas/{site.ready(view).task_id}"))
    assert 'name="password"' in page and 'type="password"' in page
    assert 'name="keputusan" value="setuju"' in page and "Setujui & Tandatangani" in page
    assert 'name="keputusan" value="tidak_setuju"' in page and "Tidak Disetujui" in page
    assert 'name="alasan"' in page
    assert "Rapat Koordinasi PPDB" in page  # the whole request is on the page


def test_a_wrong_password_signs_nothing(site: Site) -> None:
    view = site.at_step("3")
    task = site.ready(view).task_id
    client = site.client("subkoor")
    for password in ("salah", ""):
        response = site.post(client, f"/tugas/{task}",
                             {"keputusan": "setuju", "password": password})
        assert response.status_code == 422
        assert "kata sandi" in text(response).lower()
    assert site.ready(site.view(view.id)).task_id == task


def test_signing_with_the_password_approves_and_never_stores_it(site: Site) -> None:
    view = site.at_step("3")
    client = site.client("subkoor")
    response = site.post(client, f"/tugas/{site.ready(view).task_id}",
                         {"keputusan": "setuju", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/tugas"
    assert "disetujui dan ditandatangani" in text(client.get("/tugas"))
    after = site.view(view.id)
    assert after.data["keputusan"] == "setuju"
    assert PASSWORD not in repr(after.data) and "password" not in after.data


def test_declining_needs_a_reason(site: Site) -> None:
    view = site.at_step("3")
    task = site.ready(view).task_id
    response = site.post(site.client("subkoor"), f"/tugas/{task}",
                         {"keputusan": "tidak_setuju", "alasan": "  "})
    assert response.status_code == 422
    assert "Alasan wajib diisi" in text(response)
    assert site.ready(site.view(view.id)).task_id == task


def test_a_declined_request_shows_the_reason_and_a_prefilled_revise_form(site: Site) -> None:
    view = site.at_step("3")
    reason = "Jumlah peserta melebihi kapasitas ruang."
    site.post(site.client("subkoor"), f"/tugas/{site.ready(view).task_id}",
              {"keputusan": "tidak_setuju", "alasan": reason})
    revise = site.ready(site.view(view.id))
    assert (revise.step, revise.pass_no) == ("1", 2)
    client = site.client("pemohon")
    detail = text(client.get(f"/permintaan/{view.id}"))
    assert reason in detail
    assert f'href="/tugas/{revise.task_id}"' in detail and "Perbaiki Permintaan" in detail
    form = text(client.get(f"/tugas/{revise.task_id}"))
    assert 'value="Rapat Koordinasi PPDB"' in form and reason in form


def test_the_second_submit_gets_409_naming_who_finished_it(site: Site) -> None:
    view = site.at_step("2")
    task = site.ready(view).task_id
    client = site.client("staf")
    assert site.post(client, f"/tugas/{task}", {"catatan_verifikasi": "ok"}).status_code == 302
    again = site.post(client, f"/tugas/{task}", {"catatan_verifikasi": "ok"})
    assert again.status_code == 409
    assert "Tugas sudah diselesaikan oleh Staf" in text(again)  # the display name


def test_the_manual_link_page_says_why_the_provider_failed(site: Site) -> None:
    view = site.at_step("4", platform="zoom")  # zoom is not offered in the test config
    task = site.ready(view)
    assert task.bpmn_id == "Task_BuatLinkManual"
    client = site.client("staf")
    page = text(client.get(f"/tugas/{task.task_id}"))
    assert "Pembuatan link otomatis gagal" in page
    assert "platform_not_offered" in page
    assert 'name="meeting.join_url"' in page and 'name="meeting.passcode"' in page
    bad = site.post(client, f"/tugas/{task.task_id}", {"meeting.join_url": "javascript:alert(1)"})
    assert bad.status_code == 422
    ok = site.post(client, f"/tugas/{task.task_id}",
                   {"meeting.join_url": "https://meet.example.id/manual", "meeting.provider": "",
                    "meeting.passcode": "1234"})
    assert ok.status_code == 302
    after = site.view(view.id)
    assert after.meeting is not None and after.meeting["join_url"].endswith("/manual")
    assert after.meeting["provider"] is None


def test_the_requester_sees_the_link_downloads_the_invite_and_confirms(site: Site) -> None:
    view = site.at_step("5")
    client = site.client("pemohon")
    detail = text(client.get(f"/permintaan/{view.id}"))
    meeting = site.view(view.id).meeting
    assert meeting is not None and meeting["join_url"] in detail
    assert "Konfirmasi Penerimaan" in detail and "Unduh Undangan (.ics)" in detail
    ics = client.get(f"/permintaan/{view.id}/undangan.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert b"BEGIN:VCALENDAR" in ics.data and meeting["join_url"].encode() in ics.data
    assert "attachment" in ics.headers["Content-Disposition"]
    task = site.ready(site.view(view.id)).task_id
    unticked = site.post(client, f"/tugas/{task}", {})
    assert unticked.status_code == 422 and "Wajib dicentang" in text(unticked)
    assert site.post(client, f"/tugas/{task}", {"diterima": "true"}).status_code == 302
    assert site.view(view.id).summary.status == "completed"


def test_a_request_without_meeting_has_no_invite(site: Site) -> None:
    view = site.at_step("2")
    assert site.client("pemohon").get(f"/permintaan/{view.id}/undangan.ics").status_code == 404


def test_withdrawing_cancels_the_request(site: Site) -> None:
    view = site.at_step("2")
    client = site.client("pemohon")
    response = site.post(client, f"/permintaan/{view.id}/batal", {"alasan": "Acara ditunda."})
    assert response.status_code == 302
    assert site.view(view.id).summary.status == "cancelled"
    again = site.post(client, f"/permintaan/{view.id}/batal", {"alasan": "Lagi."})
    assert again.status_code == 409


def test_the_fpvc_form_keeps_every_field_on_a_second_pass(site: Site) -> None:
    view = site.at_step("3")
    site.complete(site.ready(view).task_id, "subkoor", {"keputusan": "tidak_setuju",
                                                        "alasan": "Ganti jam."})
    revise = site.ready(site.view(view.id)).task_id
    client = site.client("pemohon")
    response = site.post(client, f"/tugas/{revise}", {**FPVC_FORM, "jam_mulai": "13:00",
                                                      "jam_selesai": "14:00"})
    assert response.status_code == 302
    assert site.view(view.id).data["jam_mulai"] == "13:00"


HOST_LINK = "https://zoom.example/s/8512345?zak=token-host-rahasia"


@pytest.mark.parametrize(("username", "sees"), [
    ("staf", True), ("admin", True), ("pemohon", False), ("subkoor", False), ("auditor", False),
])
def test_only_staff_and_admins_see_the_host_link(site: Site, username: str, sees: bool) -> None:
    view = site.at_step("4", platform="zoom")  # the provider fails: staff make the link
    manual = site.ready(view).task_id
    site.post(site.client("staf"), f"/tugas/{manual}",
              {"meeting.join_url": "https://zoom.example/j/8512345", "meeting.provider": "zoom",
               "meeting.passcode": "482913", "meeting.host_url": HOST_LINK})
    receipt = site.ready(site.view(view.id)).task_id
    client = site.client(username)
    pages = [text(client.get(f"/permintaan/{view.id}")), text(client.get(f"/tugas/{receipt}"))]
    for page in pages:
        assert "https://zoom.example/j/8512345" in page and "482913" in page
        assert ("Mulai sebagai host" in page) is sees
        assert ("token-host-rahasia" in page) is sees
    # Nor through the API (its ``meeting`` and the request's ``data``).
    response = client.get(f"/api/v1/instances/{view.id}")
    assert response.status_code == 200
    assert ("token-host-rahasia" in text(response)) is sees
