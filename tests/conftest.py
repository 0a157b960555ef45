"""Shared fixtures: the Flask app on a migrated SQLite file with the real processes/
deployed, a user per role, a signed-in client, and the throw-away PostgreSQL cluster.

Set-up is shared where it can be: each xdist worker migrates one SQLite template file and
one PostgreSQL template database, and builds one app-ready file (processes deployed, the
role users added) once per session; a test gets a copy (a file copy, or
``CREATE DATABASE ... TEMPLATE``). Passwords are hashed at argon2id's cheapest
cost (``ALUR_PASSWORD_HASHING``), here and in every ``alur`` subprocess the tests start.

In CI (``CI=true``) a missing PostgreSQL is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import migrate, passwords, users
from engine.db import make_engine, make_sessionmaker
from engine.reporting import stamps
from engine.reporting.workclock import OfficeHours
from tests.support import postgres
from webui import create_app
from webui.extensions import db, engine

PASSWORD = "kata-sandi-uji"
CHEAP_HASHING = "t=1,m=8,p=1"  # argon2id at its cheapest: tests sign in often
os.environ["ALUR_PASSWORD_HASHING"] = CHEAP_HASHING  # inherited by the `alur` subprocesses
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


@pytest.fixture(autouse=True)
def _default_office_hours() -> None:
    """Each test starts stamping with the default office hours: the setting is one per
    process (``stamps.configure``), and an app made by an earlier test on this worker
    would otherwise leave its own."""
    stamps.configure(OfficeHours.parse(stamps.DEFAULT_OFFICE_HOURS))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres.cluster(postgres.require_bindir()) as url:
        yield url


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[postgres.Cluster]:
    """A cluster of the module's own, migrated, which its tests may stop and start."""
    with postgres.running_cluster(postgres.require_bindir()) as cluster:
        migrate.upgrade(cluster.url)
        yield cluster


@pytest.fixture(scope="session")
def migrated_pg(pg_server: str) -> Iterator[str]:
    """A migrated database on the session's cluster, the template of every ``pg_url``."""
    with postgres.database(pg_server, prefix="tmpl") as url:
        migrate.upgrade(url)
        yield postgres.name_of(url)


@pytest.fixture
def pg_url(pg_server: str, migrated_pg: str) -> Iterator[str]:
    """An empty, migrated database per test, copied from the session's template."""
    with postgres.database(pg_server, template=migrated_pg) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per session (per xdist worker) and copied per test."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    migrate.upgrade(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed on dispose
    return path


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    path = tmp_path / "alur.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


def app_config(url: str, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
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


def make_app(url: str, tmp_path: Path, **extra: Any) -> Flask:
    """The app on ``url`` (a migrated database) with processes/ deployed and the role users."""
    app = create_app(app_config(url, tmp_path, **extra))
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


@pytest.fixture(scope="session")
def ready_sqlite(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make_app``'s database (deployed, role users), made once per session."""
    folder = tmp_path_factory.mktemp("ready")
    path = folder / "ready.db"
    shutil.copyfile(migrated_sqlite, path)
    app = make_app(f"sqlite:///{path}", folder)
    with app.app_context():
        db.engine.dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def app(ready_sqlite: Path, tmp_path: Path) -> Iterator[Flask]:
    path = tmp_path / "alur.db"
    shutil.copyfile(ready_sqlite, path)
    app = create_app(app_config(f"sqlite:///{path}", tmp_path))
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
