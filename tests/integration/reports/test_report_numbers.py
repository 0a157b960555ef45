"""The durations report's numbers equal hand-computed values on requests with known
timestamps: loops, a cancelled request, a running one, steps without a target, filters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine.facade import Alur
from engine.reporting import scope as report_scope
from tests.integration.reports.seed import (
    EXPECTED,
    EXPECTED_E2E,
    EXPECTED_INSTANCES,
    EXPECTED_PASSES,
    EXPECTED_TOTAL,
    EXPECTED_WEEKS,
    S1,
    S2,
    S3,
    T0,
)


def report(sessions: sessionmaker[Session], alur: Alur, **filters: Any) -> dict[str, Any]:
    with sessions() as s:
        return alur.durations(s, **filters).as_dict()


def by_step(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["bpmn_id"]: s for s in result["steps"]}


def check_known(result: dict[str, Any]) -> None:
    steps = by_step(result)
    for bpmn_id, expected in EXPECTED.items():
        got = {k: steps[bpmn_id][k] for k in expected}
        assert got == pytest.approx(expected), bpmn_id
    assert {k: result["total"][k] for k in EXPECTED_TOTAL} == pytest.approx(EXPECTED_TOTAL)
    assert result["end_to_end"] == pytest.approx(EXPECTED_E2E)
    assert result["instances"] == EXPECTED_INSTANCES
    assert result["loop_rate"] == pytest.approx(0.2)
    assert result["mean_passes"] == pytest.approx(1.2)
    for bpmn_id, passes in EXPECTED_PASSES.items():
        got = [(p["pass"], p["count"], p["mean_s"], p["within_target_pct"])
               for p in steps[bpmn_id]["passes"]]
        assert got == passes, bpmn_id
    assert result["weeks"] == EXPECTED_WEEKS


def test_every_number_matches_the_hand_computed_values(sessions, alur, known) -> None:
    result = report(sessions, alur)
    check_known(result)
    assert result["target_s"] == 420 and result["clock"] == "calendar"
    assert [s["bpmn_id"] for s in result["steps"]][:3] == [S1, S2, S3]


def test_reading_only_the_kept_requests_gives_the_same_numbers(sessions, alur, known,
                                                                monkeypatch) -> None:
    """The report subtracts the few left-out requests; reading the kept ones directly (what
    it does for narrow filters) must agree."""
    subtracted = report(sessions, alur)
    monkeypatch.setattr(report_scope, "SUBTRACT_UP_TO", -1.0)
    assert report(sessions, alur) == subtracted


def test_a_cancelled_request_is_counted_but_left_out_of_the_times(sessions, alur,
                                                                   known) -> None:
    result = report(sessions, alur)
    assert result["instances"]["cancelled"] == 1
    # C's first step took 50 s: were it counted, step 1 would have six records.
    assert by_step(result)[S1]["count"] == 5


def test_steps_without_a_target_show_no_share(sessions, alur, known) -> None:
    for step in report(sessions, alur)["steps"]:
        if step["target_s"] is None:
            assert step["within_target_pct"] is None
            assert all(p["within_target_pct"] is None for p in step["passes"])


def test_the_histogram_counts_durations_between_multiples_of_the_target(sessions, alur,
                                                                        known) -> None:
    bins = by_step(report(sessions, alur))[S1]["histogram"]
    assert [b["upper_s"] for b in bins] == [90, 180, 270, 360, 540, 900, None]
    assert [b["count"] for b in bins] == [0, 3, 1, 0, 1, 0, 0]


def test_filter_by_instansi(sessions, alur, known) -> None:
    result = report(sessions, alur, instansi="Dinas A")  # A, C (cancelled), E
    assert result["instances"] == {"total": 3, "completed": 2, "running": 0, "cancelled": 1,
                                   "incident": 0}
    s1 = by_step(result)[S1]
    assert (s1["count"], s1["median_s"], s1["max_s"]) == (2, 250.0, 400.0)
    assert result["total"]["median_s"] == pytest.approx(385.0)
    assert result["end_to_end"] == pytest.approx({"count": 2, "median_s": 567.5, "p90_s": 597.5,
                                                  "max_s": 605.0, "mean_s": 567.5})
    assert result["loop_rate"] == 0


def test_filter_by_period_uses_wib_dates(sessions, alur, known) -> None:
    # Created on 2 and 3 March (WIB): A and B only; to/from are inclusive.
    day = T0.date()
    result = report(sessions, alur, date_from=day, date_to=day + timedelta(days=1))
    assert result["instances"]["total"] == 2
    assert by_step(result)[S2]["count"] == 3  # A, B pass 1, B pass 2
    assert report(sessions, alur, date_from=date(2026, 3, 10))["instances"]["total"] == 1


def test_filter_by_version(sessions, alur, known) -> None:
    assert report(sessions, alur, version=1)["instances"]["total"] == 5
    empty = report(sessions, alur, version=99)
    assert empty["instances"]["total"] == 0
    assert all(s["count"] == 0 and s["median_s"] is None for s in empty["steps"])


def test_an_empty_database_gives_an_empty_report(sessions, alur, people) -> None:
    result = report(sessions, alur)
    assert result["instances"]["total"] == 0 and result["loop_rate"] is None
    assert result["total"]["count"] == 0 and result["weeks"] == []
