"""Mail over SMTP: ``SmtpTransport`` implements ``engine.ports.MailTransport`` with
``smtplib`` (optional STARTTLS and login, a timeout on every connection), building an
``email.message.EmailMessage`` with the attachments (an ``.ics`` goes out as
``text/calendar; method=REQUEST``). SMTP failures become ``ConnectorError``: 4xx replies
and lost connections are retryable, 5xx replies are not. Never logs passwords or bodies.
Must not import flask or webui.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid

from connectors.ports import Clock, utc_now
from connectors.settings import MailSettings
from engine.errors import ConnectorError
from engine.ports import MailMessage

log = logging.getLogger(__name__)

PROVIDER = "smtp"
MANAGED_HEADERS = frozenset({"from", "to", "subject", "date", "message-id"})


class SmtpTransport:
    """Delivers ``MailMessage``s through one SMTP server, a connection per message."""

    def __init__(self, settings: MailSettings, *, clock: Clock = utc_now) -> None:
        self._settings = settings
        self._clock = clock

    def send(self, message: MailMessage) -> None:
        if not message.to:
            raise ConnectorError("Surel tanpa penerima", retryable=False, provider=PROVIDER)
        email = self.compose(message)
        try:
            refused = self._deliver(email, list(message.to))
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_failure(exc) from exc
        if refused:
            log.warning("SMTP server refused %d of %d recipients", len(refused), len(message.to))
        log.info("Mail sent via %s to %d recipient(s)", self._settings.host, len(message.to))

    def compose(self, message: MailMessage) -> EmailMessage:
        """The MIME message as it will be sent."""
        settings = self._settings
        email = EmailMessage()
        email["From"] = settings.sender
        email["To"] = ", ".join(message.to)
        email["Subject"] = " ".join(message.subject.split())
        email["Date"] = format_datetime(self._clock())
        email["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
        for name, value in message.headers.items():
            if name.lower() not in MANAGED_HEADERS:
                email[name] = value
        email.set_content(message.body)
        for attachment in message.attachments:
            content_type = default_policy.header_factory("Content-Type", attachment.content_type)
            email.add_attachment(
                attachment.data,
                maintype=content_type.maintype,
                subtype=content_type.subtype,
                filename=attachment.filename,
                params=dict(content_type.params),
            )
        return email

    def _deliver(self, email: EmailMessage, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        settings = self._settings
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user is not None and settings.password is not None:
                smtp.login(settings.user, settings.password)
            return smtp.send_message(email, from_addr=settings.sender, to_addrs=recipients)


def smtp_failure(exc: smtplib.SMTPException | OSError) -> ConnectorError:
    """4xx and lost connections are worth retrying; 5xx, TLS and auth setup problems not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = bool(codes) and all(400 <= code < 500 for code in codes)
        return _error("Semua penerima ditolak server SMTP", temporary, min(codes, default=None))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _error("Server SMTP tidak mendukung STARTTLS/AUTH yang diminta", False, None)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _error("Koneksi SMTP terputus", True, None)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        text = _reply(exc.smtp_error)
        return _error(f"Server SMTP menjawab {code} {text}".strip(), 400 <= code < 500, code)
    if isinstance(exc, smtplib.SMTPException):
        return _error(f"SMTP gagal ({type(exc).__name__})", False, None)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _error("Sertifikat TLS server SMTP tidak dapat diverifikasi", False, None)
    return _error(f"Server SMTP tidak dapat dihubungi ({type(exc).__name__})", True, None)


def _error(message: str, retryable: bool, code: int | None) -> ConnectorError:
    return ConnectorError(
        message, retryable=retryable, provider=PROVIDER, status=code,
        code=None if code is None else str(code),
    )


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]
