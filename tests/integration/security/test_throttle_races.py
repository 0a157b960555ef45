"""Attack replay: 40 parallel wrong passwords for one username had 15–17 of them checked
on PostgreSQL before the first 429 (the count was read by all before any was recorded).
Counting and recording are now one step per username and address; exactly the limit is
checked, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.models import Event
from tests.conftest import make_app
from tests.integration.web.conftest import Site
from tests.support.api_client import cli_token
from webui.extensions import db

BURST = 40
LIMIT = 5


def burst(site: Site, username: str) -> Counter[int]:
    """``BURST`` wrong passwords for ``username`` at once, each from its own client."""
    clients = [site.app.test_client() for _ in range(BURST)]
    tokens = [site.token(c) for c in clients]
    start = threading.Barrier(BURST)

    def guess(i: int) -> int:
        start.wait()
        response = clients[i].post("/masuk", data={
            "csrf_token": tokens[i], "username": username, "password": f"tebakan-{i}"})
        return response.status_code

    with ThreadPoolExecutor(BURST) as pool:
        return Counter(pool.map(guess, range(BURST)))


def failures_on_record(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Event)
                                     .where(Event.kind == "sign_in_failed")) or 0)


def test_parallel_guesses_on_sqlite_check_exactly_the_limit(site: Site) -> None:
    assert burst(site, "staf") == Counter({401: LIMIT, 429: BURST - LIMIT})
    assert failures_on_record(site.app) == LIMIT


@pytest.fixture
def pg_site(pg_url: str, tmp_path: Path) -> Iterator[Site]:
    app = make_app(pg_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True, "pool_size": 10, "max_overflow": BURST})
    yield Site(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("username", ["staf", "tidak-ada"])
def test_parallel_guesses_on_postgresql_check_exactly_the_limit(
    pg_site: Site, username: str
) -> None:
    assert burst(pg_site, username) == Counter({401: LIMIT, 429: BURST - LIMIT})
    assert failures_on_record(pg_site.app) == LIMIT


@pytest.mark.postgres
def test_parallel_wrong_signatures_on_postgresql_check_exactly_the_limit(pg_site: Site) -> None:
    view = pg_site.at_step("3")
    task = pg_site.ready(view).task_id
    token = cli_token(pg_site.app, "subkoor")
    clients = [pg_site.app.test_client() for _ in range(BURST)]
    start = threading.Barrier(BURST)

    def guess(i: int) -> int:
        start.wait()
        return clients[i].post(f"/api/v1/tasks/{task}/complete",
                               headers={"Authorization": f"Bearer {token}"},
                               json={"data": {"keputusan": "setuju"},
                                     "password": f"tebakan-{i}"}).status_code

    with ThreadPoolExecutor(BURST) as pool:
        statuses = Counter(pool.map(guess, range(BURST)))
    assert statuses == Counter({422: LIMIT, 429: BURST - LIMIT})
    with pg_site.app.app_context():
        recorded = db.session.scalar(select(func.count()).select_from(Event)
                                     .where(Event.kind == "signature_failed"))
    assert recorded == LIMIT
