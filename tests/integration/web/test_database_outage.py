"""PostgreSQL stopped under traffic, then started again: every answer meanwhile is a 503
with ``Retry-After`` (a plain Indonesian page, or JSON for the API), never a traceback or
Werkzeug's bare 500, although the error page and the session teardown used to need the
database; the worker backs off; and everything works again without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.db import make_engine
from tests.conftest import make_app
from tests.integration.web.conftest import Site, text
from tests.support.api_client import ApiUser, api_users
from tests.support.postgres import Cluster
from webui.extensions import db, engine
from webui.worker import WorkerLoop

pytestmark = pytest.mark.postgres


@pytest.fixture
def outage_app(pg_cluster: Cluster, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(pg_cluster.url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def answers(site: Site, staff: FlaskClient, api: ApiUser) -> list[tuple[int, str, str]]:
    """(status, Retry-After, body) of two pages, a sign-in and an API call."""
    responses = [
        staff.get("/tugas"),
        staff.get("/permintaan/semua"),
        site.app.test_client().post("/masuk", data={"username": "staf", "password": "x"}),
        api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {api.token}"}),
    ]
    return [(r.status_code, r.headers.get("Retry-After", ""), text(r)) for r in responses]


def test_a_stopped_database_is_a_503_and_recovery_needs_no_restart(
    pg_cluster: Cluster, outage_app: Flask
) -> None:
    site = Site(outage_app)
    outage_app.config["WTF_CSRF_ENABLED"] = False  # the sign-in post needs no page first
    staff, api = site.client("staf"), api_users(outage_app, ("staf",))["staf"]
    assert [a[0] for a in answers(site, staff, api)] == [200, 200, 401, 200]
    worker_db = make_engine(pg_cluster.url)
    worker = WorkerLoop(outage_app.extensions["alur"], worker_db, 0.5, "uji")
    probe = site.app.test_client()
    pg_cluster.stop()
    try:
        during = answers(site, staff, api)
        alive, ready = probe.get("/healthz"), probe.get("/readyz")
        waits = [worker.tick(), worker.tick(), worker.tick()]
    finally:
        pg_cluster.start()
    for status, retry_after, body in during:
        assert (status, retry_after) == (503, "5"), body[:300]
        assert "Traceback" not in body and "Internal Server Error" not in body
    assert "tidak dapat menjangkau basis data" in during[0][2]
    assert "Kode permintaan" in during[0][2] and "<html" in during[0][2]
    assert during[3][2].startswith("{") and '"request_id"' in during[3][2]
    assert alive.status_code == 200  # the process itself is fine: no restart wanted
    assert (ready.status_code, ready.headers["Retry-After"]) == (503, "5")
    assert ready.is_json and "request_id" in ready.get_json()
    assert waits == [1.0, 2.0, 4.0]  # the worker backs off instead of spinning
    assert [a[0] for a in answers(site, staff, api)] == [200, 200, 401, 200]
    assert worker.tick() in (0.0, 0.5)  # and carries on by itself
    worker_db.dispose()
    with outage_app.app_context():
        assert engine().inbox(db.session, site.actor("staf")) is not None
