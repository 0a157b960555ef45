"""An ``alur worker`` killed (SIGKILL) during its commit: Zoom made the meeting, and the
worker is writing the result when it dies. No hook in Alur makes it stop there: the test
holds a lock the write needs (PostgreSQL: the instance row, ``SELECT ... FOR UPDATE``;
SQLite: the database, ``BEGIN IMMEDIATE`` on a second connection), sees the worker wait
for it, kills it, and lets go. Nothing of the dead transaction is kept; a new worker
takes the job once its (one-second) lease has run out, finds the meeting again instead of
making a second one, and the request runs to its end."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from engine.db import make_engine
from engine.models import Event, Instance, Job, StepRecord
from tests.fakes import Recorded, Reply
from tests.fakes.zoom_server import USER_PATH, FakeZoom
from tests.integration.production.conftest import HttpJourney, Layout, add_people, eventually
from tests.integration.production.consistency import Outcome, audit_verifies
from tests.support.live import START_TIMEOUT_S

# A statement of the worker's result transaction waiting for the instance row: the step
# record INSERT (its foreign key needs a share lock of the row) or the instance's UPDATE.
WAITING_WRITER = """SELECT pid, query FROM pg_stat_activity WHERE datname = current_database()
AND wait_event_type = 'Lock'"""


class GatedZoom(FakeZoom):
    """Zoom whose creates, while ``held``, are made at once and answered when let go."""

    def __init__(self) -> None:
        super().__init__()
        self.created, self.gate = threading.Event(), threading.Event()
        self.gate.set()

    def handle(self, request: Recorded) -> Reply:
        reply = super().handle(request)
        if request.method == "POST" and USER_PATH.match(request.path):
            self.created.set()
            self.gate.wait(START_TIMEOUT_S)
        return reply

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


def sockets_to(pid: int, port: int) -> int:
    """How many TCP connections process ``pid`` holds open to ``port`` on loopback."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    peers = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                peers.append(fields[9])
    return len(inodes.intersection(peers))


@contextmanager
def instance_row_locked(database_url: str, instance_id: str) -> Iterator[None]:
    """PostgreSQL: the instance row locked for update, as by a writer that takes its time."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM instances WHERE id = :id FOR UPDATE"),
                     {"id": instance_id})
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


@contextmanager
def database_locked(database_url: str) -> Iterator[None]:
    """SQLite: the write lock held by a second connection (``BEGIN IMMEDIATE``)."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=START_TIMEOUT_S,
                           isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def written(database_url: str, instance_id: str) -> dict[str, Any]:
    """What the worker's commit would change: the instance, the link step, its job."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        (link,) = session.scalars(select(StepRecord).where(
            StepRecord.instance_id == instance_id, StepRecord.kind == "service"))
        (job,) = session.scalars(select(Job).where(Job.instance_id == instance_id,
                                                   Job.kind == "service_task"))
        kinds = set(session.scalars(select(Event.kind).where(Event.instance_id == instance_id)))
        state = {"lock_version": row.lock_version, "step": row.current_step,
                 "link": link.state, "job": (job.status, job.attempts, job.locked_by),
                 "service_completed": "service_completed" in kinds}
    engine.dispose()
    return state


def backends(database_url: str, query: str) -> list[Any]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(query)))
    engine.dispose()
    return rows


def test_a_worker_killed_during_its_commit_leaves_nothing_and_makes_one_meeting(
    any_layout: Layout,
) -> None:
    layout = any_layout
    zoom = GatedZoom()
    with zoom:
        try:
            layout.env.update({f"ALUR_{k}": str(v) for k, v in zoom.config(
                CONFERENCE_PLATFORMS="jitsi,zoom", HTTP_TIMEOUT=60).items()},
                ALUR_JOB_LEASE_S="1")
            url = layout.web(workers=1)
            j = HttpJourney(url, add_people(layout.database_url, {}))
            j.approve(platform="zoom")
            before = written(layout.database_url, j.instance_id)
            assert before["link"] == "ready" and before["job"][0] == "pending"
            doomed = kill_during_commit(layout, zoom, j.instance_id)
            after = written(layout.database_url, j.instance_id)
            assert after == {**before, "job": ("running", 1, after["job"][2])}, after
            assert f":{doomed}:" in after["job"][2]  # still the dead worker's, nothing else

            layout.start("worker")  # takes the job once the lease has run out
            meeting = j.meeting(timeout=START_TIMEOUT_S)
            j.act("pemohon", "Task_TerimaJadwal", {"diterima": True})
        finally:
            zoom.gate.set()
        made = list(zoom.meetings.values())
        creates = zoom.received("POST", "/meetings")
    assert len(made) == 1 and len(creates) == 1  # found again, never made twice
    assert meeting["join_url"] == made[0]["join_url"]
    job = written(layout.database_url, j.instance_id)["job"]
    assert job[:2] == ("done", 2)
    layout.stop()
    assert "Traceback" not in layout.output()
    outcome = Outcome.read(layout.database_url, {j.instance_id})
    outcome.check_ended()
    assert outcome.instances[j.instance_id].status == "completed"
    outcome.check_events()
    outcome.check_claims()
    assert audit_verifies(layout.env)


def kill_during_commit(layout: Layout, zoom: GatedZoom, instance_id: str) -> int:
    """Start a worker, let it make the meeting, kill it while it waits to write the
    result, let go of the lock once it is dead; the dead worker's pid."""
    if layout.on_sqlite:
        zoom.gate.clear()  # the create is made, its answer waits for the lock below
        doomed = layout.start("worker")
        assert zoom.created.wait(START_TIMEOUT_S)
        with database_locked(layout.database_url):
            assert sockets_to(doomed.pid, zoom.port) == 1  # waiting for Zoom's answer
            zoom.gate.set()
            eventually(lambda: sockets_to(doomed.pid, zoom.port) == 0)  # answer read
            layout.kill(doomed)
        return doomed.pid
    with instance_row_locked(layout.database_url, instance_id):
        doomed = layout.start("worker")
        (waiting,) = eventually(lambda: backends(layout.database_url, WAITING_WRITER))
        assert waiting.query.startswith(("INSERT INTO step_records", "UPDATE instances"))
        assert len(zoom.meetings) == 1  # the provider call returned before the write
        layout.kill(doomed)
    # The dead worker's server process finishes its statement, finds its client gone and
    # rolls back: wait until it has.
    eventually(lambda: waiting.pid not in {row.pid for row in backends(
        layout.database_url, "SELECT pid FROM pg_stat_activity")})
    return doomed.pid

