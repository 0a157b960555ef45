"""A database that cannot be reached (stopped, restarting, out of connections) answers
503 with ``Retry-After``: a plain Indonesian page, or ``{"error": ...}`` for the API. The
page is rendered without the database (no signed-in user, no session lookup), the failed
transaction is dropped, and the next request tries again: recovery needs no restart.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from webui.auth import is_api_request
from webui.extensions import db_session, login_manager
from webui.requestlog import request_id

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def _unavailable(err: SQLAlchemyError) -> ResponseReturnValue:
    log.warning("database unreachable (request %s): %s", request_id(), type(err).__name__)
    with suppress(SQLAlchemyError):  # the connection is gone; the pool replaces it
        db_session().rollback()
    g._login_user = login_manager.anonymous_user()  # rendering asks who is signed in
    message = gettext("Layanan sedang tidak dapat menjangkau basis data. Tidak ada yang "
                      "tersimpan dari permintaan ini; coba lagi dalam beberapa detik.")
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if is_api_request() or request.path == "/readyz":
        return jsonify(error=message, request_id=request_id()), 503, headers
    page = render_template("errors/unavailable.html", message=message)
    return page, 503, headers


def register(app: Flask) -> None:
    for kind in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(kind, _unavailable)
