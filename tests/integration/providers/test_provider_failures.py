"""Provider failures through the worker: what is final goes to the staff's manual-link task
with the provider's own words on the failed step; what is temporary waits (at least as
long as ``Retry-After`` asks) and tries again, until the retries are spent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.bookings import SqlLedger
from engine.views import StepView
from tests.fakes.bbb_server import FakeBbb
from tests.fakes.zoom_server import FakeZoom
from tests.integration.providers.conftest import WORKER, Build
from tests.support.journey import Journey

Approved = Callable[..., Journey]


def failed_to_manual(j: Journey) -> StepView:
    """The staff inbox holds the manual-link task; returns the failed link step."""
    assert j.task_for(j.people.staf, "Task_BuatLinkManual")
    view = j.view(j.people.staf)
    assert view.summary.status == "running" and view.meeting is None
    (failed,) = [s for s in view.steps if s.bpmn_id == "Task_BuatLink"]
    assert failed.state == "cancelled"
    return failed


def link_job(sessions: sessionmaker[Session], instance_id: str) -> tuple[str, int, datetime]:
    with sessions() as s:
        (job,) = [j for j in store.jobs_of(s, instance_id) if j.kind == "service_task"]
        return job.status, job.attempts, job.run_after


def test_zoom_rejecting_the_credentials_goes_straight_to_the_manual_link(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    j = approved(build(ZOOM_CLIENT_SECRET="bukan-rahasianya"), "zoom")
    j.run_worker()

    failed = failed_to_manual(j)
    assert failed.error == (
        "zoom 401 invalid_client: "
        "Zoom menolak permintaan token OAuth: Invalid client_id or client_secret"
    )
    assert len(zoom.received("POST", "/oauth/token")) == 1  # final: never retried
    assert zoom.received("POST", "/meetings") == [] and zoom.meetings == {}
    assert link_job(sessions, j.instance_id)[:2] == ("done", 1)
    assert SqlLedger(sessions).booking("zoom", j.instance_id) is None  # host given back

    manual = {"meeting": {"provider": "zoom", "join_url": "https://zoom.us/j/99", "passcode": "x"}}
    j.act(j.people.staf, "Task_BuatLinkManual", manual)
    view = j.receive()
    assert view.summary.status == "completed"
    assert view.meeting is not None and view.meeting["join_url"] == "https://zoom.us/j/99"


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_zoom_rate_limit_waits_as_long_as_retry_after_says(
    form: str, build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    j = approved(build(), "zoom")
    wait = 120
    header = (
        str(wait)
        if form == "seconds"
        else format_datetime(j.clock() + timedelta(seconds=wait), usegmt=True)
    )
    zoom.fail_next("create", 429, code=429, message="Too many requests", retry_after=header)
    j.run_worker()

    assert len(zoom.received("POST", "/meetings")) == 1
    assert link_job(sessions, j.instance_id) == ("pending", 1, j.clock() + timedelta(seconds=wait))
    j.clock.advance(wait - 1)  # far beyond the worker's own 1 s backoff, short of Retry-After
    j.run_worker()
    assert len(zoom.received("POST", "/meetings")) == 1

    j.clock.advance(1)
    j.run_worker()
    assert len(zoom.received("POST", "/meetings")) == 2
    (stored,) = zoom.meetings.values()
    view = j.view()
    assert view.meeting is not None and view.meeting["join_url"] == stored["join_url"]
    assert link_job(sessions, j.instance_id)[:2] == ("done", 2)


def test_zoom_server_errors_until_the_retries_are_spent_go_to_the_manual_link(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    zoom.fail_next("create", 503, times=WORKER.max_attempts, message="Service Unavailable")
    j = approved(build(), "zoom")
    for attempt, backoff in enumerate((1, 2), start=1):
        j.run_worker()
        assert len(zoom.received("POST", "/meetings")) == attempt
        assert link_job(sessions, j.instance_id) == (
            "pending",
            attempt,
            j.clock() + timedelta(seconds=backoff),
        )
        j.clock.advance(backoff)
    j.run_worker()

    assert len(zoom.received("POST", "/meetings")) == WORKER.max_attempts
    failed = failed_to_manual(j)
    assert failed.error == "zoom 503 503: Zoom menolak permintaan: Service Unavailable"
    assert zoom.meetings == {}
    with sessions() as s:
        tries = [e.detail for e in store.events_of(s, j.instance_id) if e.kind == "service_failed"]
    assert [(t["attempt"], t["retryable"]) for t in tries] == [(1, True), (2, True), (3, True)]


def test_bigbluebutton_failed_under_http_200_goes_to_the_manual_link(
    build: Build, approved: Approved, bbb: FakeBbb, sessions: sessionmaker[Session]
) -> None:
    j = approved(build(BBB_SECRET="rahasia-yang-salah"), "bigbluebutton")
    j.run_worker()

    failed = failed_to_manual(j)
    assert failed.error == (
        "bigbluebutton 200 checksumError: BBB menolak create: Checksums do not match"
    )
    assert len(bbb.received("GET", "/create")) == 1  # FAILED is final, even under 200
    assert bbb.meetings == {}
    assert link_job(sessions, j.instance_id)[:2] == ("done", 1)


def test_a_zoom_create_answered_too_late_is_found_not_made_twice(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    zoom.answer_create_late(2)  # Zoom makes the meeting at once but answers after our timeout
    j = approved(build(HTTP_TIMEOUT=1), "zoom")
    j.run_worker()

    assert len(zoom.received("POST", "/meetings")) == 1
    (stored,) = zoom.meetings.values()
    view = j.view()
    assert view.meeting is not None and view.meeting["meeting_id"] == str(stored["id"])
    assert link_job(sessions, j.instance_id)[:2] == ("done", 1)


def test_a_zoom_outage_that_spent_the_retries_leaves_the_host_free_for_that_slot(
    build: Build, approved: Approved, zoom: FakeZoom
) -> None:
    alur = build(ZOOM_HOSTS="host1@kota.go.id")  # one host account
    zoom.fail_next("create", 503, times=WORKER.max_attempts, message="Service Unavailable")
    first = approved(alur, "zoom")
    for backoff in (1, 2, 0):
        first.run_worker()
        first.clock.advance(backoff)
    failed_to_manual(first)
    assert zoom.meetings == {}  # Zoom holds nothing for that slot

    second = approved(alur, "zoom")  # the same date and times
    second.run_worker()
    view = second.view()
    assert view.meeting is not None, [s.error for s in view.steps if s.error]
