"""Engine-level fixtures: the facade on a migrated SQLite file (or PostgreSQL), a settable
clock and a scripted conference connector."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import workflow_cache
from engine.db import make_engine, make_sessionmaker
from engine.facade import Alur
from tests.support.journey import Clock, FakeConference, Journey, People, make_alur, seed


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Every engine test runs on the embedded SQLite file and on a real PostgreSQL."""
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def conference() -> FakeConference:
    return FakeConference()


@pytest.fixture
def alur(conference: FakeConference) -> Alur:
    return make_alur(conference)


@pytest.fixture
def people(sessions: sessionmaker[Session], alur: Alur, clock: Clock) -> People:
    return seed(sessions, alur, clock)


@pytest.fixture
def journey(
    sessions: sessionmaker[Session], alur: Alur, clock: Clock, people: People
) -> Callable[[], Journey]:
    return lambda: Journey(sessions, alur, clock, people)


@pytest.fixture(autouse=True)
def _empty_workflow_cache() -> Iterator[None]:
    """No test finds a workflow another test saved (ids are unique; this keeps it plain)."""
    workflow_cache.clear()
    yield
    workflow_cache.clear()


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the throw-away PostgreSQL cluster alone (races that SQLite's one
    writer cannot have)."""
    engine = make_engine(pg_url)
    yield make_sessionmaker(engine)
    engine.dispose()
