"""Attack replay on headers: there was no Content-Security-Policy (and pages carried
inline styles), no HSTS behind HTTPS, no ``Cache-Control: no-store`` on pages and CSVs
with personal data, and no ``nosniff`` on API answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import make_app
from tests.integration.web.conftest import Site, text
from tests.support.api_client import cli_token
from webui.extensions import db

INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)


def assert_secure(response: TestResponse, *, cached: bool = False) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    if not cached:
        assert headers["Cache-Control"] == "no-store"


def test_every_page_of_a_journey_has_the_headers_and_nothing_inline(site: Site) -> None:
    view = site.at_step("5")
    pages = {
        "pemohon": ["/permintaan", f"/permintaan/{view.id}",
                    f"/tugas/{site.ready(view).task_id}"],
        "staf": ["/tugas", f"/permintaan/{view.id}",
                    f"/tugas/{site.ready(view).task_id}"],
        "auditor": ["/laporan", "/permintaan/semua", "/laporan/langkah.csv",
                    "/laporan/ringkasan.csv"],
        "admin": ["/admin", "/admin/pengguna", "/admin/pengguna/staf", "/admin/surat",
                  "/admin/proses", "/admin/insiden"],
    }
    for username, paths in pages.items():
        client = site.client(username)
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            assert_secure(response)
            assert not INLINE.search(text(response)), (path, INLINE.search(text(response)))
    anonymous = site.client()
    for path in ("/masuk", "/tidak-ada"):
        response = anonymous.get(path)
        assert_secure(response)
        assert not INLINE.search(text(response))


def test_the_api_and_its_errors_say_nosniff_and_no_store(site: Site) -> None:
    token = cli_token(site.app, "staf")
    client = site.app.test_client()
    for path, status in (("/api/v1/tasks", 200), ("/api/v1/instances/x", 404)):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status
        assert_secure(response)
    assert_secure(client.get("/api/v1/tasks"))  # 401 too


def test_static_files_may_be_cached(site: Site) -> None:
    with site.client().get("/static/alur.css") as response:
        assert response.status_code == 200
        assert_secure(response, cached=True)
        assert response.headers.get("Cache-Control") != "no-store"


def test_no_hsts_over_plain_http(site: Site) -> None:
    assert "Strict-Transport-Security" not in site.client().get("/masuk").headers


@pytest.fixture
def proxied(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(sqlite_url, tmp_path, TRUSTED_PROXIES=1)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_hsts_when_the_trusted_proxy_says_https(proxied: Flask) -> None:
    client = proxied.test_client()
    secure = client.get("/masuk", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/masuk").headers


def test_an_untrusted_forwarded_proto_gives_no_hsts(site: Site) -> None:
    response = site.client().get("/masuk", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
