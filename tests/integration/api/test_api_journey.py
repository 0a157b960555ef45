"""The whole SOP through the JSON API only: start with data, verify, decline with a reason,
revise, verify, sign, the worker creates the Jitsi link, the requester confirms receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import make_app
from tests.support.api_client import ApiJourney, ApiUser, api_users
from tests.support.journey import Clock
from webui.extensions import db

STEP_S = 45.0


def steps_of(instance: dict[str, Any], bpmn_id: str) -> list[dict[str, Any]]:
    return [s for s in instance["steps"] if s["bpmn_id"] == bpmn_id]


def test_a_declined_request_is_revised_signed_linked_and_received(
    app: Flask, api: dict[str, ApiUser], clock: Clock
) -> None:
    journey = ApiJourney(app, api, clock=clock, step_s=STEP_S)
    done = journey.full(declines=1)

    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    assert done["meeting"]["provider"] == "jitsi"
    assert done["meeting"]["join_url"].startswith("https://meet.example.id/")
    assert [s["pass"] for s in steps_of(done, "Task_IsiFPVC")] == [1, 2]
    declined = steps_of(done, "Task_Persetujuan")[0]
    assert declined["completed_by"] == "subkoor"
    assert done["data"]["keputusan"] == "setuju"
    assert done["data"]["keterangan"] == "Jadwal digeser"


def test_each_step_reports_its_duration_against_its_target(
    app: Flask, api: dict[str, ApiUser], clock: Clock
) -> None:
    done = ApiJourney(app, api, clock=clock, step_s=STEP_S).full(declines=1)

    users = {s["bpmn_id"]: s for s in done["steps"] if s["kind"] == "user"}
    assert set(users) == {"Task_IsiFPVC", "Task_Verifikasi", "Task_Persetujuan",
                          "Task_TerimaJadwal"}
    for step in done["steps"]:
        assert step["state"] == "completed", step
        assert step["completed_at"].endswith("+07:00")
        assert step["duration_s"] is not None
    for step in users.values():
        if step["bpmn_id"] != "Task_IsiFPVC":  # step 1 of pass 1 is done at start
            assert step["duration_s"] == STEP_S
        if step["target_s"] is not None:
            assert step["within_target"] is (step["duration_s"] <= step["target_s"])
    link = steps_of(done, "Task_BuatLink")[0]
    assert link["kind"] == "service" and link["state"] == "completed"


def test_the_requester_sees_the_link_before_confirming(app: Flask,
                                                        api: dict[str, ApiUser]) -> None:
    journey = ApiJourney(app, api)
    journey.start()
    journey.verify()
    journey.decide(True)
    waiting = journey.instance()
    assert waiting["meeting"] is None
    assert journey.run_worker() >= 1
    linked = journey.instance()
    assert linked["meeting"]["join_url"]
    assert journey.task_for("pemohon", "Task_TerimaJadwal")
    assert journey.receive()["status"] == "completed"


@pytest.mark.postgres
def test_the_same_journey_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    app = make_app(pg_url, tmp_path)
    try:
        users = api_users(app, ("pemohon", "staf", "subkoor"))
        done = ApiJourney(app, users).full(declines=1)
        assert done["status"] == "completed"
        assert done["meeting"]["join_url"]
        assert [s["pass"] for s in steps_of(done, "Task_IsiFPVC")] == [1, 2]
    finally:
        with app.app_context():
            db.engine.dispose()
