"""The pages of issue 10's items 2-4: the cancel confirmation (what happens to the meeting,
a required reason, the reason on the request afterwards), the draft's label, the take-over
confirmation and the admin's assignment page."""

from __future__ import annotations

from tests.integration.web.conftest import Site, now, text
from webui.extensions import db, engine


def test_the_cancel_page_says_what_happens_to_a_jitsi_room_and_needs_a_reason(
    site: Site,
) -> None:
    view = site.at_step("5")  # the Jitsi link exists
    client = site.client("pemohon")
    page = text(client.get(f"/permintaan/{view.id}/batal"))
    assert "Ruang Jitsi Meet tidak perlu dihapus" in page
    assert 'name="alasan"' in page and "required" in page
    refused = site.post(client, f"/permintaan/{view.id}/batal", {"alasan": " \n "})
    assert refused.status_code == 422
    assert "<title>Galat:" in text(refused) and "Tulis alasan pembatalan." in text(refused)
    assert site.view(view.id).summary.status == "running"

    done = site.post(client, f"/permintaan/{view.id}/batal", {"alasan": "Narasumber sakit."})
    assert done.status_code == 302
    detail = text(client.get(f"/permintaan/{view.id}"))
    assert "Permintaan ini dibatalkan" in detail and "Narasumber sakit." in detail
    assert "Batalkan permintaan…" not in detail
    assert client.get(f"/permintaan/{view.id}/batal").status_code == 409


def test_the_request_page_offers_cancelling_last_and_only_while_it_makes_sense(
    site: Site,
) -> None:
    view = site.at_step("2")
    page = text(site.client("pemohon").get(f"/permintaan/{view.id}"))
    assert page.index("Batalkan permintaan…") > page.index("Riwayat langkah")
    assert "Batalkan permintaan…" not in text(site.client("subkoor").get(f"/permintaan/{view.id}"))
    assert site.client("subkoor").get(f"/permintaan/{view.id}/batal").status_code == 403


def test_a_draft_is_labelled_for_its_requester(site: Site) -> None:
    draft = site.start()
    mine = text(site.client("pemohon").get("/permintaan"))
    assert draft.summary.number in mine and "Draf" in mine
    assert draft.summary.number not in text(site.client("auditor").get("/permintaan/semua"))
    detail = text(site.client("pemohon").get(f"/permintaan/{draft.id}"))
    assert "Ini masih draf" in detail


def test_take_over_and_assignment_pages(site: Site) -> None:
    from engine import users
    from tests.conftest import PASSWORD

    with site.app.app_context():
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now(), password=PASSWORD,
                       display_name="Staf Dua", email="staf2@uji.go.id")
        db.session.commit()
    view = site.at_step("2")
    task_id = site.ready(view).task_id
    with site.app.app_context():
        engine().claim(db.session, task_id, site.actor("staf"), now())
        db.session.commit()

    staf2 = site.client("staf2")
    assert "Ambil alih…" in text(staf2.get(f"/tugas/{task_id}"))
    confirm = text(staf2.get(f"/tugas/{task_id}/ambil-alih"))
    assert "Ambil alih tugas dari Staf?" in confirm and 'name="dari" value="staf"' in confirm
    stale = site.post(staf2, f"/tugas/{task_id}/ambil-alih", {"dari": "orang-lain"})
    assert stale.location.endswith(f"/tugas/{task_id}/ambil-alih")
    taken = site.post(staf2, f"/tugas/{task_id}/ambil-alih", {"dari": "staf"})
    assert taken.status_code == 302 and taken.location.endswith(f"/tugas/{task_id}")
    assert site.view(view.id).steps[-1].claimed_by == "staf2"

    admin = site.client("admin")
    page = text(admin.get(f"/tugas/{task_id}/penugasan"))
    assert "Staf Dua (staf2)" in page and "Lepas dari Staf Dua" in page
    given = site.post(admin, f"/tugas/{task_id}/penugasan", {"kepada": "staf", "dari": "staf2"})
    assert given.status_code == 302
    assert site.view(view.id).steps[-1].claimed_by == "staf"
