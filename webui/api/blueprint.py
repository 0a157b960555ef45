"""The ``api`` blueprint under ``/api/v1``: who may call it and how its errors look.

Every route needs a signed-in caller, by session cookie or ``Authorization: Bearer`` token;
anyone else gets 401 JSON (never the login page). The app-wide CSRF check is off for this
blueprint and done here instead, only for unsafe methods on a cookie session: a browser
session cannot be replayed cross-site, while scripts with a token need no CSRF token.
Engine errors become JSON in ``webui.errors``, as for every page; the API's own 400s
(a broken envelope) are ``ApiError``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from webui.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_USER_KEY = "_user_id"  # where Flask-Login keeps a cookie session's user


class ApiError(Exception):
    """A request the API refuses before the engine sees it (malformed JSON, wrong types)."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.fields = fields or {}
        super().__init__(message)


def error_response(status: int, message: str, fields: dict[str, Any] | None = None,
                   **extra: Any) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message, **extra}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def signed_in_by_cookie() -> bool:
    """True when Flask-Login took the user from the session cookie (not from a token)."""
    return SESSION_USER_KEY in session


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        response, status = error_response(401, gettext("Silakan masuk terlebih dahulu."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="alur"'
        return response, status
    if request.method not in SAFE_METHODS and signed_in_by_cookie():
        try:
            csrf.protect()
        except CSRFError as err:
            raise ApiError(400, gettext(
                "Token CSRF tidak ada atau tidak sah: kirim header X-CSRFToken, "
                "atau pakai token API (Authorization: Bearer)."
            )) from err
    return None


@bp.errorhandler(ApiError)
def _api_error(err: ApiError) -> ResponseReturnValue:
    return error_response(err.status, err.message, err.fields)
