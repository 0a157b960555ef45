"""Service-task implementations for Alur: the ``conference.create_meeting`` connector
(Jitsi, Zoom, BigBlueButton) and SMTP mail with an iCalendar invite. Everything talks
HTTP through an injected ``requests.Session`` and reports failures as
``engine.errors.ConnectorError``. Depends on ``engine`` (errors, ports) only; must not
import flask, werkzeug or webui. The public API is re-exported here.
"""

from connectors.invite import build_invite
from connectors.mail import SmtpTransport
from connectors.ports import Booking, BookingLedger, Clock, MemoryLedger
from connectors.registry import build_mail_transport, build_registry
from connectors.settings import ConferenceSettings, MailSettings

__all__ = [
    "Booking",
    "BookingLedger",
    "Clock",
    "ConferenceSettings",
    "MailSettings",
    "MemoryLedger",
    "SmtpTransport",
    "build_invite",
    "build_mail_transport",
    "build_registry",
]
