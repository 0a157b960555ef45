"""Attack replay: hostile bytes at the boundaries that are not task form fields (issue 11
§3: never a 5xx). Each test sends what once answered 500 on SQLite, PostgreSQL or both:

- ``halaman=²`` or ``versi=²``: ``"²".isdigit()`` is true, ``int("²")`` raises;
- a NUL in an API path's process id: PostgreSQL raises on it instead of finding nothing;
- a version number beyond an ``INTEGER`` in ``?ke=`` or a migration body: the database's
  overflow; a NUL or a lone surrogate in a migration's instance ids;
- a full name of 201 to 254 characters from the admin form (``varchar(200)`` on
  PostgreSQL); CR/LF or control characters in a full name, an email, a new password;
- ``X-Forwarded-For`` behind a trusted proxy that is no address (``varchar(64)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine import users
from engine.models import Event
from engine.signin import SUCCEEDED
from tests.conftest import PASSWORD, make_app
from tests.integration.web.conftest import Site, text
from tests.support.api_client import ApiUser, api_users
from webui.extensions import db

PID = "permintaan_layanan_video_conference"
HUGE = "99999999999999999999999"
NOT_ASCII_DIGITS = ["%C2%B2", "%D9%A1", "%EF%BC%91"]  # "²", Arabic-Indic one, fullwidth one


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The app on SQLite and on PostgreSQL, each as ``make_app`` leaves it."""
    if request.param == "sqlite":
        yield Site(request.getfixturevalue("app"))
        return
    app: Flask = make_app(request.getfixturevalue("pg_url"), tmp_path)
    yield Site(app)
    with app.app_context():
        db.engine.dispose()


def admin_api(site: Site) -> ApiUser:
    return api_users(site.app, ("admin",))["admin"]


# -- numbers in query strings ----------------------------------------------------------
@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
def test_a_page_number_of_other_digits_shows_the_first_page(site: Site, digit: str) -> None:
    admin = site.client("admin")
    for path in ("/tugas", "/permintaan", "/permintaan/semua", "/admin/surat"):
        assert admin.get(f"{path}?halaman={digit}").status_code == 200, path


@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
def test_a_report_version_of_other_digits_is_refused_by_name(site: Site, digit: str) -> None:
    auditor = site.client("auditor")
    page = auditor.get(f"/laporan?versi={digit}")
    assert page.status_code == 422 and "Versi harus berupa angka" in text(page)
    for csv in ("/laporan/langkah.csv", "/laporan/ringkasan.csv"):
        assert auditor.get(f"{csv}?versi={digit}").status_code == 422, csv
    api = api_users(site.app, ("auditor",))["auditor"]
    body = api.ok("get", f"/reports/durations?version={digit}", 400)
    assert list(body["fields"]) == ["version"]


EDGES = {"dari": "0001-01-01", "sampai": "9999-12-31"}  # date.fromisoformat takes both


def test_a_report_from_the_first_day_to_the_last_is_the_whole_report(both: Site) -> None:
    """Midnight WIB of 0001-01-01 is in year 0 in UTC, the day after 9999-12-31 in year
    10000: Python raised OverflowError (a 500 on the page, the CSVs, the API, a traceback
    from ``alur report``). Such a bound bounds nothing: the report is the unfiltered one."""
    both.at_step("2")  # a submitted request: the report counts it
    api = api_users(both.app, ("auditor",))["auditor"]
    whole = api.ok("get", "/reports/durations")
    assert whole["instances"]["total"] == 1
    edges = api.ok("get", f"/reports/durations?from={EDGES['dari']}&to={EDGES['sampai']}")
    assert edges["filters"] == {"from": EDGES["dari"], "to": EDGES["sampai"],
                                "instansi": None, "version": None}
    assert {**edges, "filters": whole["filters"]} == whole
    auditor = both.client("auditor")
    for name, day in EDGES.items():
        for path in ("/laporan", "/laporan/langkah.csv", "/laporan/ringkasan.csv"):
            assert auditor.get(f"{path}?{name}={day}").status_code == 200, (path, name)


# -- process ids and version numbers (the database is what failed) ---------------------
def test_a_nul_in_an_api_process_id_is_404(both: Site) -> None:
    api = admin_api(both)
    assert api.get("/processes/a%00b/versions/1/files").status_code == 404
    assert api.post("/processes/a%00b/versions/1/activate").status_code == 404
    migration = {"from_version": 1, "to_version": 1, "dry_run": True}
    response = api.post("/processes/a%00b/migrations", json=migration)
    assert response.status_code == 404 and response.get_json()["error"]


def test_a_version_beyond_an_integer_is_refused(both: Site) -> None:
    api = admin_api(both)
    for body in ({"from_version": 1, "to_version": int(HUGE)},
                 {"from_version": int(HUGE), "to_version": 1},
                 {"from_version": -1, "to_version": 2**31}):
        answer = api.ok("post", f"/processes/{PID}/migrations", 400, json=body)
        assert answer["fields"], body
    admin = both.client("admin")
    assert admin.get(f"/admin/proses/{PID}/1/pindah?ke={HUGE}").status_code == 404
    assert both.post(admin, f"/admin/proses/{PID}/1/pindah?ke={HUGE}").status_code == 404
    assert admin.get(f"/admin/proses/{PID}/1/pindah?ke=2147483648").status_code == 404


@pytest.mark.parametrize(("raw", "status"), [("a\\u0000b", 400), ("a\\ud800b", 422)])
def test_hostile_instance_ids_in_a_migration_are_refused(both: Site, raw: str,
                                                         status: int) -> None:
    body = '{"from_version": 1, "to_version": 2, "dry_run": true, "instances": ["ID"]}'
    body = body.replace("ID", raw)  # raw JSON: the test client cannot encode a lone surrogate
    response = admin_api(both).post(f"/processes/{PID}/migrations", data=body,
                                    content_type="application/json")
    assert response.status_code == status and response.get_json()["error"]


# -- the admin's user forms --------------------------------------------------------------
NEW_PERSON = {"username": "budi", "display_name": "Budi Santoso", "email": "budi@uji.go.id",
              "roles": "pemohon", "password": "kata-sandi-budi"}
BAD_PEOPLE: list[tuple[dict[str, Any], str]] = [
    ({"display_name": "x" * 230}, "maksimal 200 karakter"),
    ({"display_name": "Budi\r\nBcc: semua@evil.example"}, "hanya satu baris"),
    ({"display_name": "Budi\x1b[31m"}, "hanya satu baris"),
    ({"email": "budi\x01@uji.go.id"}, "Alamat email tidak valid"),
    ({"password": "kata-sandi\x7fbudi"}, "karakter kendali"),
]


@pytest.mark.parametrize(("change", "message"), BAD_PEOPLE)
def test_a_new_person_with_hostile_text_is_422_with_the_form_kept(
    both: Site, change: dict[str, Any], message: str
) -> None:
    admin = both.client("admin")
    response = both.post(admin, "/admin/pengguna", {**NEW_PERSON, **change})
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="budi"' in text(response)  # what was typed is kept
    with both.app.app_context():
        assert "budi" not in {u.username for u in users.user_views(db.session)}
    assert admin.get("/admin/pengguna").status_code == 200


@pytest.mark.parametrize(("change", "message"), BAD_PEOPLE[:4])
def test_a_profile_with_hostile_text_is_refused_and_kept_as_it_was(
    both: Site, change: dict[str, Any], message: str
) -> None:
    admin = both.client("admin")
    form = {"display_name": "Staf Baru", "email": "staf@uji.go.id", **change}
    response = both.post(admin, "/admin/pengguna/staf/profil", form, follow_redirects=True)
    assert response.status_code == 200 and message in text(response)
    with both.app.app_context():
        staf = users.get_user(db.session, "staf")
        assert (staf.display_name, staf.email) == ("Staf", "staf@uji.go.id")


def test_a_new_password_with_a_control_character_is_refused(both: Site) -> None:
    admin = both.client("admin")
    response = both.post(admin, "/admin/pengguna/staf/sandi", {"password": "sandi\x01baru-1"},
                         follow_redirects=True)
    assert "karakter kendali" in text(response)
    both.client("staf")  # the old password still signs in


# -- the address a trusted proxy forwards ----------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def proxied(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    app = make_app(url, tmp_path, TRUSTED_PROXIES=1)
    yield Site(app)
    with app.app_context():
        db.engine.dispose()


def signed_in_from(site: Site) -> str | None:
    with site.app.app_context():
        address = db.session.scalar(select(Event.remote_addr).where(Event.kind == SUCCEEDED)
                                    .order_by(Event.seq.desc()).limit(1))
        db.session.remove()
        return address


@pytest.mark.parametrize(("forwarded", "recorded"), [
    ("x" * 100, "127.0.0.1"),  # the proxy's own address (the test client's peer)
    ("<script>", "127.0.0.1"),
    ("1.2.3.4, " + "f" * 80, "127.0.0.1"),
    ("unknown", "127.0.0.1"),
    ("198.51.100.7, 203.0.113.9", "203.0.113.9"),  # one proxy: the address it appended
    ("2001:db8::1", "2001:db8::1"),
], ids=["long", "markup", "appended-junk", "unknown", "appended", "ipv6"])
def test_a_forwarded_address_that_is_no_address_records_the_proxy(
    proxied: Site, forwarded: str, recorded: str
) -> None:
    """Never a 500 (``varchar(64)`` on PostgreSQL), and, on SQLite too, never stored."""
    client = proxied.app.test_client()
    response = proxied.post(client, "/masuk", {"username": "pemohon", "password": PASSWORD},
                            headers={"X-Forwarded-For": forwarded})
    assert response.status_code == 302
    assert signed_in_from(proxied) == recorded
