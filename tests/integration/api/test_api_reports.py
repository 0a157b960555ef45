"""The durations report through the API: auditors and the process owner read it; the
numbers are the steps' ready → completed times; bad filters are 400."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.api_client import ApiJourney, ApiUser
from tests.support.journey import FPVC, Clock

STEP_S = 50.0


def test_only_auditors_and_the_process_owner_read_it(api: dict[str, ApiUser]) -> None:
    got = {name: user.get("/reports/durations").status_code for name, user in api.items()}
    assert got == {"pemohon": 403, "pemohon2": 403, "staf": 403, "subkoor": 403,
                   "auditor": 200, "admin": 200}


def test_the_report_holds_the_durations_of_finished_journeys(
    app: Flask, api: dict[str, ApiUser], clock: Clock
) -> None:
    for _ in range(2):
        ApiJourney(app, api, clock=clock, step_s=STEP_S).full(declines=1)
    report = api["auditor"].ok("get", "/reports/durations")
    assert report["target_s"] == 420
    steps = {s["bpmn_id"]: s for s in report["steps"]}
    verify = steps["Task_Verifikasi"]
    assert verify["count"] == 4 and verify["median_s"] == STEP_S and verify["max_s"] == STEP_S
    assert verify["within_target_pct"] == 100.0
    assert report["loop_rate"] is not None and report["loop_rate"] > 0
    assert {"count", "median_s", "p90_s", "max_s"} <= set(report["total"])


def test_filters_narrow_the_report(app: Flask, api: dict[str, ApiUser], clock: Clock) -> None:
    ApiJourney(app, api, clock=clock, step_s=STEP_S).full(declines=0)
    other = api["auditor"].ok("get", "/reports/durations?instansi=Dinas+Lain")
    assert all(s["count"] == 0 for s in other["steps"])
    mine = api["auditor"].ok("get", f"/reports/durations?instansi={FPVC['instansi']}")
    assert any(s["count"] for s in mine["steps"])
    past = api["admin"].ok("get", "/reports/durations?from=2000-01-01&to=2000-01-31")
    assert all(s["count"] == 0 for s in past["steps"])
    assert past["filters"]["from"] == "2000-01-01"


@pytest.mark.parametrize(("query", "field"), [
    ("from=kemarin", "from"), ("to=2026-13-01", "to"), ("from=2026-02-01&to=2026-01-01", "to"),
    ("version=dua", "version"), ("version=-1", "version"), ("instansi=a%00b", "instansi"),
])
def test_bad_filters_are_400(api: dict[str, ApiUser], query: str, field: str) -> None:
    body = api["auditor"].ok("get", f"/reports/durations?{query}", 400)
    assert field in body["fields"]
