"""The README's production layout, run for real: gunicorn with two web processes and an
``alur worker`` process on PostgreSQL. A request goes through the SOP over HTTP, the
worker makes its link, readiness follows the worker, and every answer is logged as one
JSON line with the id sent back to the client. Then a worker is killed with SIGKILL in the
middle of a provider call: its job is taken over within seconds (the lease, renewed while
the first worker was alive, runs out) and the provider ends up with one meeting."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.fakes.zoom_server import FakeZoom
from tests.integration.production.conftest import HttpJourney, Layout, eventually

pytestmark = pytest.mark.postgres


def ready(url: str) -> bool:
    return requests.get(f"{url}/readyz", timeout=30).status_code == 200


def test_gunicorn_and_a_worker_serve_a_whole_request(
    layout: Layout, journey: Callable[[str], HttpJourney]
) -> None:
    url = layout.serve(workers=2)
    assert not ready(url)  # no worker yet
    layout.start("worker")
    eventually(lambda: ready(url))
    j = journey(url)
    j.approve()
    assert j.meeting()["join_url"].startswith("https://meet.uji.id/")
    j.act("pemohon", "Task_TerimaJadwal", {"diterima": True})
    assert j.call("pemohon", "GET", f"/instances/{j.instance_id}")["status"] == "completed"
    layout.stop()
    lines = [json.loads(line) for line in layout.output().splitlines()
             if line.startswith('{"at"')]
    assert {line["path"] for line in lines} >= {"/api/v1/instances", "/readyz", "/healthz"}
    assert all(line["status"] < 500 for line in lines if line["path"] != "/readyz")
    assert "Traceback" not in layout.output()
    assert "Worker berhenti" in layout.output()  # SIGTERM: a clean stop


def job_holder(db_url: str) -> str | None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, locked_by FROM jobs "
                                "WHERE kind = 'service_task'")).first()
    engine.dispose()
    return None if row is None else f"{row.status}:{row.locked_by}"


def test_a_killed_workers_job_is_taken_over_within_seconds(
    layout: Layout, journey: Callable[[str], HttpJourney]
) -> None:
    with FakeZoom() as zoom:
        zoom_env = {f"ALUR_{k}": str(v) for k, v in
                    zoom.config(CONFERENCE_PLATFORMS="jitsi,zoom", HTTP_TIMEOUT=60).items()}
        layout.env.update(zoom_env, ALUR_JOB_LEASE_S="1")
        url = layout.serve(workers=1)
        j = journey(url)
        zoom.answer_create_late(6)  # made at once, answered after 6 s: the worker hangs
        j.approve(platform="zoom")
        doomed = layout.start("worker")
        holder = eventually(lambda: (h := job_holder(layout.env["ALUR_DATABASE_URL"]))
                            and h.startswith("running:") and h)
        layout.start("worker")  # a second worker, free
        time.sleep(3)  # three leases: renewed all along, the job stays with the first worker
        assert job_holder(layout.env["ALUR_DATABASE_URL"]) == holder
        doomed.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        meeting = j.meeting(timeout=120)
        taken_over_in = time.monotonic() - killed_at
        made = [m for host in zoom.hosts for m in zoom.meetings_of(host)]
    assert len(made) == 1 and meeting["join_url"] == made[0]["join_url"]  # no second meeting
    assert taken_over_in < 20  # lease 1 s + polling; the default lease (30 s) would not pass
    assert "Traceback" not in layout.output()
