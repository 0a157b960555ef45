"""Connector configuration read once from a Flask-style mapping (the ``ALUR_*`` names of
DESIGN.md without the prefix) into frozen dataclasses, with a clear ``ValueError`` for
anything malformed. Values may arrive as strings or, through Flask's
``from_prefixed_env``, already JSON-decoded (ints, bools, lists). Secrets are kept out
of ``repr``. Must not import flask, webui or requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PLATFORMS = ("jitsi", "zoom", "bigbluebutton")
_TRUE = {"1", "true", "yes", "on", "ya"}
_FALSE = {"0", "false", "no", "off", "tidak"}


@dataclass(frozen=True)
class JitsiSettings:
    domain: str = "meet.jit.si"
    app_id: str | None = None
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ZoomSettings:
    account_id: str
    client_id: str
    client_secret: str = field(repr=False)
    hosts: tuple[str, ...] = ()
    oauth_url: str = "https://zoom.us/oauth/token"
    api_url: str = "https://api.zoom.us/v2"


@dataclass(frozen=True)
class BbbSettings:
    url: str
    secret: str = field(repr=False)
    checksum: str = "sha256"


@dataclass(frozen=True)
class ConferenceSettings:
    """Which platforms are offered, the default, and each offered provider's settings."""

    platforms: tuple[str, ...] = ("jitsi",)
    default: str = "jitsi"
    timeout: float = 10.0
    room_secret: bytes = field(default=b"", repr=False)
    jitsi: JitsiSettings = field(default_factory=JitsiSettings)
    zoom: ZoomSettings | None = None
    bbb: BbbSettings | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ConferenceSettings:
        platforms = _platforms(config.get("CONFERENCE_PLATFORMS"))
        default = _text(config, "CONFERENCE_DEFAULT")
        if default is None:
            default = "jitsi" if "jitsi" in platforms else platforms[0]
        default = default.lower()
        if default not in platforms:
            raise ValueError(
                f"CONFERENCE_DEFAULT {default!r} is not one of CONFERENCE_PLATFORMS {platforms}"
            )
        room_secret = _room_secret(config)
        if "jitsi" in platforms and not room_secret:
            raise ValueError("ROOM_SECRET (or SECRET_KEY) is required to name Jitsi rooms")
        return cls(
            platforms=platforms,
            default=default,
            timeout=_timeout(config),
            room_secret=room_secret,
            jitsi=_jitsi(config),
            zoom=_zoom(config) if "zoom" in platforms else None,
            bbb=_bbb(config) if "bigbluebutton" in platforms else None,
        )


@dataclass(frozen=True)
class MailSettings:
    """SMTP delivery; only built when ``SMTP_HOST`` is set."""

    host: str
    sender: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        host = _text(config, "SMTP_HOST")
        if host is None:
            raise ValueError("SMTP_HOST is required to send mail over SMTP")
        sender = _text(config, "MAIL_FROM")
        if sender is None or "@" not in sender:
            raise ValueError("MAIL_FROM must be an e-mail address when SMTP_HOST is set")
        port = _int(config, "SMTP_PORT", 587)
        if not 0 < port < 65536:
            raise ValueError(f"SMTP_PORT must be between 1 and 65535, not {port}")
        user = _text(config, "SMTP_USER")
        password = _text(config, "SMTP_PASSWORD")
        if (user is None) != (password is None):
            raise ValueError("SMTP_USER and SMTP_PASSWORD must be set together")
        return cls(
            host=host,
            sender=sender,
            port=port,
            user=user,
            password=password,
            starttls=_bool(config, "SMTP_STARTTLS", True),
            timeout=_timeout(config),
        )


def _text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _required(config: Mapping[str, Any], key: str, why: str) -> str:
    value = _text(config, key)
    if value is None:
        raise ValueError(f"{key} is required {why}")
    return value


def _list(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = [str(item) for item in value]
    else:
        raise ValueError(f"{key} must be a comma-separated string or a list, not {value!r}")
    return tuple(item.strip() for item in items if item.strip())


def _platforms(value: Any) -> tuple[str, ...]:
    platforms = _list("jitsi" if value is None else value, "CONFERENCE_PLATFORMS")
    platforms = tuple(dict.fromkeys(p.lower() for p in platforms))
    if not platforms:
        raise ValueError("CONFERENCE_PLATFORMS must name at least one platform")
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        raise ValueError(
            f"CONFERENCE_PLATFORMS: unknown platform(s) {', '.join(unknown)}; "
            f"choose from {', '.join(PLATFORMS)}"
        )
    return platforms


def _int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(f"{key} must be a whole number, not {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{key} must be a whole number, not {value!r}") from None


def _timeout(config: Mapping[str, Any]) -> float:
    value = config.get("HTTP_TIMEOUT")
    if value is None or value == "":
        return 10.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"HTTP_TIMEOUT must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 300:
        raise ValueError(f"HTTP_TIMEOUT must be more than 0 and at most 300 seconds, not {value!r}")
    return seconds


def _bool(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{key} must be true or false, not {value!r}")


def _url(config: Mapping[str, Any], key: str, default: str | None = None) -> str:
    url = _text(config, key) or default
    if url is None:
        raise ValueError(f"{key} is required")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{key} must be an http(s) URL, not {url!r}")
    return url.rstrip("/")


def _room_secret(config: Mapping[str, Any]) -> bytes:
    for key in ("ROOM_SECRET", "SECRET_KEY"):
        value = config.get(key)
        if isinstance(value, bytes) and value:
            return value
        if value is not None and str(value):
            return str(value).encode()
    return b""


def _jitsi(config: Mapping[str, Any]) -> JitsiSettings:
    domain = _text(config, "JITSI_DOMAIN") or "meet.jit.si"
    if "://" in domain or " " in domain:
        raise ValueError(f"JITSI_DOMAIN is a host name such as meet.jit.si, not {domain!r}")
    secret = _text(config, "JITSI_SECRET")
    app_id = _text(config, "JITSI_APP_ID")
    if secret is not None and app_id is None:
        raise ValueError("JITSI_APP_ID is required when JITSI_SECRET is set (it is the JWT issuer)")
    if secret is not None and len(secret.encode()) < 32:
        raise ValueError("JITSI_SECRET must be at least 32 bytes long (RFC 7518: HS256 key size)")
    return JitsiSettings(domain=domain.rstrip("/"), app_id=app_id, secret=secret)


def _zoom(config: Mapping[str, Any]) -> ZoomSettings:
    why = "when zoom is in CONFERENCE_PLATFORMS"
    hosts = _list(config.get("ZOOM_HOSTS") or "", "ZOOM_HOSTS")
    if not hosts:
        raise ValueError(f"ZOOM_HOSTS (comma-separated host e-mails) is required {why}")
    return ZoomSettings(
        account_id=_required(config, "ZOOM_ACCOUNT_ID", why),
        client_id=_required(config, "ZOOM_CLIENT_ID", why),
        client_secret=_required(config, "ZOOM_CLIENT_SECRET", why),
        hosts=tuple(dict.fromkeys(hosts)),
        oauth_url=_url(config, "ZOOM_OAUTH_URL", "https://zoom.us/oauth/token"),
        api_url=_url(config, "ZOOM_API_URL", "https://api.zoom.us/v2"),
    )


def _bbb(config: Mapping[str, Any]) -> BbbSettings:
    why = "when bigbluebutton is in CONFERENCE_PLATFORMS"
    if _text(config, "BBB_URL") is None:
        raise ValueError(f"BBB_URL is required {why}")
    url = _url(config, "BBB_URL")
    if not url.endswith("/bigbluebutton/api"):
        raise ValueError(f"BBB_URL must end in /bigbluebutton/api, not {url!r}")
    checksum = (_text(config, "BBB_CHECKSUM") or "sha256").lower()
    if checksum not in ("sha256", "sha1"):
        raise ValueError(f"BBB_CHECKSUM must be sha256 or sha1, not {checksum!r}")
    return BbbSettings(url=url, secret=_required(config, "BBB_SECRET", why), checksum=checksum)
