"""The same hand-computed numbers on a real PostgreSQL (percentiles, week of creation in
WIB, the stamped durations on both clocks)."""

from __future__ import annotations

import pytest

from engine.db import make_engine, make_sessionmaker
from engine.reporting import scope as report_scope
from engine.reporting import stamps
from tests.integration.reports.seed import seed_known
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
