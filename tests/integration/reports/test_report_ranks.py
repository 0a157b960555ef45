"""The report's per-step counts, percentiles, longest and histogram equal a brute-force
computation over the stored rows, on a few hundred requests with many equal durations,
whether it subtracts the left-out requests from index walks ("all") or reads the kept
ones and ranks them in Python ("keep"), on both clocks. The hand-computed set in ``seed``
has too few records per step for the walks to go far from either end."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.facade import Alur
from engine.models import Instance, StepRecord
from engine.reporting import ranking, stamps
from engine.reporting import scope as report_scope
from engine.reporting.model import secs
from engine.reporting.per_step import BIN_FACTORS, EPSILON_S, MEDIAN, P90
from engine.store import PRIVATE_STATUSES
from tests.integration.reports.seed import LINK, RECEIVE, S1, S2, S3, T0, Step, add_instance
from tests.support.journey import People

UNITS = ("Dinas A", "Dinas B", "Dinas C", "Dinas D")


def seed_many(session: Session, requester_id: int, n: int = 240) -> None:
    """Requests every 3 hours (over office hours and nights), whole-minute waits and
    works drawn from a few values (many ties), some sent back, cancelled or running."""
    rng = random.Random(18)
    version_id = store.active_version(session).id
    for i in range(n):
        passes = rng.choices((1, 2, 3), (80, 15, 5))[0]
        steps = [Step(b, p, rng.randrange(0, 40) * 60, rng.randrange(1, 8) * 60)
                 for p in range(1, passes + 1) for b in (S1, S2, S3)]
        roll = rng.random()
        status = "cancelled" if roll < 0.06 else "running" if roll < 0.1 else "completed"
        if status == "completed":
            steps += [Step(LINK, passes, None, rng.randrange(1, 9)),
                      Step(RECEIVE, passes, rng.randrange(0, 300) * 60, 30)]
        else:
            last = steps[-1]
            steps[-1] = Step(last.bpmn_id, last.pass_no, last.wait, last.work,
                             "cancelled" if status == "cancelled" else "ready")
        add_instance(session, version_id=version_id, requester_id=requester_id,
                     created=T0 + timedelta(hours=3 * i), status=status,
                     instansi=rng.choice(UNITS), steps=steps)


def brute(session: Session, duration: Any, instansi: str | None) -> dict[str, list[float]]:
    """Each step's durations of the completed records of the requests in scope, sorted."""
    rows = session.execute(
        select(StepRecord.bpmn_id, duration).join(Instance, Instance.id == StepRecord.instance_id)
        .where(StepRecord.state == "completed",
               Instance.status.not_in(("cancelled", *PRIVATE_STATUSES)),
               *([Instance.instansi == instansi] if instansi else [])))
    out: dict[str, list[float]] = {}
    for bpmn_id, value in rows:
        out.setdefault(bpmn_id, []).append(float(value))
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("mode_share", [-1.0, 2.0], ids=["keep", "all"])
@pytest.mark.parametrize("report_clock", [stamps.CALENDAR, stamps.OFFICE], ids=lambda c: c.name)
@pytest.mark.parametrize("instansi", [None, "Dinas B"])
def test_every_rank_and_bin_matches_the_rows(sessions: sessionmaker[Session], alur: Alur,
                                             people: People, monkeypatch, mode_share, report_clock,
                                             instansi) -> None:
    with sessions.begin() as s:
        seed_many(s, people.pemohon.user_id)
    monkeypatch.setattr(report_scope, "SUBTRACT_UP_TO", mode_share)
    hours = stamps.configured() if report_clock is stamps.OFFICE else None
    with sessions() as s:
        expected = brute(s, report_clock.duration, instansi)
        report = alur.durations(s, instansi=instansi, office_hours=hours)
    got = {step.bpmn_id: step for step in report.steps if step.count}
    assert set(got) == set(expected)
    assert sum(len(v) for v in expected.values()) > (500 if instansi is None else 200)
    for bpmn_id, values in expected.items():
        d, step = got[bpmn_id].durations, got[bpmn_id]
        assert (d.count, d.median_s, d.p90_s, d.max_s) == (
            len(values), secs(ranking.percentile(values, MEDIAN)),
            secs(ranking.percentile(values, P90)), values[-1]), bpmn_id
        unit = float(step.target_s) if step.target_s else (d.median_s or 0.0)
        bounds = [unit * f for f in BIN_FACTORS]
        upto = [bisect_right(values, b + EPSILON_S) for b in bounds]
        counts = [b - a for a, b in zip([0, *upto], [*upto, len(values)], strict=True)]
        if unit <= 0:  # no target and a median of 0 (a service step, outside office hours)
            counts = []
        assert [b.count for b in step.histogram] == counts, bpmn_id
