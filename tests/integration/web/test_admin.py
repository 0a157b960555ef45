"""The process owner's pages: users and roles, incidents, the mail outbox (process versions:
``test_versions.py``)."""

from __future__ import annotations

from engine import users
from tests.integration.web.conftest import Site, text
from webui.extensions import db


def test_the_overview_counts_what_needs_attention(site: Site) -> None:
    page = text(site.client("admin").get("/admin"))
    assert "Insiden terbuka" in page and "Pengguna" in page and "Proses aktif" in page


def test_creating_a_user_with_roles(site: Site) -> None:
    admin = site.client("admin")
    response = site.post(admin, "/admin/pengguna", {
        "username": "rina", "display_name": "Rina Wati", "email": "rina@uji.go.id",
        "password": "sandi-rina-1", "roles": ["staf_iidc", "pemohon"]})
    assert response.status_code == 302
    assert "Rina Wati" in text(admin.get("/admin/pengguna"))
    with site.app.app_context():
        assert users.UserView.of(users.get_user(db.session, "rina")).roles == ("pemohon",
                                                                              "staf_iidc")
    rina = site.app.test_client()
    assert site.post(rina, "/masuk", {"username": "rina", "password": "sandi-rina-1"}
                     ).status_code == 302


def test_a_bad_new_user_is_refused_with_the_form_kept(site: Site) -> None:
    admin = site.client("admin")
    cases = [
        ({"username": "staf", "password": "cukup-panjang", "roles": "pemohon"}, "sudah dipakai"),
        ({"username": "budi", "password": "pendek", "roles": "pemohon"}, "minimal 8"),
        ({"username": "budi", "password": "cukup-panjang"}, "Pilih paling sedikit satu peran"),
        ({"username": "", "password": "cukup-panjang", "roles": "pemohon"}, "wajib diisi"),
        ({"username": "b" * 500, "password": "cukup-panjang", "roles": "pemohon"}, "maksimal 64"),
    ]
    for data, message in cases:
        response = site.post(admin, "/admin/pengguna", {"display_name": "Budi Baru", **data})
        assert response.status_code == 422, data
        assert message in text(response), data
        assert 'value="Budi Baru"' in text(response)


def test_disable_enable_roles_and_password(site: Site) -> None:
    admin = site.client("admin")
    site.post(admin, "/admin/pengguna/pemohon2/aktif", {"active": "0"})
    assert "nonaktif" in text(admin.get("/admin/pengguna/pemohon2"))
    site.post(admin, "/admin/pengguna/pemohon2/aktif", {"active": "1"})
    site.post(admin, "/admin/pengguna/pemohon2/peran", {"roles": ["pemohon", "auditor"]})
    site.post(admin, "/admin/pengguna/pemohon2/sandi", {"password": "sandi-baru-22"})
    site.post(admin, "/admin/pengguna/pemohon2/profil",
              {"display_name": "Pemohon Kedua", "email": "kedua@uji.go.id"})
    with site.app.app_context():
        person = users.UserView.of(users.get_user(db.session, "pemohon2"))
    assert person.active and person.roles == ("auditor", "pemohon")
    assert (person.display_name, person.email) == ("Pemohon Kedua", "kedua@uji.go.id")
    fresh = site.app.test_client()
    assert site.post(fresh, "/masuk", {"username": "pemohon2", "password": "sandi-baru-22"}
                     ).status_code == 302


def test_an_admin_cannot_lock_themselves_out(site: Site) -> None:
    admin = site.client("admin")
    page = text(admin.get("/admin/pengguna/admin"))
    assert "Nonaktifkan" in page
    response = site.post(admin, "/admin/pengguna/admin/aktif", {"active": "0"})
    assert "tidak dapat menonaktifkan akun Anda sendiri" in text(admin.get(response.location))
    response = site.post(admin, "/admin/pengguna/admin/peran", {"roles": "pemohon"})
    assert "tidak dapat mencabut peran admin" in text(admin.get(response.location))
    assert admin.get("/admin").status_code == 200
    bad = site.post(admin, "/admin/pengguna/staf/sandi", {"password": "123"})
    assert "minimal 8" in text(admin.get(bad.location))
    assert admin.get("/admin/pengguna/tidak-ada").status_code == 404


def test_incidents_can_be_retried(site: Site) -> None:
    view = site.at_step("2")
    with site.app.app_context():
        from engine import store
        store.instance(db.session, view.id).status = "incident"
        store.instance(db.session, view.id).incident = "zoom 500: Internal error"
        db.session.commit()
    admin = site.client("admin")
    page = text(admin.get("/admin/insiden"))
    assert view.summary.number in page and "zoom 500: Internal error" in page
    response = site.post(admin, f"/admin/insiden/{view.id}/coba-lagi")
    assert response.status_code == 302
    assert "Dicoba lagi" in text(admin.get(response.location))
    assert site.view(view.id).summary.status == "running"


def test_the_outbox_shows_the_mail_written(site: Site) -> None:
    site.at_step("2")
    site.run_jobs()
    page = text(site.client("admin").get("/admin/surat"))
    assert "Tugas baru" in page and "staf@uji.go.id" in page and "/tugas/" in page
