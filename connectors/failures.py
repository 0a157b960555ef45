"""How HTTP trouble becomes ``engine.errors.ConnectorError``: transport exceptions from
``requests`` (was the request sent? can it be retried?), error statuses (429 and 5xx are
retryable) and ``Retry-After`` given as seconds or as a date. Messages name the failure,
never the URL (it may carry a signature) or a token. Must not import flask or webui.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import ProtocolError

from engine.errors import ConnectorError

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class NoAnswer(ConnectorError):
    """The request went out but no answer came back, so it may have taken effect.

    Raised only for calls made with ``idempotent=False``; always retryable, but the
    caller must look for the effect before sending a non-idempotent request again.
    """


def transport_failure(
    exc: requests.RequestException, *, provider: str, action: str, idempotent: bool = True
) -> ConnectorError:
    """Map an exception from ``requests`` to a ``ConnectorError`` (or ``NoAnswer``)."""
    kind = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        return ConnectorError(
            f"{action}: server tidak dapat dihubungi (batas waktu, {kind})",
            retryable=True, provider=provider, code="connect_timeout",
        )
    if isinstance(exc, requests.ReadTimeout) or _aborted(exc):
        error = ConnectorError if idempotent else NoAnswer
        return error(
            f"{action}: server tidak menjawab ({kind})",
            retryable=True, provider=provider, code="no_answer",
        )
    if isinstance(exc, requests.ConnectionError):
        return ConnectorError(
            f"{action}: server tidak dapat dihubungi ({kind})",
            retryable=True, provider=provider, code="connection_error",
        )
    return ConnectorError(
        f"{action}: permintaan tidak dapat dikirim ({kind})",
        retryable=False, provider=provider, code="request_error",
    )


def _aborted(exc: requests.RequestException) -> bool:
    """A connection dropped after the request was written (e.g. RemoteDisconnected)."""
    return isinstance(exc, requests.ConnectionError) and any(
        isinstance(arg, ProtocolError) for arg in exc.args
    )


def http_failure(
    response: requests.Response,
    message: str,
    *,
    provider: str,
    code: str | None,
    now: datetime,
) -> ConnectorError:
    """A ``ConnectorError`` for an error status; retryable for 408/425/429 and 5xx."""
    status = response.status_code
    retryable = status in RETRYABLE_STATUSES or status >= 500
    retry_after = None
    if retryable:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"), now=now)
    return ConnectorError(
        message, retryable=retryable, provider=provider, status=status, code=code,
        retry_after=retry_after,
    )


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds, an HTTP date or an
    ISO-8601 time (seen from some APIs); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        when = _parse_date(text)
        if when is None:
            return None
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _parse_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    # HTTP dates are always GMT; a date without a zone is read the same way.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
