"""Shared fixtures: the Flask app on a migrated SQLite file with the real processes/
deployed, a user per role, a signed-in client, and the throw-away PostgreSQL cluster.

In CI (``CI=true``) a missing PostgreSQL is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from engine import migrate, passwords, users
from engine.db import make_engine, make_sessionmaker
from tests.support import postgres
from webui import create_app
from webui.extensions import db, engine

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "kata-sandi-uji"
CHEAP_HASHING = "t=1,m=8,p=1"  # argon2id at its cheapest: tests sign in often
passwords.configure(CHEAP_HASHING)  # engine-only tests create users without an app
ROLE_USERS = {
    "pemohon": ["pemohon"],
    "pemohon2": ["pemohon"],
    "staf": ["staf_iidc"],
    "subkoor": ["subkoor_iidc"],
    "auditor": ["auditor"],
    "admin": ["admin"],
}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    bindir = postgres.find_bindir()
    if bindir is None:
        if IN_CI:
            pytest.fail("PostgreSQL binaries not found; CI must test PostgreSQL for real")
        pytest.skip("PostgreSQL binaries not found")
    with postgres.cluster(bindir) as url:
        yield url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """An empty, migrated schema per test on the session's cluster."""
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    migrate.upgrade(url)
    return url


def make_app(url: str, tmp_path: Path, **extra: Any) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": "uji",
        "WORKER": "off",
        "CONFERENCE_PLATFORMS": "jitsi",
        "JITSI_DOMAIN": "meet.example.id",
        "PASSWORD_HASHING": CHEAP_HASHING,
        **extra,
    }
    app = create_app(config)
    with app.app_context():
        session = db.session
        engine().deploy_dir(session, actor="test", now=now())
        for name, roles in ROLE_USERS.items():
            users.add_user(
                session,
                name,
                roles=roles,
                now=now(),
                password=PASSWORD,
                display_name=name.title(),
                email=f"{name}@uji.go.id",
            )
        session.commit()
    return app


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(sqlite_url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/masuk") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/masuk",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    def _login(username: str) -> FlaskClient:
        login(client, username)
        return client

    return _login


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[Any]:
    """A sessionmaker on the test database, for engine-level tests without Flask."""
    eng = make_engine(sqlite_url)
    yield make_sessionmaker(eng)
    eng.dispose()
