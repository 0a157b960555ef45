"""Errors map to responses in one place: 404, 403, 409, 413, 422 and friends, as a page for
people and as ``{"error": ..., "fields": {...}}`` for the JSON API.

``InvalidFormData`` is normally caught by the view itself (to re-render the form with the
typed values); reaching this handler means the view had no form to show.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    DefinitionError,
    EngineError,
    FieldError,
    Forbidden,
    InvalidFormData,
    LoopLimitReached,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from engine.signin import TooManyAttempts
from webui.auth import is_api_request

STATUS_FOR = (
    (NotFound, 404),
    (Forbidden, 403),
    (TaskAlreadyCompleted, 409),
    (Conflict, 409),
    (InvalidFormData, 422),
    (DefinitionError, 422),
    (LoopLimitReached, 409),
    (TooManyAttempts, 429),
)


def translate(error: FieldError) -> str:
    """A field message in the user's language: the pack's own translation of a message it
    wrote, else the catalog's (the Indonesian template is the msgid)."""
    locale = get_locale()
    own = error.translations.get(locale.language) if locale is not None else None
    if own:
        try:
            return own % dict(error.params)
        except (KeyError, TypeError, ValueError):
            return str(error)
    return gettext(error.template, **dict(error.params))


def message_of(err: EngineError) -> str:
    """An engine error in the user's language (its template is the msgid)."""
    return gettext(err.template, **err.params) if err.template else str(err)


def field_messages(err: InvalidFormData) -> dict[str, str]:
    return {name: translate(error) for name, error in err.errors.items()}


def _status(err: EngineError) -> int:
    for kind, status in STATUS_FOR:
        if isinstance(err, kind):
            return status
    return 400


def _respond(
    status: int, message: str, fields: dict[str, Any] | None = None, **extra: Any
) -> tuple[Response | str, int]:
    """A page for people; ``{"error", "fields", **extra}`` for the JSON API."""
    if is_api_request():
        body: dict[str, Any] = {"error": message, **extra}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    template = f"errors/{status}.html" if status in (403, 404, 409, 413) else "errors/error.html"
    return render_template(template, status=status, message=message, **extra), status


def _engine_error(err: EngineError) -> ResponseReturnValue:
    status = _status(err)
    if isinstance(err, InvalidFormData):
        return _respond(status, gettext("Isian belum benar."), field_messages(err))
    if isinstance(err, DefinitionError):
        message = gettext("%(file)s ditolak; versi aktif tidak berubah.", file=err.filename)
        return _respond(status, message, {"file": "; ".join(err.problems)},
                        problems=err.problems)
    if isinstance(err, TaskAlreadyCompleted | TaskClaimedByOther):
        # Who to ask, by the name people know them by (the API keeps the username).
        from webui.display import person

        message = gettext(err.template, **{**err.params, "by": person(err.by) or err.params["by"]})
        return _respond(status, message, by=err.by)
    if isinstance(err, TooManyAttempts):
        body, status = _respond(status, message_of(err))
        return body, status, {"Retry-After": str(err.retry_after_s)}
    return _respond(status, message_of(err))


def _http_error(err: HTTPException) -> ResponseReturnValue:
    status = err.code or 500
    messages = {
        400: gettext("Permintaan tidak valid."),
        401: gettext("Silakan masuk terlebih dahulu."),
        403: gettext("Anda tidak berwenang membuka halaman ini."),
        404: gettext("Halaman tidak ditemukan."),
        405: gettext("Metode tidak diizinkan."),
        413: gettext("Berkas terlalu besar (maksimal 5 MB)."),
    }
    return _respond(status, messages.get(status, err.description or err.name))


def _csrf_error(err: CSRFError) -> ResponseReturnValue:
    return _respond(400, gettext("Sesi formulir kedaluwarsa; muat ulang halaman lalu kirim lagi."))


def register(app: Flask) -> None:
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
