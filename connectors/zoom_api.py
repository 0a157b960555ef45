"""Zoom's REST API as Alur uses it: Server-to-Server OAuth (``account_credentials``
grant, HTTP Basic client id/secret), the access token cached until about four minutes
before it expires and fetched again once when Zoom answers 401 with code 124, and
authorised JSON requests whose failures become ``ConnectorError``. The host pool and
meeting logic live in ``connectors.zoom``. Never logs or returns tokens or secrets.
Must not import flask or webui.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.failures import http_failure, transport_failure
from connectors.ports import Clock
from connectors.settings import ZoomSettings
from engine.errors import ConnectorError

log = logging.getLogger(__name__)

PROVIDER = "zoom"
TOKEN_MARGIN_S = 240.0
INVALID_TOKEN = 124


class ZoomApi:
    """Authorised calls to ``{ZOOM_API_URL}``; thread-safe, one token per account."""

    def __init__(
        self,
        settings: ZoomSettings,
        *,
        http: requests.Session,
        timeout: float,
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Send one request and return its JSON body. A 401/124 answer was not processed,
        so the request is sent once more with a fresh token. ``idempotent=False`` turns a
        lost answer into ``NoAnswer``."""
        token = self.access_token()
        response = self._send(method, path, token, params, body, idempotent)
        if _is_invalid_token(response):
            log.info("Zoom rejected the cached access token (124); fetching a new one")
            self.drop_token(token)
            response = self._send(method, path, self.access_token(), params, body, idempotent)
        if response.status_code >= 400:
            raise self._failure(response)
        return _json_object(response)

    def access_token(self) -> str:
        """The cached token, or a new one from ``{ZOOM_OAUTH_URL}``."""
        with self._lock:
            if self._token is not None and self._monotonic() < self._valid_until:
                return self._token
            token, expires_in = self._fetch_token()
            self._token = token
            self._valid_until = self._monotonic() + expires_in - TOKEN_MARGIN_S
            return token

    def drop_token(self, token: str) -> None:
        """Forget ``token`` unless another thread has already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self) -> tuple[str, float]:
        settings = self._settings
        try:
            response = self._http.post(
                settings.oauth_url,
                params={"grant_type": "account_credentials", "account_id": settings.account_id},
                auth=(settings.client_id, settings.client_secret),
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise transport_failure(exc, provider=PROVIDER, action="Token OAuth Zoom") from exc
        if response.status_code >= 400:
            body = _json_object(response, strict=False)
            reason = body.get("reason") or body.get("error") or "tanpa keterangan"
            raise http_failure(
                response, f"Zoom menolak permintaan token OAuth: {_short(reason)}",
                provider=PROVIDER, code=_code(body.get("error")), now=self._clock(),
            )
        body = _json_object(response)
        token, expires_in = body.get("access_token"), body.get("expires_in", 3600)
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise ConnectorError(
                "Jawaban token OAuth Zoom tidak berisi access_token/expires_in",
                retryable=False, provider=PROVIDER, status=response.status_code,
            )
        return token, float(expires_in)

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        idempotent: bool,
    ) -> requests.Response:
        try:
            return self._http.request(
                method,
                self._settings.api_url + path,
                params=params,
                json=body,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise transport_failure(
                exc, provider=PROVIDER, action=f"Zoom {method}", idempotent=idempotent
            ) from exc

    def _failure(self, response: requests.Response) -> ConnectorError:
        body = _json_object(response, strict=False)
        message = body.get("message") or response.reason or "tanpa keterangan"
        return http_failure(
            response, f"Zoom menolak permintaan: {_short(message)}",
            provider=PROVIDER, code=_code(body.get("code")), now=self._clock(),
        )


def _is_invalid_token(response: requests.Response) -> bool:
    if response.status_code != 401:
        return False
    return _json_object(response, strict=False).get("code") == INVALID_TOKEN


def _json_object(response: requests.Response, *, strict: bool = True) -> dict[str, Any]:
    """The response's JSON object; ``{}`` for an empty body or, unless strict, bad JSON."""
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    if not strict:
        return {}
    raise ConnectorError(
        "Jawaban Zoom bukan objek JSON", retryable=response.status_code >= 500,
        provider=PROVIDER, status=response.status_code,
    )


def _code(value: Any) -> str | None:
    return None if value is None else str(value)


def _short(value: Any, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
