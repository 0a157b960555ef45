"""``/api/v1/tasks``: the caller's inbox, one task with its form, claim/unclaim, take-over
(a colleague's claim, for anyone of the lane), assign (admins), complete.

The rules are the engine's, as on the HTML pages: only the lane's people (the requester
alone for the initiator lane) act, others who may see the instance get 403, those who may
not see it 404. Opening a task here records ``opened_at`` just like opening its page.
Completing returns the instance (200); invalid data is a 422 per field; losing a race is a
409 naming who won (``by``). Signing (``keputusan = setuju`` on the approval form) needs the
signer's password again, as on the HTML page: ``{"data": {...}, "password": "..."}``; it
is checked, never stored.
"""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webui.api.blueprint import ApiError, bp
from webui.api.payload import (
    checked_id,
    inbox_json,
    instance_json,
    json_object,
    optional_object,
    optional_string,
    task_json,
)
from webui.auth import current_actor
from webui.extensions import db_session, engine, utcnow


@bp.get("/tasks")
def list_tasks() -> ResponseReturnValue:
    return jsonify([inbox_json(i) for i in engine().inbox(db_session(), current_actor())])


@bp.get("/tasks/<task_id>")
def show_task(task_id: str) -> ResponseReturnValue:
    return _task_now(checked_id(task_id), look=True)


def _task_now(task_id: str, *, look: bool = False) -> ResponseReturnValue:
    """Open the task (recording ``opened_at`` on the first look), commit, answer with it."""
    view = engine().open_task(db_session(), task_id, current_actor(), utcnow(), look=look)
    db_session().commit()
    return jsonify(task_json(view))


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str) -> ResponseReturnValue:
    task_id = checked_id(task_id)
    engine().claim(db_session(), task_id, current_actor(), utcnow())
    return _task_now(task_id)


@bp.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str) -> ResponseReturnValue:
    task_id = checked_id(task_id)
    engine().unclaim(db_session(), task_id, current_actor(), utcnow())
    return _task_now(task_id)


@bp.post("/tasks/<task_id>/take-over")
def take_over_task(task_id: str) -> ResponseReturnValue:
    """Take a colleague's claimed task: ``{"from": "<holder>"}``, the holder the caller
    confirmed taking it from (409 naming the holder when it changed hands)."""
    task_id = checked_id(task_id)
    expect = optional_string(json_object(), "from")
    engine().take_over(db_session(), task_id, current_actor(), utcnow(), expect=expect)
    return _task_now(task_id)


@bp.post("/tasks/<task_id>/assign")
def assign_task(task_id: str) -> ResponseReturnValue:
    """Admins: ``{"to": "<username>", "from": "<holder or null>"}``."""
    task_id = checked_id(task_id)
    body = json_object()
    to = optional_string(body, "to")
    if to is None:
        raise ApiError(400, gettext("Permintaan tidak valid."),
                       {"to": gettext("Harus teks yang tidak kosong.")})
    engine().assign(db_session(), task_id, current_actor(), utcnow(), to=to,
                    expect=optional_string(body, "from"))
    db_session().commit()
    return jsonify(task_json(engine().open_task(db_session(), task_id, current_actor(),
                                                utcnow())))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str) -> ResponseReturnValue:
    body = json_object()
    data = optional_object(body, "data") or {}
    actor = current_actor()
    task_id = checked_id(task_id)
    password = body.get("password")
    view = engine().complete(db_session(), task_id, actor, data, utcnow(),
                             remote_addr=request.remote_addr,
                             password=password if isinstance(password, str) else None)
    db_session().commit()
    return jsonify(instance_json(view))
