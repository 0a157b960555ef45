"""One JSON line per request on the ``alur.request`` logger (request id, method, path,
status, duration, user id; never form data, query strings, passwords or tokens), and the
request id sent back as ``X-Request-Id`` and shown on error pages, so a person's "it went
wrong" can be matched to the log line. Behind a trusted proxy its ``X-Request-Id`` is kept.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request

log = logging.getLogger("alur.request")
_INCOMING = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id() -> str:
    """This request's id (made on first use: an early error may come before ``_start``);
    ``-`` outside a request (a template rendered by a command)."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-Id", "")
        trusted = int(current_app.config["TRUSTED_PROXIES"]) > 0
        g.request_id = incoming if trusted and _INCOMING.fullmatch(incoming) else uuid.uuid4().hex
    return str(g.request_id)


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user_id() -> str | None:
    user = g.get("_login_user")  # only if this request loaded it: logging costs no query
    return user.get_id() if user is not None and user.is_authenticated else None


def _finish(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    started = g.get("request_started", time.perf_counter())
    line: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id(),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": _user_id(),
    }
    log.info(json.dumps(line, ensure_ascii=False))
    return response


def register(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.context_processor(lambda: {"request_id": request_id()})
    if not app.testing and not log.handlers:  # tests read it through the root logger
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
