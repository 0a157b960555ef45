"""A provider's answer is outside input too: text no store can hold (NUL, half of a UTF-16
pair, as JSON's ``"\\ud800"`` parses) in an error message or in a created meeting is kept
with U+FFFD in its place, and the request goes on. Before, the worker's job failed on
writing it, and failed again on every retry, with the request stuck at the link step."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from engine import audit, store
from tests.fakes.zoom_server import FakeZoom
from tests.integration.providers.conftest import Build
from tests.integration.providers.test_provider_failures import failed_to_manual, link_job
from tests.support.journey import Journey

Approved = Callable[..., Journey]


def chain_holds(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        verdict = audit.verify(s)
    assert verdict.ok and verdict.events > 0, verdict.broken


def test_an_error_message_with_broken_text_sends_the_request_to_the_manual_link(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    zoom.fail_next("create", 400, code=300, message="Rapat \ud800 ditolak\x00!")
    j = approved(build(), "zoom")
    j.run_worker()

    failed = failed_to_manual(j)
    assert failed.error == "zoom 400 300: Zoom menolak permintaan: Rapat \ufffd ditolak\ufffd!"
    assert link_job(sessions, j.instance_id)[:2] == ("done", 1)  # final: not tried again
    assert len(zoom.received("POST", "/meetings")) == 1
    with sessions() as s:
        (event,) = [e for e in store.events_of(s, j.instance_id) if e.kind == "service_failed"]
    assert event.detail["error"] == failed.error
    chain_holds(sessions)


def test_a_meeting_answered_with_broken_text_is_kept_and_the_request_ends(
    build: Build, approved: Approved, zoom: FakeZoom, sessions: sessionmaker[Session]
) -> None:
    zoom.answer_next_create_with(password="ab\udc80\x00cd")
    j = approved(build(), "zoom")
    j.run_worker()

    view = j.view()
    assert view.meeting is not None and view.meeting["passcode"] == "ab\ufffd\ufffdcd"
    assert link_job(sessions, j.instance_id)[:2] == ("done", 1)
    assert j.receive().summary.status == "completed"
    chain_holds(sessions)
