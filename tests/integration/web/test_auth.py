"""Signing in and out, the language switch, the home redirect, and CSRF on every form."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.integration.web.conftest import Site, text


def test_login_page_has_the_fields_a_person_and_a_script_need(site: Site) -> None:
    page = text(site.client().get("/masuk"))
    for name in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert name in page


def test_a_wrong_password_keeps_the_username_and_says_what_went_wrong(site: Site) -> None:
    client = site.client()
    response = site.post(client, "/masuk", {"username": "staf", "password": "salah-sekali"})
    assert response.status_code == 401
    page = text(response)
    assert "Nama pengguna atau kata sandi salah" in page
    assert 'value="staf"' in page
    assert client.get("/permintaan").status_code == 302  # still signed out


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(site: Site) -> None:
    response = site.post(site.client(), "/masuk", {"username": "siapa", "password": "x"})
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in text(response)


def test_a_disabled_user_cannot_sign_in(site: Site) -> None:
    admin = site.client("admin")
    assert site.post(admin, "/admin/pengguna/staf/aktif", {"active": "0"}).status_code == 302
    response = site.post(site.client(), "/masuk", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize(("username", "target"), [
    ("pemohon", "/permintaan"),
    ("staf", "/tugas"),
    ("subkoor", "/tugas"),
    ("auditor", "/permintaan/semua"),
    ("admin", "/admin"),
])
def test_home_sends_each_role_to_its_work(site: Site, username: str, target: str) -> None:
    response = site.client(username).get("/")
    assert response.status_code == 302
    assert response.location == target


def test_a_mail_link_survives_the_login_page(site: Site) -> None:
    client = site.client()
    response = client.get("/tugas/abc")
    assert response.status_code == 302
    assert response.location.startswith("/masuk?next=")
    page = text(client.get(response.location))
    assert 'name="next" value="/tugas/abc"' in page
    signed_in = site.post(client, "/masuk", {"username": "staf", "password": PASSWORD,
                                             "next": "/tugas/abc"})
    assert signed_in.location == "/tugas/abc"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    response = site.post(site.client(), "/masuk", {"username": "staf", "password": PASSWORD,
                                                   "next": target})
    assert response.status_code == 302
    assert response.location == "/"


def test_logout_ends_the_session(site: Site) -> None:
    client = site.client("pemohon")
    response = site.post(client, "/keluar")
    assert response.status_code == 302
    assert client.get("/permintaan").status_code == 302


def test_the_language_switch_is_remembered_and_returns_to_the_page(site: Site) -> None:
    client = site.client("pemohon")
    response = site.post(client, "/bahasa/en", {"next": "/permintaan"})
    assert response.status_code == 302
    assert response.location == "/permintaan"
    assert '<html lang="en">' in text(client.get("/permintaan"))
    site.post(client, "/bahasa/xx", {"next": "/permintaan"})
    assert '<html lang="en">' in text(client.get("/permintaan"))


@pytest.mark.parametrize("path", ["/masuk", "/keluar", "/bahasa/en", "/permintaan/baru"])
def test_a_post_without_csrf_token_is_refused(site: Site, path: str) -> None:
    client = site.client("pemohon")
    response = client.post(path, data={"username": "pemohon", "password": PASSWORD})
    assert response.status_code == 400
    assert "Sesi formulir kedaluwarsa" in text(response)


def test_a_task_form_without_csrf_token_changes_nothing(site: Site) -> None:
    view = site.start()
    task = site.ready(view).task_id
    client = site.client("pemohon")
    assert client.post(f"/tugas/{task}", data={"nama_pemohon": "x"}).status_code == 400
    assert site.ready(site.view(view.id)).task_id == task
