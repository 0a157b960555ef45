"""Attack replay: ``next`` may only lead back to a page of this site. Browsers drop TAB,
CR and LF from a ``Location`` and read ``\\`` as ``/``, so ``/\\t/evil.example`` was an
open redirect after signing in, on the language switch and on claim/release; a ``next``
holding CR/LF was a 500 that had already set the session cookie."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.integration.web.conftest import Site, text

HOSTILE = [
    "/\t/evil.example/login",
    "/\n/evil.example/login",
    "/\r/evil.example",
    "\t//evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "/\u00a0/evil.example",
    "/\r\nSet-Cookie: x=1",
    " /evil",
]


def _offsite(location: str) -> bool:
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/").strip()
    return cleaned.startswith("//") or "://" in cleaned or "evil" in cleaned


def test_the_tab_bypass_in_the_login_url_lands_on_the_home_page(site: Site) -> None:
    client = site.client()
    page = text(client.get("/masuk?next=%2F%09%2Fevil.example%2Flogin"))
    assert 'name="next" value="/\t' not in page  # not carried into the sign-in form either
    assert 'name="next" value="/%09' not in page
    response = site.post(client, "/masuk", {"username": "staf", "password": PASSWORD,
                                            "next": "/\t/evil.example/login"})
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_never_sends_anyone_off_site(site: Site, target: str) -> None:
    response = site.post(site.client(), "/masuk", {"username": "staf", "password": PASSWORD,
                                                   "next": target})
    assert response.status_code == 302, text(response)[:300]
    assert not _offsite(response.location), response.location


def test_cr_lf_in_next_is_no_500_and_the_session_is_usable(site: Site) -> None:
    client = site.client()
    response = site.post(client, "/masuk", {"username": "staf", "password": PASSWORD,
                                            "next": "/tugas\r\nSet-Cookie: a=b"})
    assert response.status_code == 302
    assert "\n" not in response.location and "Set-Cookie" not in response.location
    assert client.get("/tugas").status_code == 200


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_sends_anyone_off_site(site: Site, target: str) -> None:
    response = site.post(site.client(), "/bahasa/en", {"next": target})
    assert response.status_code == 302
    assert not _offsite(response.location), response.location


def test_a_local_next_still_works(site: Site) -> None:
    response = site.post(site.client(), "/bahasa/en", {"next": "/masuk?next=/tugas"})
    assert response.location == "/masuk?next=/tugas"


@pytest.mark.parametrize("action", ["ambil", "lepas"])
@pytest.mark.parametrize("target", ["/\t/evil.example/login", "/\\evil.example", "/x\r\ny"])
def test_claim_and_release_never_send_anyone_off_site(
    site: Site, action: str, target: str
) -> None:
    view = site.at_step("2")
    task = site.ready(view).task_id
    staf = site.client("staf")
    response = site.post(staf, f"/tugas/{task}/{action}", {"next": target})
    assert response.status_code == 302
    assert response.location == "/tugas"
