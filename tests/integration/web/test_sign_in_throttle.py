"""Guessing passwords on the login page: after five failed sign-ins for one username, or
from one address, within fifteen minutes, the page refuses further attempts (HTTP 429, a
plain Indonesian message, ``Retry-After``) without checking them and without telling
whether the username exists; the attempts are on record in the audit log.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine.models import Event
from tests.conftest import PASSWORD, make_app
from tests.integration.web.conftest import Site, text
from webui.extensions import db

REFUSED = "Terlalu banyak percobaan masuk yang gagal."
WRONG = "Nama pengguna atau kata sandi salah"


def sign_in(site: Site, username: str, password: str, address: str = "10.1.2.3") -> TestResponse:
    return site.post(site.client(), "/masuk", {"username": username, "password": password},
                     environ_base={"REMOTE_ADDR": address})


def fail(site: Site, username: str, times: int, address: str = "10.1.2.3") -> None:
    for _ in range(times):
        response = sign_in(site, username, "tebakan-salah", address)
        assert response.status_code == 401, text(response)[:200]


def age_attempts(site: Site, by: timedelta) -> None:
    """Make every recorded sign-in attempt ``by`` older."""
    with site.app.app_context():
        for event in db.session.scalars(select(Event).where(Event.kind.like("sign%"))):
            event.at -= by
        db.session.commit()


@pytest.mark.parametrize("username", ["staf", "tidak-ada"])
def test_the_sixth_attempt_for_a_username_is_refused_even_with_the_right_password(
    site: Site, username: str
) -> None:
    fail(site, username, 5, address="10.0.0.1")
    response = sign_in(site, username, PASSWORD, address="10.0.0.2")  # another address too
    assert response.status_code == 429
    page = text(response)
    assert REFUSED in page and "coba lagi dalam 15 menit" in page
    assert WRONG not in page  # the same answer whether the user exists or not
    assert 'role="alert"' in page and f'value="{username}"' in page
    assert 840 < int(response.headers["Retry-After"]) <= 900
    # Other people sign in as usual.
    assert sign_in(site, "subkoor", PASSWORD, address="10.0.0.3").status_code == 302


def test_an_address_guessing_many_usernames_is_refused(site: Site) -> None:
    for name in ("staf", "subkoor", "admin", "tidak-ada", "auditor"):
        fail(site, name, 1, address="192.0.2.7")
    assert sign_in(site, "pemohon", PASSWORD, address="192.0.2.7").status_code == 429
    assert sign_in(site, "pemohon", PASSWORD, address="192.0.2.8").status_code == 302


def test_attempts_are_considered_again_once_the_failures_are_15_minutes_old(site: Site) -> None:
    fail(site, "staf", 5)
    assert sign_in(site, "staf", PASSWORD).status_code == 429
    age_attempts(site, timedelta(minutes=14))
    response = sign_in(site, "staf", PASSWORD)
    assert response.status_code == 429 and "coba lagi dalam 1 menit" in text(response)
    age_attempts(site, timedelta(minutes=1, seconds=1))
    assert sign_in(site, "staf", PASSWORD).status_code == 302


def test_signing_in_starts_a_usernames_count_again(site: Site) -> None:
    fail(site, "staf", 4, address="10.0.0.1")
    assert sign_in(site, "staf", PASSWORD, address="10.0.0.2").status_code == 302
    fail(site, "staf", 4, address="10.0.0.3")
    assert sign_in(site, "staf", PASSWORD, address="10.0.0.4").status_code == 302


def test_refused_attempts_are_not_checked_and_the_others_are_on_record(site: Site) -> None:
    fail(site, "staf", 5)
    for _ in range(3):
        assert sign_in(site, "staf", PASSWORD).status_code == 429
    assert sign_in(site, "subkoor", PASSWORD, address="10.9.9.9").status_code == 302
    with site.app.app_context():
        rows = db.session.execute(select(Event.kind, Event.actor, Event.remote_addr)
                                  .where(Event.kind.like("sign%")).order_by(Event.seq)).all()
    assert [tuple(r) for r in rows] == [("sign_in_failed", "staf", "10.1.2.3")] * 5 + [
        ("signed_in", "subkoor", "10.9.9.9")]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    sqlite_url: str, tmp_path: Path
) -> None:
    site = Site(make_app(sqlite_url, tmp_path, TRUSTED_PROXIES=1))
    for client_address in ("203.0.113.5", "203.0.113.6"):
        response = site.post(site.client(), "/masuk", {"username": "staf", "password": "x"},
                             headers={"X-Forwarded-For": client_address},
                             environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert response.status_code == 401
    with site.app.app_context():
        seen = db.session.scalars(select(Event.remote_addr).where(Event.kind == "sign_in_failed"))
        assert list(seen) == ["203.0.113.5", "203.0.113.6"]
        db.engine.dispose()


@pytest.mark.postgres
def test_the_count_holds_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    site = Site(make_app(pg_url, tmp_path))
    fail(site, "staf", 4)
    assert sign_in(site, "staf", PASSWORD).status_code == 302  # starts the count again
    fail(site, "staf", 5, address="10.0.0.9")
    refused = sign_in(site, "staf", PASSWORD, address="10.0.0.10")
    assert refused.status_code == 429 and 840 < int(refused.headers["Retry-After"]) <= 900
    with site.app.app_context():
        db.engine.dispose()
