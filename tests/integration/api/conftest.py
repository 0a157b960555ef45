"""API fixtures: a token per role user (from ``alur users token``), a request already at
step 2, and a clock the test can move that the API's views also read."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import ROLE_USERS, now
from tests.support.api_client import ApiJourney, ApiUser, Started, api_users
from tests.support.journey import Clock

API_MODULES = ("webui.api.instances", "webui.api.tasks", "webui.api.processes")


@pytest.fixture
def api(app: Flask) -> dict[str, ApiUser]:
    return api_users(app, tuple(ROLE_USERS))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Real time at the start, then only what the test adds."""
    fixed = Clock(now())
    for module in API_MODULES:
        monkeypatch.setattr(f"{module}.utcnow", fixed)
    return fixed


@pytest.fixture
def started(app: Flask, api: dict[str, ApiUser]) -> Started:
    journey = ApiJourney(app, api)
    journey.start()
    return Started(journey.instance_id, journey.task_for("staf", "Task_Verifikasi"))
