"""Engine-level fixtures: the facade on a migrated SQLite file (or PostgreSQL), a settable
clock and a scripted conference connector."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine.facade import Alur
from tests.support.journey import Clock, FakeConference, Journey, People, make_alur, seed


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
