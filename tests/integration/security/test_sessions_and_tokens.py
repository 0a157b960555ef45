"""Attack replays on sessions and tokens: a session cookie copied before ``/keluar`` still
worked after it; after an admin reset a password, the old session and API token still
worked; tokens had no expiry and no revocation, and ``last_used_at`` was never set."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import users
from engine.models import ApiToken
from tests.integration.web.conftest import Site, now, text
from tests.support.api_client import cli_token
from webui.cli import main
from webui.extensions import db

COOKIE = "session"


def copy_of(site: Site, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = site.app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/permintaan").status_code == 200


def api_status(app: Flask, token: str) -> int:
    return app.test_client().get("/api/v1/tasks",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_cookie_copied_before_signing_out_stops_working(site: Site) -> None:
    client = site.client("staf")
    thief = copy_of(site, client)
    assert signed_in(thief)
    assert site.post(client, "/keluar").status_code == 302
    assert not signed_in(thief)
    assert not signed_in(client)
    assert signed_in(site.client("staf"))  # signing in again works


def test_a_password_reset_ends_sessions_and_revokes_tokens(site: Site) -> None:
    victim = site.client("pemohon")
    thief = copy_of(site, victim)
    token = cli_token(site.app, "pemohon")
    assert api_status(site.app, token) == 200
    admin = site.client("admin")
    response = site.post(admin, "/admin/pengguna/pemohon/sandi", {"password": "sandi-baru-99"})
    assert response.status_code == 302
    assert not signed_in(thief) and not signed_in(victim)
    assert api_status(site.app, token) == 401
    assert signed_in(admin)  # the admin's own session is untouched
    fresh = site.app.test_client()
    response = site.post(fresh, "/masuk", {"username": "pemohon", "password": "sandi-baru-99"})
    assert response.status_code == 302 and signed_in(fresh)


def test_a_token_expires(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["users", "token", "staf", "--days", "1"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert api_status(app, token) == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row is not None and row.expires_at is not None
        assert timedelta(hours=23) < row.expires_at - now() <= timedelta(days=1)
        row.expires_at = now() - timedelta(seconds=1)
        db.session.commit()
    assert api_status(app, token) == 401


def test_tokens_are_listed_and_revoked_from_the_command_line(app: Flask) -> None:
    runner = app.test_cli_runner()
    first, second = cli_token(app, "staf"), cli_token(app, "staf")
    assert api_status(app, first) == 200  # sets last_used_at
    listing = runner.invoke(main, ["users", "tokens", "staf"])
    assert listing.exit_code == 0
    lines = listing.output.strip().splitlines()
    assert len(lines) == 3 and all("aktif" in line for line in lines[1:])
    assert first not in listing.output and second not in listing.output  # never the secret
    with app.app_context():
        views = users.token_views(db.session, users.get_user(db.session, "staf"))
    ids = [v.token_id for v in views]
    assert sum(v.last_used_at is not None for v in views) == 1
    result = runner.invoke(main, ["users", "revoke", "staf", str(min(ids))])
    assert result.exit_code == 0, result.output
    assert api_status(app, first) == 401 and api_status(app, second) == 200
    assert "dicabut" in runner.invoke(main, ["users", "tokens", "staf"]).output
    again = runner.invoke(main, ["users", "revoke", "staf", str(min(ids))])
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert runner.invoke(main, ["users", "revoke", "staf", "--all"]).exit_code == 0
    assert api_status(app, second) == 401
    assert runner.invoke(main, ["users", "revoke", "staf"]).exit_code != 0  # which one?


def test_the_admin_page_lists_and_revokes_tokens(site: Site) -> None:
    token = cli_token(site.app, "staf")
    admin = site.client("admin")
    page = text(admin.get("/admin/pengguna/staf"))
    assert "Token API" in page and token not in page
    with site.app.app_context():
        (view,) = users.token_views(db.session, users.get_user(db.session, "staf"))
    path = f"/admin/pengguna/staf/token/{view.token_id}/cabut"
    assert path in page
    assert site.post(admin, path).status_code == 302
    assert api_status(site.app, token) == 401
    assert "dicabut" in text(admin.get("/admin/pengguna/staf"))
    assert site.post(admin, path).status_code == 404  # already revoked


def test_last_used_is_noted_through_the_api(app: Flask) -> None:
    token = cli_token(app, "auditor")
    assert api_status(app, token) == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row is not None and row.last_used_at is not None
        assert now() - row.last_used_at < timedelta(minutes=5)
