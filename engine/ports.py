"""What the engine needs from the outside world, as protocols: service-task connectors
and a mail transport. ``connectors/`` implements them; the engine only calls them.

Must not import requests, flask or anything from ``connectors``/``webui``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ServiceCall:
    """One invocation of a BPMN service task.

    ``params`` are the operator's parameters, already evaluated against task data.
    ``instance_id`` and ``task_id`` make calls idempotent (a retry after a crash must
    find or reuse what the first attempt created). ``attempt`` counts from 1. ``number`` is
    the request number people quote (agendas, welcome texts).
    """

    operation: str
    params: Mapping[str, Any]
    instance_id: str
    task_id: str
    attempt: int = 1
    number: str = ""


class Connector(Protocol):
    """Runs one operation. Returns a JSON-serialisable dict stored in the task's
    ``resultVariable``; raises ``engine.errors.ConnectorError`` on failure."""

    def __call__(self, call: ServiceCall) -> dict[str, Any]: ...


@runtime_checkable
class Abandonable(Protocol):
    """A connector that holds something between attempts (a host booking, say) and wants
    to let it go when the engine stops trying: the BPMN error path takes over then."""

    def abandon(self, call: ServiceCall) -> None: ...


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default=())
    headers: Mapping[str, str] = field(default_factory=dict)


class MailTransport(Protocol):
    """Delivers one message; raises ``ConnectorError`` (retryable or not) on failure."""

    def send(self, message: MailMessage) -> None: ...


@dataclass(frozen=True)
class Booking:
    """One instance's claim on one conference host account for one time slot.
    ``meeting_id`` stays None until the provider confirmed the create."""

    provider: str
    host: str
    instance_id: str
    start: datetime
    end: datetime
    booked_at: datetime
    meeting_id: str | None = None


class BookingLedger(Protocol):
    """Who holds which host account when; one booking per (provider, instance_id).
    ``begin`` checks and books atomically; slots are half-open ``[start, end)``; the
    daily count uses ``booked_at``'s UTC date."""

    def booking(self, provider: str, instance_id: str) -> Booking | None: ...

    def begin(
        self,
        provider: str,
        host: str,
        instance_id: str,
        start: datetime,
        end: datetime,
        *,
        now: datetime,
        daily_limit: int,
    ) -> bool: ...

    def finish(self, provider: str, instance_id: str, meeting_id: str) -> None: ...

    def release(self, provider: str, instance_id: str) -> None: ...
