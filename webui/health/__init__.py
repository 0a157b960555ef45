"""Health checks for a load balancer or an orchestrator, unauthenticated and cheap:
``/healthz`` (the process answers; touches nothing) and ``/readyz`` (the database answers,
its schema is current, a worker was seen within ``WORKER_SEEN_S``). They say yes or no per
check and nothing else: no version, host, address or error text.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from engine.health import readiness
from webui.auth import public
from webui.extensions import db_session, utcnow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """200 when ready, 503 (with ``Retry-After``) when not; a database that cannot be
    reached is a 503 too (``webui.outage``)."""
    within = timedelta(seconds=float(current_app.config["WORKER_SEEN_S"]))
    checks = readiness(db_session(), utcnow(), within)
    body = {"ready": checks.ready, "database": checks.database,
            "migrations": checks.migrations, "worker": checks.worker}
    if checks.ready:
        return jsonify(body)
    return jsonify(body), 503, {"Retry-After": "5"}
