"""A worker killed in the middle of a provider call: it claimed the link job, the provider
did its part, and the result was never written. Once the job's lease has run out another
worker takes it over and the request ends with the meeting the first one made, never a
second one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.bookings import SqlLedger
from engine.facade import Alur
from engine.ports import ServiceCall
from tests.fakes.bbb_server import FakeBbb
from tests.fakes.zoom_server import FakeZoom
from tests.integration.providers.conftest import WORKER, Build
from tests.support.journey import Journey

OPERATION = "conference.create_meeting"
Approved = Callable[..., Journey]


class WorkerKilled(BaseException):
    """The worker process dies here (SIGKILL, power cut): nothing after it runs, and the
    worker's ``except Exception`` cannot catch it."""


class DyingWorker:
    """A worker whose provider call does its work, then the process dies: the job stays
    ``running`` with its ``locked_at``; the instance never learns the result."""

    def __init__(self, alur: Alur) -> None:
        self.made: list[dict[str, Any]] = []
        real = alur.services.connectors[OPERATION]

        def call_then_die(call: ServiceCall) -> dict[str, Any]:
            self.made.append(real(call))
            raise WorkerKilled

        services = replace(alur.services, connectors={OPERATION: call_then_die})
        self.alur = Alur(alur.settings, services)

    def run(self, j: Journey) -> None:
        with pytest.raises(WorkerKilled):
            self.alur.run_jobs(j.sessions, j.clock, worker_id="doomed")


class DiesBeforeTheLedgerLearns(SqlLedger):
    """Zoom answered the create, but the worker died before recording the meeting id."""

    def finish(self, provider: str, instance_id: str, meeting_id: str) -> None:
        raise WorkerKilled


def link_job(sessions: sessionmaker[Session], instance_id: str) -> tuple[str, int, Any, Any]:
    with sessions() as s:
        (job,) = [j for j in store.jobs_of(s, instance_id) if j.kind == "service_task"]
        return job.status, job.attempts, job.locked_by, job.locked_at


def left_running(j: Journey, killed_at: datetime) -> None:
    assert link_job(j.sessions, j.instance_id) == ("running", 1, "doomed", killed_at)
    assert j.view().meeting is None


def resume(j: Journey, alur: Alur, requests_so_far: Callable[[], int]) -> dict[str, Any]:
    """Nothing happens while the lease holds; after it, the link step completes."""
    before = requests_so_far()
    j.clock.advance(WORKER.lease_s - 1)
    alur.run_jobs(j.sessions, j.clock)
    assert requests_so_far() == before
    assert link_job(j.sessions, j.instance_id)[0] == "running"

    j.clock.advance(2)
    alur.run_jobs(j.sessions, j.clock)
    status, attempts, locked_by, _ = link_job(j.sessions, j.instance_id)
    assert (status, attempts, locked_by) == ("done", 2, None)
    j.receive()
    view = j.view(j.people.staf)
    assert view.summary.status == "completed" and view.meeting is not None
    return view.meeting


def test_jitsi_resumes_with_the_same_room(build: Build, approved: Approved) -> None:
    alur = build()
    j = approved(alur, "jitsi")
    doomed = DyingWorker(alur)
    doomed.run(j)
    left_running(j, j.clock())

    meeting = resume(j, alur, lambda: 0)
    (first,) = doomed.made
    assert meeting["meeting_id"] == first["meeting_id"]
    assert meeting["join_url"] == first["join_url"]


def test_bigbluebutton_resumes_with_the_same_meeting(
    build: Build, approved: Approved, bbb: FakeBbb
) -> None:
    alur = build()
    j = approved(alur, "bigbluebutton")
    doomed = DyingWorker(alur)
    doomed.run(j)
    left_running(j, j.clock())
    (first,) = doomed.made
    assert list(bbb.meetings) == [first["meeting_id"]]

    meeting = resume(j, alur, lambda: len(bbb.received("GET", "/create")))
    creates = bbb.received("GET", "/create")
    assert [c.params["meetingID"] for c in creates] == [first["meeting_id"]] * 2
    assert list(bbb.meetings) == [meeting["meeting_id"]] == [first["meeting_id"]]


@pytest.mark.parametrize("dies", ["after the ledger learned", "before the ledger learned"])
def test_zoom_resumes_with_the_meeting_it_made_for_the_request(
    dies: str,
    build: Build,
    approved: Approved,
    zoom: FakeZoom,
    sessions: sessionmaker[Session],
) -> None:
    alur = build()
    j = approved(alur, "zoom")
    early = dies.startswith("before")
    doomed = DyingWorker(build(ledger=DiesBeforeTheLedgerLearns(sessions)) if early else alur)
    doomed.run(j)
    left_running(j, j.clock())
    (made,) = zoom.meetings.values()
    booking = SqlLedger(sessions).booking("zoom", j.instance_id)
    assert booking is not None
    assert booking.meeting_id == (None if early else str(made["id"]))

    def posts() -> int:
        return len(zoom.received("POST", "/meetings"))

    meeting = resume(j, alur, posts)
    assert posts() == 1  # found again, never created twice
    tag = f"[alur:{j.instance_id}]"
    (mine,) = [m for m in zoom.meetings.values() if tag in m["agenda"]]
    assert len(zoom.meetings) == 1
    assert meeting["meeting_id"] == str(mine["id"]) == str(made["id"])
    assert meeting["join_url"] == mine["join_url"] and meeting["passcode"] == mine["password"]
    looked_up = zoom.received("GET", "/meetings")
    if early:  # the host's meetings were searched for the request's marker
        assert any(r.path == "/v2/users/host1@kota.go.id/meetings" for r in looked_up)
    assert looked_up[-1].path == f"/v2/meetings/{made['id']}"
    booking = SqlLedger(sessions).booking("zoom", j.instance_id)
    assert booking is not None and booking.meeting_id == str(made["id"])
