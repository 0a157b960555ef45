"""Attack replays on accounts: usernames such as ``tata/usaha`` and ``..`` were accepted
and could sign in, but their admin pages were 404 so nobody could disable them; a
disabled user's sign-in answered in 16 ms against 85 ms for others (no hash computed),
telling an attacker which accounts exist but are disabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine import users
from tests.conftest import PASSWORD, now
from tests.integration.web.conftest import Site, text
from webui.cli import main
from webui.extensions import db

BAD_NAMES = ["tata/usaha", "..", "a..b", ".hidden", "Budi", "budi santoso", "a", "x" * 65,
             "bu\ndi", "üser", "a%2Fb", "-x", "tab\tname"]
GOOD_NAMES = ["budi", "budi.santoso", "staf_2", "tata-usaha", "19870101"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_admin_form_refuses_an_unmanageable_username(site: Site, name: str) -> None:
    admin = site.client("admin")
    response = site.post(admin, "/admin/pengguna", {
        "username": name, "display_name": "Uji", "password": PASSWORD, "roles": "pemohon"})
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert "Nama pengguna" in text(response)
    with site.app.app_context():
        assert name.strip() not in {u.username for u in users.list_users(db.session)}


@pytest.mark.parametrize("name", ["tata/usaha", "..", "Budi Santoso"])
def test_the_cli_refuses_an_unmanageable_username(app: Flask, name: str) -> None:
    result = app.test_cli_runner().invoke(main, ["users", "add", name, "--role", "pemohon"])
    assert result.exit_code == 1
    assert "Nama pengguna 2–64 karakter" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_ordinary_usernames_are_created_and_have_an_admin_page(site: Site, name: str) -> None:
    admin = site.client("admin")
    response = site.post(admin, "/admin/pengguna", {
        "username": name, "display_name": "Uji", "password": PASSWORD, "roles": "pemohon"})
    assert response.status_code == 302, text(response)[:400]
    assert admin.get(f"/admin/pengguna/{name}").status_code == 200


def test_the_engine_applies_the_same_rule(app: Flask) -> None:
    with app.app_context(), pytest.raises(users.InvalidUser):
        users.add_user(db.session, "tata/usaha", roles=["pemohon"], now=now())
    assert users.check_username("tata-usaha") == "tata-usaha"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash verified (the real function still runs)."""
    seen: list[str] = []
    real: Callable[..., Any] = users.verify_password

    def counted(stored: str, password: str) -> bool:
        seen.append(stored)
        return bool(real(stored, password))

    monkeypatch.setattr(users, "verify_password", counted)
    return seen


def test_a_disabled_user_costs_a_hash_like_everyone_else(site: Site, hashes: list[str]) -> None:
    admin = site.client("admin")
    assert site.post(admin, "/admin/pengguna/staf/aktif", {"active": "0"}).status_code == 302
    hashes.clear()
    for name, password in [("staf", PASSWORD), ("staf", "salah"), ("tidak-ada", "salah"),
                           ("subkoor", "salah")]:
        response = site.post(site.client(), "/masuk", {"username": name, "password": password})
        assert response.status_code == 401
    assert len(hashes) == 4  # one hash per attempt, whoever the name belongs to
