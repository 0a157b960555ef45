"""Report fixtures: the facade on a migrated SQLite file (and once on PostgreSQL) with the
real process deployed, people, and the hand-computed set of requests from ``seed``."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine.facade import Alur
from tests.integration.reports.seed import seed_known
from tests.support.journey import Clock, FakeConference, People, make_alur, seed


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alur() -> Alur:
    return make_alur(FakeConference())


@pytest.fixture
def people(sessions: sessionmaker[Session], alur: Alur, clock: Clock) -> People:
    return seed(sessions, alur, clock)


@pytest.fixture
def known(sessions: sessionmaker[Session], people: People) -> dict[str, str]:
    with sessions.begin() as s:
        return seed_known(s, people.pemohon.user_id)
