"""Each step record carries its durations from the moment it completes: stamped by the
engine on a real journey, backfilled by migration 0010 to the same values, and restamped
by ``alur report recompute`` when the office hours change."""

from __future__ import annotations

import json
import shutil

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import select, update

from engine import users
from engine.db import make_engine, make_sessionmaker
from engine.migrate import alembic_config
from engine.models import DURATION_COLUMNS, Instance, StepRecord
from engine.reporting import stamps
from engine.reporting.workclock import OfficeHours
from tests.conftest import app_config
from tests.integration.reports.seed import S1, seed_known
from tests.support.journey import Journey, seed
from webui import create_app
from webui.cli import main
from webui.extensions import db


def stamped(sessions) -> dict[str, tuple[float | None, ...]]:
    columns = [getattr(StepRecord, c) for c in DURATION_COLUMNS]
    with sessions() as s:
        rows = s.execute(select(StepRecord.task_id, *columns).where(
            StepRecord.state == "completed")).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_a_journey_stamps_each_step_when_it_completes(sessions, alur, clock, people) -> None:
    journey = Journey(sessions, alur, clock, people)
    journey.start()
    journey.submit()
    with sessions() as s:
        ready = s.scalars(select(StepRecord).where(StepRecord.state == "ready")).all()
    assert [r.duration_s for r in ready] == [None]  # waiting for verification: no duration
    journey.verify()
    journey.decide(True)
    journey.run_worker()  # the link is made by a service task, on the worker
    with sessions() as s:
        done = s.scalars(select(StepRecord).where(StepRecord.state == "completed")).all()
    kinds = {r.kind for r in done}
    assert kinds == {"user", "service"}
    for r in done:  # a Monday morning (WIB): inside office hours both clocks agree
        calendar = (r.completed_at - r.ready_at).total_seconds()
        assert r.duration_s == pytest.approx(calendar) and r.duration_office_s == r.duration_s
        if r.kind == "service":  # never opened: no waiting, no working
            assert r.waiting_s is None and r.working_office_s is None
        else:
            assert r.waiting_s + r.working_s == pytest.approx(r.duration_s)
            assert r.waiting_office_s == r.waiting_s


def test_the_stamps_mark_exactly_the_completed_records(sessions, alur, clock, people) -> None:
    """The report's partial indexes hold the records with ``duration_s`` (or
    ``duration_office_s``) set, and read them as the completed ones: true of a request
    sent back once, one cancelled while waiting, a discarded draft and one still waiting."""
    done, cancelled, draft, waiting = (Journey(sessions, alur, clock, people) for _ in range(4))
    done.full(declines=1)
    for j in (cancelled, waiting):
        j.start()
        j.submit()
    draft.start()
    for j, reason in ((cancelled, "Batal."), (draft, "Salah isi.")):
        with sessions.begin() as s:
            alur.cancel(s, j.instance_id, people.pemohon, clock(), reason=reason)
    with sessions() as s:
        rows = s.execute(select(StepRecord.state, StepRecord.duration_s,
                                StepRecord.duration_office_s)).all()
    assert {state for state, *_ in rows} == {"completed", "cancelled", "ready"}
    for state, calendar, office in rows:
        assert (state == "completed") == (calendar is not None) == (office is not None), rows


def requests_stamped(sessions) -> dict[str, tuple[float | None, ...]]:
    with sessions() as s:
        rows = s.execute(select(Instance.id, Instance.end_to_end_s, Instance.end_to_end_office_s)
                         .where(Instance.status == "completed")).all()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_migrations_backfill_what_the_engine_stamps(database, request, alur, clock) -> None:
    """Down to before 0010 and up again: 0010 stamps the steps, 0016 the requests, both
    with the values the engine stamped when they completed."""
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "pg_url")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        people = seed(sessions, alur, clock)
        with sessions.begin() as s:
            seed_known(s, people.pemohon.user_id)  # stamped as the engine stamps
        steps, requests = stamped(sessions), requests_stamped(sessions)
        assert steps and all(v[0] is not None and v[3] is not None for v in steps.values())
        assert requests and all(None not in v for v in requests.values())
        engine.dispose()
        command.downgrade(alembic_config(url), "0009_worker_beats")
        command.upgrade(alembic_config(url), "head")
        for before, after in ((steps, stamped(sessions)), (requests, requests_stamped(sessions))):
            assert after.keys() == before.keys()
            for key, values in before.items():
                assert after[key] == pytest.approx(values, abs=1e-3), key
    finally:
        engine.dispose()


def test_recompute_restamps_with_the_configured_office_hours(ready_sqlite, tmp_path) -> None:
    path = tmp_path / "alur.db"
    shutil.copyfile(ready_sqlite, path)
    before: Flask = create_app(app_config(f"sqlite:///{path}", tmp_path))
    with before.app_context():  # stamped with the default office hours
        seed_known(db.session, users.get_user(db.session, "pemohon").id)
        db.session.commit()
        db.engine.dispose()
    # The operator adds a holiday and restarts with it.
    app: Flask = create_app(app_config(f"sqlite:///{path}", tmp_path, HOLIDAYS="2026-03-02"))
    runner = app.test_cli_runner()

    def step1(clock: str) -> dict:
        result = runner.invoke(main, ["report", "durations", "--format", "json",
                                      "--clock", clock])
        assert result.exit_code == 0, result.output
        return next(s for s in json.loads(result.output)["steps"] if s["bpmn_id"] == S1)

    try:
        assert step1("office")["mean_s"] == step1("calendar")["mean_s"] == 198.0
        result = runner.invoke(main, ["report", "recompute"])
        assert result.exit_code == 0, result.output
        assert "1 hari libur" in result.output
        assert step1("office")["mean_s"] == 178.0  # request A's 100 s fell on the holiday
        assert step1("calendar")["mean_s"] == 198.0
    finally:
        stamps.configure(OfficeHours.parse(stamps.DEFAULT_OFFICE_HOURS))  # as other tests expect
        with app.app_context():
            db.engine.dispose()


def test_recompute_stamps_a_record_completed_without_its_stamps(
    sessions, alur, clock, people
) -> None:
    """A record completed by a version before 0010 still running after the upgrade has no
    stamps: the report would count it but sum nothing. ``recompute`` fills all six."""
    journey = Journey(sessions, alur, clock, people)
    journey.start()
    journey.submit()
    journey.verify()
    before = stamped(sessions)
    assert len(before) == 2 and all(v[0] is not None for v in before.values())
    with sessions.begin() as s:
        s.execute(update(StepRecord).values(dict.fromkeys(DURATION_COLUMNS)))
    assert all(v == (None,) * 6 for v in stamped(sessions).values())
    with sessions.begin() as s:
        assert alur.recompute_durations(s, stamps.configured()) == 2
    after = stamped(sessions)
    for task_id, values in before.items():
        assert after[task_id] == pytest.approx(values, abs=1e-3), task_id
    with sessions.begin() as s:  # nothing changes the second time
        assert alur.recompute_durations(s, stamps.configured()) == 0
