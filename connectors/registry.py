"""The connectors' one wiring point: builds the operation registry the engine calls
(``{"conference.create_meeting": CreateMeeting}``) and the SMTP mail transport from a
Flask-style config mapping. ``webui.create_app`` calls these once. Must not import flask
or webui (it receives the config as a plain mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.bigbluebutton import BigBlueButtonProvider
from connectors.conference import END_OPERATION, OPERATION, CreateMeeting, EndMeeting
from connectors.jitsi import JitsiProvider
from connectors.mail import SmtpTransport
from connectors.meeting import Provider
from connectors.ports import BookingLedger, Clock, utc_now
from connectors.settings import ConferenceSettings, MailSettings
from connectors.zoom import ZoomProvider
from connectors.zoom_api import ZoomApi
from engine.ports import Connector, MailTransport

USER_AGENT = "Alur/0.1 (+connectors)"


def build_registry(
    config: Mapping[str, Any],
    *,
    ledger: BookingLedger,
    http: requests.Session | None = None,
    clock: Clock = utc_now,
) -> dict[str, Connector]:
    """Operation name → connector. ``http`` is shared for connection pooling; when
    omitted a new session is made that lives as long as the registry. Raises
    ``ValueError`` for malformed configuration."""
    settings = ConferenceSettings.from_config(config)
    session = http if http is not None else new_session()
    providers = build_providers(settings, ledger=ledger, http=session, clock=clock)
    return {
        OPERATION: CreateMeeting(providers, default=settings.default),
        END_OPERATION: EndMeeting(providers),
    }


def build_providers(
    settings: ConferenceSettings,
    *,
    ledger: BookingLedger,
    http: requests.Session,
    clock: Clock = utc_now,
) -> dict[str, Provider]:
    """One provider per offered platform, in the configured order."""
    providers: dict[str, Provider] = {}
    for platform in settings.platforms:
        if platform == "jitsi":
            providers[platform] = JitsiProvider(settings.jitsi, room_secret=settings.room_secret)
        elif platform == "zoom" and settings.zoom is not None:
            api = ZoomApi(settings.zoom, http=http, timeout=settings.timeout, clock=clock)
            providers[platform] = ZoomProvider(
                api, hosts=settings.zoom.hosts, ledger=ledger, clock=clock
            )
        elif platform == "bigbluebutton" and settings.bbb is not None:
            providers[platform] = BigBlueButtonProvider(
                settings.bbb, http=http, timeout=settings.timeout, clock=clock
            )
    return providers


def build_mail_transport(config: Mapping[str, Any]) -> MailTransport | None:
    """SMTP delivery, or None without ``SMTP_HOST`` (the engine keeps its local outbox)."""
    if not config.get("SMTP_HOST"):
        return None
    return SmtpTransport(MailSettings.from_config(config))


def new_session() -> requests.Session:
    """A pooled session for provider calls (no automatic retries: the worker retries)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session
