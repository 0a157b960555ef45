"""The FPVC on the request page (requester and staff, nobody else), the public
verification page with its upload check, and the certificate set by configuration."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask

from connectors.signing import SigningConfigError
from tests.conftest import make_app
from tests.integration.web.conftest import Site, text
from tests.support.certs import P12_PASSWORD, make_pki
from tests.support.documents import pdf_text
from webui.extensions import db, engine

_LINK = re.compile(r'href="(/permintaan/[0-9a-f]+/dokumen/[0-9a-f]+)"')


def _document(site: Site, instance_id: str) -> tuple[str, bytes, str]:
    """The document's link on the request page, its bytes, and its verification code."""
    client = site.client("pemohon")
    page = text(client.get(f"/permintaan/{instance_id}"))
    [link] = _LINK.findall(page)
    with client.get(link) as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        data = response.data
    code = re.search(r"/verifikasi/([A-Z0-9-]{14})", page)
    assert code, "no verification link on the request page"
    return link, data, code.group(1)


def test_the_requester_and_staff_get_the_fpvc_and_another_requester_gets_404(site: Site) -> None:
    view = site.at_step("5")
    link, data, code = _document(site, view.id)
    assert "DISETUJUI" in pdf_text(data) and code in pdf_text(data)
    for who, status in (("staf", 200), ("auditor", 200), ("admin", 200), ("pemohon2", 404),
                        (None, 302)):  # anonymous: sign in first
        with site.client(who).get(link) as response:
            assert response.status_code == status, who


def test_the_verification_page_shows_only_what_checks_the_document(site: Site) -> None:
    view = site.at_step("5")
    _, data, code = _document(site, view.id)
    response = site.client().get(f"/verifikasi/{code}")
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the code stays here
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert "Disetujui" in page and "Subkoor" in page and code in page
    with site.app.app_context():
        [doc] = engine().documents.of_instance(db.session, view.id, site.actor("admin"))
    assert doc.sha256 in page and doc.number in page
    for private in ("Ani Lestari", "Dinas Pendidikan", "ani@tangerangkota.go.id",
                    "Rapat Koordinasi PPDB", "0812"):
        assert private not in page, private
    assert site.client().get(f"/verifikasi/{code.lower()}").status_code == 200


def test_an_uploaded_copy_matches_and_a_changed_one_does_not(site: Site) -> None:
    view = site.at_step("5")
    _, data, code = _document(site, view.id)
    anyone = site.client()
    same = site.post(anyone, f"/verifikasi/{code}", {"salinan": (BytesIO(data), "fpvc.pdf")},
                     content_type="multipart/form-data")
    assert same.status_code == 200 and "Cocok" in text(same) and "Tidak cocok" not in text(same)
    changed = data.replace(b"DISETUJUI", b"DISETUJUl", 1) if b"DISETUJUI" in data else data + b" "
    other = site.post(anyone, f"/verifikasi/{code}",
                      {"salinan": (BytesIO(changed), "fpvc.pdf")},
                      content_type="multipart/form-data")
    assert other.status_code == 200 and "Tidak cocok" in text(other)
    empty = site.post(anyone, f"/verifikasi/{code}", {}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Pilih berkas PDF" in text(empty)
    forged = anyone.post(f"/verifikasi/{code}", data={"salinan": (BytesIO(data), "fpvc.pdf")},
                         content_type="multipart/form-data")
    assert forged.status_code == 400  # no CSRF token


def test_a_copy_over_the_limit_is_refused_with_a_message(sqlite_url: str, tmp_path: Path) -> None:
    site = Site(make_app(sqlite_url, tmp_path, MAX_VERIFY_BYTES=1024))
    view = site.at_step("5")
    _, data, code = _document(site, view.id)
    big = site.post(site.client(), f"/verifikasi/{code}",
                    {"salinan": (BytesIO(data), "fpvc.pdf")}, content_type="multipart/form-data")
    assert big.status_code == 422 and "Berkas terlalu besar" in text(big)


def test_an_unknown_code_is_404_and_the_code_form_leads_to_the_page(site: Site) -> None:
    anyone = site.client()
    missing = anyone.get("/verifikasi/AAAA-BBBB-CCCC")
    assert missing.status_code == 404 and "tidak dikenal" in text(missing)
    assert anyone.get("/verifikasi/%3Cscript%3E").status_code == 404
    assert anyone.get("/verifikasi").status_code == 200
    jump = anyone.get("/verifikasi?kode=abcd-efgh-jkmn")
    assert jump.status_code == 302 and jump.location.endswith("/verifikasi/abcd-efgh-jkmn")


def test_with_a_certificate_configured_the_fpvc_is_signed(sqlite_url: str, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    app: Flask = make_app(sqlite_url, tmp_path, SIGNING_P12=str(pki.p12),
                          SIGNING_P12_PASSWORD=P12_PASSWORD)
    site = Site(app)
    view = site.at_step("5")
    _, data, code = _document(site, view.id)
    assert b"/ETSI.CAdES.detached" in data
    assert "Ya (PAdES)" in text(site.client().get(f"/verifikasi/{code}"))


def test_a_certificate_that_cannot_be_opened_stops_the_start_up(
    sqlite_url: str, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    with pytest.raises(SigningConfigError):
        make_app(sqlite_url, tmp_path, SIGNING_P12=str(pki.p12), SIGNING_P12_PASSWORD="salah")
