"""The whole SOP through the worker with the real connectors: the registry built from
configuration that points at the fake Zoom and BigBlueButton servers (real HTTP on
127.0.0.1), the booking ledger in the database, the real BPMN, SQLite and PostgreSQL.

Each database kind is migrated and seeded (process deployed, one user per lane) once per
session into a template; every test gets its own copy (a file copy, or PostgreSQL's
``CREATE DATABASE ... TEMPLATE``), which keeps the module fast.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from connectors.invite import build_invite
from connectors.registry import build_registry
from engine import migrate
from engine.bookings import SqlLedger
from engine.db import make_engine, make_sessionmaker
from engine.documents.config import DocumentSettings
from engine.facade import Alur, EngineSettings
from engine.outbox import Services, WorkerSettings
from engine.ports import BookingLedger, MailTransport
from tests.fakes.bbb_server import FakeBbb
from tests.fakes.zoom_server import FakeZoom
from tests.support import postgres
from tests.support.journey import (
    PROCESSES,
    Clock,
    FakeConference,
    Journey,
    People,
    make_alur,
    seed,
)

JITSI_DOMAIN = "meet.uji.go.id"
WORKER = WorkerSettings(max_attempts=3, backoff_base_s=1.0, lease_s=120.0)

Seeded = tuple[str, People]  # a template database URL (or file) and its people
Build = Callable[..., Alur]


def _seed(url: str) -> People:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        return seed(make_sessionmaker(engine), make_alur(FakeConference()), Clock())
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("providers") / "template.db"
    people = _seed(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed on dispose
    return str(path), people


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[Seeded]:
    with postgres.database(pg_server, prefix="tmpl") as url:
        yield postgres.name_of(url), _seed(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, People]]:
    """A seeded database of its own for the test: (URL, people)."""
    if request.param == "sqlite":
        template, people = request.getfixturevalue("sqlite_template")
        path = tmp_path / "alur.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}", people
        return
    template, people = request.getfixturevalue("pg_template")
    with postgres.database(request.getfixturevalue("pg_server"), template) as url:
        yield url, people


@pytest.fixture
def sessions(database: tuple[str, People]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database[0])
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def people(database: tuple[str, People]) -> People:
    return database[1]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom() as server:
        yield server
    assert not server.errors


@pytest.fixture
def bbb() -> Iterator[FakeBbb]:
    with FakeBbb() as server:
        yield server
    assert not server.errors


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def config(zoom: FakeZoom, bbb: FakeBbb) -> dict[str, Any]:
    """Alur's connector configuration, every provider offered, pointing at the fakes."""
    return {
        **zoom.config(),
        **bbb.config(),
        "CONFERENCE_PLATFORMS": "jitsi,zoom,bigbluebutton",
        "JITSI_DOMAIN": JITSI_DOMAIN,
        "SECRET_KEY": "kunci-ruang-uji",
        "HTTP_TIMEOUT": 30,
    }


@pytest.fixture
def build(
    sessions: sessionmaker[Session],
    config: dict[str, Any],
    http: requests.Session,
    clock: Clock,
) -> Build:
    """``build(mail=None, worker=WORKER, ledger=None, **config_overrides)``: the facade
    as ``webui.wiring`` makes it, with the real registry, the SQL booking ledger and the
    invite factory."""

    def make(
        *,
        mail: MailTransport | None = None,
        worker: WorkerSettings = WORKER,
        ledger: BookingLedger | None = None,
        documents: DocumentSettings | None = None,
        **overrides: Any,
    ) -> Alur:
        connectors = build_registry(
            {**config, **overrides}, ledger=ledger or SqlLedger(sessions), http=http, clock=clock
        )
        services = Services(connectors=connectors, mail=mail, invite=build_invite, settings=worker,
                            documents=documents)
        settings = EngineSettings(PROCESSES, max_passes=worker.max_passes, worker=worker)
        return Alur(settings, services)

    return make


@pytest.fixture
def journey(
    sessions: sessionmaker[Session], clock: Clock, people: People
) -> Callable[[Alur], Journey]:
    return lambda alur: Journey(sessions, alur, clock, people)


@pytest.fixture
def approved(journey: Callable[[Alur], Journey]) -> Callable[..., Journey]:
    """``approved(alur, platform)``: a request filled in, verified and signed, its link
    job waiting for the worker."""

    def make(alur: Alur, platform: str, **fpvc: Any) -> Journey:
        j = journey(alur)
        j.start()
        j.submit(platform=platform, **fpvc)
        j.verify()
        j.decide(True)
        return j

    return make
