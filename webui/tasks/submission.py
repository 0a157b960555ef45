"""What a task form submission needs before the engine sees it: the letter upload (stored,
recorded as an attachment, its id put into the data). Problems come back as ``Rejected``
with one message per field, shown like the engine's own on the re-rendered form (HTTP
422). The signer's password is checked by the engine (``engine.signature``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from werkzeug.datastructures import FileStorage, MultiDict

from engine import forms
from engine.errors import EngineError, InvalidFormData
from engine.forms import decision_of
from engine.letters import TooManyLetters
from engine.users import Actor
from engine.views import TaskView
from webui import formrender, uploads
from webui.errors import field_messages, message_of
from webui.extensions import db_session, engine, letters
from webui.templating import WIB


class Rejected(Exception):
    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def file_fields(schema: Mapping[str, Any]) -> list[str]:
    return [name for name, prop in schema.get("properties", {}).items()
            if formrender.widget_of(prop) == "file"]


def attach_uploads(task: TaskView, data: dict[str, Any], files: MultiDict[str, FileStorage],
                   actor: Actor, now: datetime) -> dict[str, Any]:
    """Store each uploaded file of the form and put its attachment id into ``data``.

    Attachments are committed at once, so a form re-rendered after an error still holds
    the letter (its id in a hidden field) and the requester need not upload it again. A new
    file replaces the one held that way (which is deleted); the same file again is the one
    already stored (``engine.letters``).
    """
    errors: dict[str, str] = {}
    for name in file_fields(task.schema or {}):
        upload = files.get(name)
        if upload is None or not upload.filename:
            continue
        try:
            new_id = _store(task, upload, actor, now)
        except uploads.UploadRejected as err:
            errors[name] = err.message
            continue
        held = data.get(name)
        if isinstance(held, str) and held not in (new_id, task.values.get(name)):
            _discard(task, held, actor)
        data[name] = new_id
    if errors:
        raise Rejected(errors)
    return data


def all_problems(task: TaskView, data: Mapping[str, Any], refused: Mapping[str, str],
                 now: datetime) -> dict[str, str]:
    """Every problem of a form whose upload was refused, so the person sees them all at once
    (not the file first, the rest after the next try): the engine's messages for the other
    fields, the refused file counting as attached, and the upload's own message."""
    schema = task.schema or {}
    trial = {**data, **{name: "berkas-ditolak" for name in refused}}
    try:
        forms.validate(schema, trial, now.astimezone(WIB).date())
        problems: dict[str, str] = {}
    except InvalidFormData as err:
        problems = field_messages(err)
    problems.update(refused)
    order = list(schema.get("properties", {}))
    return dict(sorted(problems.items(), key=lambda item: order.index(item[0].split(".")[0])
                       if item[0].split(".")[0] in order else -1))


def _store(task: TaskView, upload: FileStorage, actor: Actor, now: datetime) -> str:
    store = letters()
    stored = store.save(upload)
    try:
        view = engine().add_attachment(
            db_session(), task.instance.id, actor, attachment_id=stored.attachment_id,
            filename=stored.filename, stored_name=stored.stored_name,
            content_type=stored.content_type, size=stored.size, sha256=stored.sha256, now=now)
        db_session().commit()
    except EngineError as err:
        db_session().rollback()
        store.discard(stored)
        if isinstance(err, TooManyLetters):
            raise uploads.UploadRejected(message_of(err)) from err
        raise
    if view.id != stored.attachment_id:  # the same file is stored already
        store.discard(stored)
    return view.id


def _discard(task: TaskView, attachment_id: str, actor: Actor) -> None:
    stored_name = engine().discard_pending_letter(db_session(), task.task_id,
                                                  attachment_id[:64], actor)
    db_session().commit()
    if stored_name is not None:
        letters().discard_name(stored_name)


def is_signing_form(task: TaskView) -> bool:
    """The form signs a decision (its schema says so): the page asks the password again."""
    return signing_of(task) is not None


class Signing(NamedTuple):
    """What the signing page needs of the form's declarations: the decision field, the
    value that signs, the value(s) that decline, and the reason field."""

    field: str
    sign: str
    decline: str | None
    reason: str | None


def signing_of(task: TaskView) -> Signing | None:
    schema = task.schema or {}
    sign = schema.get("x-signature")
    if not isinstance(sign, Mapping) or not isinstance(sign.get("field"), str):
        return None
    decision = decision_of(schema) or {}
    declined = [v for v in decision.get("declined", []) if v != sign.get("value")]
    return Signing(sign["field"], str(sign.get("value")),
                   str(declined[0]) if declined else None, decision.get("reason"))
