"""The same hand-computed numbers on a real PostgreSQL (percentiles, week of creation in
WIB, the stamped durations on both clocks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine.db import make_engine, make_sessionmaker
from engine.reporting import scope as report_scope
from engine.reporting import stamps
from engine.reporting.per_step import StepNumbers
from engine.reporting.scope import Scope, select_records
from tests.integration.engine.test_lean_indexes import _plans
from tests.integration.reports.seed import S1, seed_known
from tests.integration.reports.test_report_numbers import check_known, report
from tests.support.journey import seed

pytestmark = pytest.mark.postgres


@pytest.fixture
def known(pg_url, alur, clock) -> Iterator[sessionmaker[Session]]:
    """Sessions on PostgreSQL holding the hand-computed requests (``seed_known``)."""
    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)
    people = seed(sessions, alur, clock)
    with sessions.begin() as s:
        seed_known(s, people.pemohon.user_id)
    yield sessions
    engine.dispose()


def test_the_report_on_postgresql(known, alur, monkeypatch) -> None:
    subtracted = report(known, alur)
    check_known(subtracted)
    monkeypatch.setattr(report_scope, "SUBTRACT_UP_TO", -1.0)
    assert report(known, alur) == subtracted
    assert report(known, alur, instansi="Dinas A")["instances"]["total"] == 3
    # Every seeded step lies inside office hours: the same numbers on that clock.
    check_known(report(known, alur, office_hours=stamps.configured()))


@pytest.mark.parametrize(("report_clock", "index"), [(stamps.CALENDAR, "ix_step_duration "),
                                                     (stamps.OFFICE, "ix_step_duration_office ")])
def test_postgresql_reads_the_partial_report_indexes(known, report_clock, index) -> None:
    """The queries name the column each partial index is on, so PostgreSQL proves its
    WHERE too: told to avoid table scans, it walks and sums the report's indexes."""

    def run(s: Session) -> None:
        numbers = StepNumbers.read(s, select_records(s, Scope()), report_clock)
        numbers.distribution(S1, numbers.passes()[S1])

    plans = _plans(known, run)
    assert f"using {index}on step_records" in plans, plans
    assert "Scan on ix_step_by_step" in plans or "using ix_step_by_step" in plans, plans
    assert "Seq Scan on step_records" not in plans, plans
