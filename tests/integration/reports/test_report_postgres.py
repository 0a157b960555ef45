"""The same hand-computed numbers on a real PostgreSQL (percentiles, week of creation in
WIB, the stamped durations on both clocks)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.db import make_engine, make_sessionmaker
from engine.reporting import scope as report_scope
from engine.reporting import stamps
from engine.reporting.per_step import StepNumbers
from engine.reporting.scope import Scope, select_records
from tests.integration.engine.test_lean_indexes import _plans
from tests.integration.reports.seed import S1, seed_known
from tests.integration.reports.test_report_numbers import check_known, report
from tests.support.journey import seed


@pytest.mark.postgres
def test_the_report_on_postgresql(pg_url, alur, clock, monkeypatch) -> None:
    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)
    try:
        people = seed(sessions, alur, clock)
        with sessions.begin() as s:
            seed_known(s, people.pemohon.user_id)
        subtracted = report(sessions, alur)
        check_known(subtracted)
        monkeypatch.setattr(report_scope, "SUBTRACT_UP_TO", -1.0)
        assert report(sessions, alur) == subtracted
        assert report(sessions, alur, instansi="Dinas A")["instances"]["total"] == 3
        # Every seeded step lies inside office hours: the same numbers on that clock.
        check_known(report(sessions, alur, office_hours=stamps.configured()))
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(("report_clock", "index"), [(stamps.CALENDAR, "ix_step_duration "),
                                                     (stamps.OFFICE, "ix_step_duration_office ")])
def test_postgresql_reads_the_partial_report_indexes(pg_url, alur, clock, report_clock,
                                                     index) -> None:
    """The queries name the column each partial index is on, so PostgreSQL proves its
    WHERE too: told to avoid table scans, it walks and sums the report's indexes."""
    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)
    try:
        people = seed(sessions, alur, clock)
        with sessions.begin() as s:
            seed_known(s, people.pemohon.user_id)

        def run(s: Session) -> None:
            numbers = StepNumbers.read(s, select_records(s, Scope()), report_clock)
            numbers.distribution(S1, numbers.passes()[S1])

        plans = _plans(sessions, run)
        assert f"using {index}on step_records" in plans, plans
        assert "Scan on ix_step_by_step" in plans or "using ix_step_by_step" in plans, plans
        assert "Seq Scan on step_records" not in plans, plans
    finally:
        engine.dispose()
