"""What follows a cancellation, as outbox jobs (never inside the web request): the
meeting, if one was made, is ended at its provider (``conference.end_meeting``: Zoom
deletes it, BigBlueButton ends it, a Jitsi room needs nothing), and the requester (and
the request's contact address) are told by mail. A meeting created by a provider call
that was still running when the request was cancelled is ended the same way.

The provider call runs with no transaction open and is retried with backoff like any
service call; when retries are spent the failure stays on the job and in the timeline
(``meeting_end_failed``) for staff to end the meeting by hand. Imports no web layer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine import instances, notifications, store, versions
from engine.errors import ConnectorError
from engine.models import Job
from engine.outbox import Clock, Services, backoff, finish, invoke, retry
from engine.ports import ServiceCall
from engine.users import Actor

log = logging.getLogger(__name__)

END_OPERATION = "conference.end_meeting"
JOB = "end_meeting"


def cancel(session: Session, instance_id: str, actor: Actor, now: datetime, *, reason: str,
           max_passes: int) -> None:
    """Cancel the request and queue its follow-up jobs, in the caller's transaction."""
    before = instances.load(session, instance_id)
    data, was = instances.current_data(before.workflow), before.row.status
    loaded = instances.cancel(session, instance_id, actor, now, reason=reason,
                              max_passes=max_passes)
    row = loaded.row
    meeting = data.get("meeting")
    if isinstance(meeting, Mapping) and _has_meeting(meeting):
        queue_end(session, row.id, meeting, now)
    if was != "draft":  # a draft was never sent: nobody else knows it
        payload = notifications.payload("cancelled", data, versions.pack(row.version))
        payload.update(reason=reason, by=actor.display_name)
        store.add_job(session, kind="notify", now=now, instance_id=row.id, payload=payload)


def _has_meeting(meeting: Any) -> bool:
    return isinstance(meeting, Mapping) and bool(meeting.get("meeting_id"))


def queue_end(session: Session, instance_id: str, meeting: Mapping[str, Any],
              now: datetime) -> None:
    keep = {k: meeting.get(k) for k in ("provider", "meeting_id") if meeting.get(k)}
    store.add_job(session, kind=JOB, now=now, instance_id=instance_id, payload=keep)


def orphaned(session: Session, instance_id: str, result: Any, now: datetime) -> None:
    """A provider answered after the request was cancelled: end what it made."""
    row = store.instance(session, instance_id)
    meeting = result.get("meeting", result) if isinstance(result, Mapping) else None
    if row.status == "cancelled" and isinstance(meeting, Mapping) and _has_meeting(meeting):
        queue_end(session, instance_id, meeting, now)


def prepare(session: Session, job: Job) -> ServiceCall:
    row = store.instance(session, job.instance_id or "")
    return ServiceCall(END_OPERATION, dict(job.payload), row.id, "", attempt=job.attempts,
                       number=row.number)


def run(sessions: sessionmaker[Session], services: Services, job: Job, call: ServiceCall,
        clock: Clock) -> None:
    """Call the provider (no transaction open), then record the outcome."""
    try:
        result = invoke(services, call)
    except ConnectorError as err:
        _failed(sessions, services, job, call, err, clock())
        return
    now = clock()
    with sessions.begin() as session:
        store.add_event(session, at=now, kind="meeting_ended", actor="sistem",
                        instance_id=call.instance_id, detail=dict(result))
        finish(session, job, now)


def _failed(sessions: sessionmaker[Session], services: Services, job: Job, call: ServiceCall,
            err: ConnectorError, now: datetime) -> None:
    settings, description = services.settings, err.describe()
    log.warning("ending the meeting of %s failed (attempt %s): %s", call.number, job.attempts,
                description)
    with sessions.begin() as session:
        if err.retryable and job.attempts < settings.max_attempts:
            retry(session, job, now, backoff(settings, job.attempts, err.retry_after),
                  description)
            return
        finish(session, job, now, "failed", description)
        store.add_event(session, at=now, kind="meeting_end_failed", actor="sistem",
                        instance_id=call.instance_id,
                        detail={"error": description, **call.params})
