"""The ``conference.create_meeting`` connector: reads the request from the service call,
picks the provider named by ``platform`` (None means the configured default) among the
offered ones, and returns the provider's ``meeting`` dict. A platform that is not offered
is a final (non-retryable) error, so the BPMN sends the request to the manual path.
Must not import flask or webui.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectors.meeting import MeetingRequest, Provider
from engine.errors import ConnectorError
from engine.ports import ServiceCall

log = logging.getLogger(__name__)

OPERATION = "conference.create_meeting"
END_OPERATION = "conference.end_meeting"


class CreateMeeting:
    """Dispatches ``conference.create_meeting`` calls to the offered providers."""

    operation = OPERATION

    def __init__(self, providers: Mapping[str, Provider], *, default: str) -> None:
        if default not in providers:
            raise ValueError(f"default platform {default!r} is not among {sorted(providers)}")
        self._providers = dict(providers)
        self._default = default

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._providers)

    @property
    def default(self) -> str:
        """The platform used when a request names none."""
        return self._default

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        request = MeetingRequest.from_call(call)
        platform = request.platform or self._default
        provider = self._providers.get(platform)
        if provider is None:
            raise ConnectorError(
                f"Platform {platform!r} tidak tersedia; pilihan: {', '.join(self._providers)}",
                retryable=False,
                provider=platform,
                code="platform_not_offered",
            )
        log.info(
            "Creating a %s meeting for %s (attempt %d)", platform, request.number, call.attempt
        )
        return provider.create(request)

    def abandon(self, call: ServiceCall) -> None:
        """The engine gave up on this request (the manual path takes over): providers
        that hold something for it let it go."""
        request = MeetingRequest.from_call(call)
        provider = self._providers.get(request.platform or self._default)
        release = getattr(provider, "abandon", None)
        if release is not None:
            release(request)


class EndMeeting:
    """``conference.end_meeting``: a cancelled request's meeting is ended at its provider
    (Zoom deletes it, BigBlueButton ends it). A provider with nothing to end (a Jitsi room
    exists only while people are in it) or a link made by hand answers ``ended: False``."""

    operation = END_OPERATION

    def __init__(self, providers: Mapping[str, Provider]) -> None:
        self._providers = dict(providers)

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        provider_name = str(call.params.get("provider") or "")
        meeting_id = call.params.get("meeting_id")
        end = getattr(self._providers.get(provider_name), "end", None)
        if end is None or not meeting_id:
            return {"provider": provider_name, "ended": False, "nothing_to_end": True}
        log.info("Ending the %s meeting of %s", provider_name, call.number)
        return {"provider": provider_name, "ended": bool(end(str(meeting_id), call.instance_id))}
