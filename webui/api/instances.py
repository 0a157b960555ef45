"""``/api/v1/instances``: start a request (optionally with its step-1 data), list, show,
cancel (with ``{"reason": ...}``).

Starting with ``data`` starts the instance and completes the requester's first task with
that data in one transaction: invalid data is a 422 with a message per field and nothing is
saved. Visibility is the engine's: a requester sees only their own instances (anyone
else's is a 404), staff and auditors see all.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.errors import EngineError, InvalidFormData
from engine.users import Actor
from engine.views import InstanceView
from webui.api.blueprint import ApiError, bp
from webui.api.payload import (
    checked_id,
    instance_json,
    json_object,
    optional_object,
    optional_string,
    query_flag,
    query_status,
    summary_json,
)
from webui.auth import current_actor
from webui.errors import field_messages
from webui.extensions import db_session, engine, utcnow


def _first_task(view: InstanceView) -> str:
    ready = [s for s in view.steps if s.state == "ready" and s.kind == "user"]
    if not ready:
        message = gettext("Proses ini tidak dimulai dengan tugas isian; kirim tanpa data.")
        raise ApiError(422, message, {"data": gettext("Tidak ada tugas pertama untuk diisi.")})
    return ready[0].task_id


def _start(actor: Actor, process_id: str | None, data: dict[str, Any] | None) -> InstanceView:
    now = utcnow()
    view = engine().start(db_session(), actor, now, process_id=process_id)
    if data is None:
        return view
    return engine().complete(db_session(), _first_task(view), actor, data, now,
                             remote_addr=request.remote_addr)


@bp.post("/instances")
def start_instance() -> ResponseReturnValue:
    body = json_object()
    process_id = optional_string(body, "process_id")
    data = optional_object(body, "data")
    try:
        view = _start(current_actor(), process_id, data)
    except (EngineError, ApiError):
        db_session().rollback()  # the instance and its first task stand or fall together
        raise
    db_session().commit()
    response = jsonify(instance_json(view))
    response.headers["Location"] = url_for("api.show_instance", instance_id=view.id)
    return response, 201


@bp.get("/instances")
def list_instances() -> ResponseReturnValue:
    rows = engine().instances(db_session(), current_actor(), status=query_status(),
                              mine=query_flag("mine"))
    return jsonify([summary_json(r) for r in rows])


@bp.get("/instances/<instance_id>")
def show_instance(instance_id: str) -> ResponseReturnValue:
    view = engine().instance(db_session(), checked_id(instance_id), current_actor())
    return jsonify(instance_json(view))


@bp.post("/instances/<instance_id>/cancel")
def cancel_instance(instance_id: str) -> ResponseReturnValue:
    """Cancel with ``{"reason": "..."}`` (required: 422 without it)."""
    actor, instance_id = current_actor(), checked_id(instance_id)
    reason = optional_string(json_object(), "reason") or ""
    try:
        engine().cancel(db_session(), instance_id, actor, utcnow(), reason=reason)
    except InvalidFormData as err:
        db_session().rollback()
        message = field_messages(err).get("alasan", "")
        raise ApiError(422, message, {"reason": message}) from err
    db_session().commit()
    return jsonify(instance_json(engine().instance(db_session(), instance_id, actor)))
