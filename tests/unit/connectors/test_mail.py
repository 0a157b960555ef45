"""SMTP delivery against a real aiosmtpd server, and the .ics invite it carries."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors.invite import build_invite
from connectors.mail import SmtpTransport
from connectors.ports import Clock
from connectors.settings import MailSettings
from engine.errors import ConnectorError
from engine.ports import Attachment, MailMessage

SENDER = "vicon@tangerangkota.go.id"
REQUESTER = "pemohon@tangerangkota.go.id"
MEETING = {
    "provider": "zoom", "meeting_id": "85000000001",
    "join_url": "https://zoom.example/j/85000000001?pwd=abc", "passcode": "abc123",
    "host_url": "https://zoom.example/s/85000000001?zak=x",
    "start": "2031-03-10T09:00:00+07:00", "end": "2031-03-10T10:30:00+07:00",
}


class Inbox:
    """An aiosmtpd handler that keeps what it gets, or refuses recipients when told."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"alur", b"rahasia")
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp_port(inbox: Inbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


def transport(port: int, clock: Clock, **settings: Any) -> SmtpTransport:
    options: dict[str, Any] = {"starttls": False, "timeout": 2.0, **settings}
    return SmtpTransport(MailSettings(host="127.0.0.1", port=port, sender=SENDER, **options),
                         clock=clock)


def invite_message(clock: Clock) -> MailMessage:
    ics = build_invite(MEETING, uid="0f8e2c4a@alur", summary="Rapat Koordinasi Smart City",
                       description="Nomor permintaan: VC-0F8E2C4A", organizer=SENDER,
                       attendees=[REQUESTER], now=clock())
    return MailMessage(
        to=(REQUESTER,), subject="Link video conference\nVC-0F8E2C4A",
        body="Yth. Siti Rahma,\nberikut tautan video conference Anda.",
        attachments=(Attachment("undangan.ics", "text/calendar; method=REQUEST", ics),),
        headers={"X-Alur-Instance": "0f8e2c4a", "From": "spoofed@example.com"},
    )


def received(inbox: Inbox) -> EmailMessage:
    (envelope,) = inbox.envelopes
    parsed = message_from_bytes(envelope.content, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_sends_the_message_with_a_calendar_invite(inbox: Inbox, smtp_port: int,
                                                  clock: Clock) -> None:
    transport(smtp_port, clock).send(invite_message(clock))

    (envelope,) = inbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, [REQUESTER])
    mail = received(inbox)
    assert (mail["From"], mail["To"]) == (SENDER, REQUESTER)
    assert mail["Subject"] == "Link video conference VC-0F8E2C4A"
    assert mail["X-Alur-Instance"] == "0f8e2c4a"
    assert "berikut tautan" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (part,) = mail.iter_attachments()
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "undangan.ics"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2031, 3, 10, 2, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert event.decoded("DTEND") == datetime(2031, 3, 10, 3, 30, tzinfo=UTC)
    assert str(event["ATTENDEE"]) == f"mailto:{REQUESTER}"
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    assert str(event["LOCATION"]) == MEETING["join_url"]
    assert MEETING["join_url"] in str(event["DESCRIPTION"])
    assert "abc123" in str(event["DESCRIPTION"])
    assert "DTSTART:20310310T020000Z" in part.get_content()


def test_logs_in_when_credentials_are_set(inbox: Inbox, smtp_port: int, clock: Clock) -> None:
    transport(smtp_port, clock, user="alur", password="rahasia").send(invite_message(clock))
    assert len(inbox.envelopes) == 1


def test_wrong_password_is_not_retryable(smtp_port: int, clock: Clock) -> None:
    with pytest.raises(ConnectorError) as caught:
        transport(smtp_port, clock, user="alur", password="salah").send(invite_message(clock))

    assert not caught.value.retryable and caught.value.status == 535
    assert "salah" not in caught.value.describe()


@pytest.mark.parametrize("reply, retryable", [
    ("550 5.1.1 Mailbox unavailable", False),
    ("450 4.2.1 Mailbox busy, try later", True),
])
def test_refused_recipient(inbox: Inbox, smtp_port: int, clock: Clock, reply: str,
                           retryable: bool) -> None:
    inbox.refuse_with = reply

    with pytest.raises(ConnectorError) as caught:
        transport(smtp_port, clock).send(invite_message(clock))

    assert caught.value.retryable is retryable
    assert caught.value.status == int(reply[:3])


def test_starttls_that_the_server_does_not_offer_is_not_retryable(smtp_port: int,
                                                                  clock: Clock) -> None:
    with pytest.raises(ConnectorError) as caught:
        transport(smtp_port, clock, starttls=True).send(invite_message(clock))
    assert not caught.value.retryable


def test_unreachable_server_is_retryable(clock: Clock) -> None:
    with pytest.raises(ConnectorError) as caught:
        transport(free_port(), clock).send(invite_message(clock))
    assert caught.value.retryable and caught.value.provider == "smtp"


def test_invite_without_passcode_and_with_a_naive_clock() -> None:
    meeting = {**MEETING, "passcode": None}
    now = datetime(2031, 3, 1, tzinfo=UTC)
    ics = build_invite(meeting, uid="u@alur", summary="S", description="", organizer=SENDER,
                       attendees=[REQUESTER, "staf@tangerangkota.go.id"], now=now)
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert "Kode sandi" not in str(event["DESCRIPTION"])
    assert [str(a) for a in event.get("ATTENDEE")] == [f"mailto:{REQUESTER}",
                                                   "mailto:staf@tangerangkota.go.id"]
    with pytest.raises(ValueError, match="aware"):
        build_invite(meeting, uid="u", summary="S", description="", organizer=SENDER,
                     attendees=[], now=datetime(2031, 3, 1))  # noqa: DTZ001
