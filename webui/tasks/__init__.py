"""The task page ``/tugas/<id>``: the whole request, its letter and history, the SOP row
of the step, and the step's form rendered from its JSON Schema. Opening it records when
the step was first opened (the SOP's clock for working time); submitting it completes the
task, or re-renders the form with HTTP 422 and what the user typed. Notification mails
link here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from engine import passes, signature
from engine.errors import InvalidFormData, TaskClaimedByOther
from engine.signin import TooManyAttempts
from engine.views import InstanceView, TaskView
from webui import display, formrender
from webui.auth import current_actor
from webui.errors import field_messages, message_of
from webui.extensions import db_session, engine, utcnow
from webui.tasks import submission

bp = Blueprint("tasks", __name__)

DEFAULT_SUBMIT = _l("Selesaikan Tugas")


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def _attachment(view: InstanceView, values: dict[str, Any], name: str) -> Any:
    wanted = values.get(name)
    return next((a for a in view.attachments if a.id == wanted), None)


def _offered(schema: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """A choice declared ``"x-choices-from": "<service operator>"`` offers only what that
    operator serves here (the conference platforms this installation is configured for)."""
    offered = {}
    for name, prop in schema.get("properties", {}).items():
        operator = engine().services.connectors.get(str(prop.get("x-choices-from", "")))
        choices = getattr(operator, "platforms", None)
        if choices:
            offered[name] = tuple(choices)
    return offered


def _choice_fields(schema: dict[str, Any]) -> dict[str, str]:
    """Each ``x-choices-from`` field of ``schema`` and the platform its service uses when
    the field is left empty (the service's default)."""
    found = {}
    for name, prop in schema.get("properties", {}).items():
        operator = engine().services.connectors.get(str(prop.get("x-choices-from", "")))
        default = getattr(operator, "default", None)
        if isinstance(default, str):
            found[name] = default
    return found


def _suggested(schema: dict[str, Any], values: dict[str, Any],
               view: InstanceView) -> dict[str, Any]:
    """``values`` with empty choices filled as the request already says: a service choice
    (the platform) shows the service's default rather than an empty "default" choice, and
    a choice elsewhere (the platform of a link made by hand) starts at what the requester
    chose. Only what is shown: the person still submits it."""
    chosen: dict[str, Any] = {}
    for form in view.step_forms.values():
        for name, default in _choice_fields(form).items():
            chosen.setdefault(name, view.data.get(name) or default)
    out = dict(values)
    for name, default in _choice_fields(schema).items():
        if out.get(name) in (None, ""):
            out[name] = default
    wanted = set(chosen.values())

    def fill(props: dict[str, Any], into: dict[str, Any]) -> None:
        for name, prop in props.items():
            if isinstance(prop.get("properties"), dict):
                nested = dict(into.get(name) or {})
                fill(prop["properties"], nested)
                into[name] = nested
            elif into.get(name) in (None, "") and "enum" in prop and name not in chosen:
                match = [v for v in prop["enum"] if v in wanted]
                if match:
                    into[name] = match[0]

    fill(schema.get("properties", {}), out)
    return out


def render(task: TaskView, values: dict[str, Any] | None = None,
           errors: dict[str, str] | None = None, status: int = 200,
           alert: str | None = None) -> tuple[str, int]:
    view = engine().instance(db_session(), task.instance.id, current_actor())
    values = task.values if values is None else values
    schema = task.schema or {}
    if task.can_act and task.step.state == "ready":
        values = _suggested(schema, values, view)
    lang = _lang()
    files = submission.file_fields(schema)
    failures = [s for s in view.steps if s.kind == "service" and s.error]
    controls = formrender.fields(schema, values, errors, lang, offered=_offered(schema))
    page = render_template(
        "tasks/show.html", task=task, view=view, values=values, errors=errors or {},
        fields=controls, problems=formrender.problems(
            controls, errors or {}, {"password": gettext("Kata sandi Anda")}),
        has_required=formrender.any_required(controls),
        form_title=formrender.text(schema, "title", lang),
        form_help=formrender.text(schema, "description", lang),
        attachments={name: _attachment(view, values, name) for name in files},
        multipart=bool(files), failure=failures[-1] if failures else None,
        sign_form=submission.is_signing_form(task),
        signing=submission.signing_of(task),
        request_data=passes.as_of(view, task.step),
        sent_back=passes.sent_back(view.steps, task.step) if task.step.pass_no > 1 else None,
        submit_label=formrender.text(schema, "x-submit-label", lang) or DEFAULT_SUBMIT,
        now=utcnow(), alert=alert,
    )
    return page, status


@bp.get("/tugas/<task_id>")
@login_required
def show(task_id: str) -> ResponseReturnValue:
    task = engine().open_task(db_session(), task_id[:64], current_actor(), utcnow(), history=False,
                              look=True)
    db_session().commit()
    return render(task)


@bp.post("/tugas/<task_id>")
@login_required
def submit(task_id: str) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    task = engine().open_task(db_session(), task_id[:64], actor, now, history=False)
    db_session().commit()
    data = formrender.parse(task.schema or {}, request.form)
    if task.can_act:
        try:
            data = submission.attach_uploads(task, data, request.files, actor, now)
        except submission.Rejected as err:
            return render(task, data, submission.all_problems(task, data, err.errors, now), 422)
    try:
        after = engine().complete(db_session(), task.task_id, actor, data, now,
                                  remote_addr=request.remote_addr,
                                  password=request.form.get("password") or None)
    except InvalidFormData as err:
        db_session().rollback()
        return render(task, data, field_messages(err), 422)
    except TooManyAttempts as err:  # wrong signing passwords: the form stays as typed
        db_session().rollback()
        page, status = render(task, data, status=429, alert=message_of(err))
        return page, status, {"Retry-After": str(err.retry_after_s)}
    except TaskClaimedByOther as err:
        # A colleague took the task while this form was open: show it as it is now.
        db_session().rollback()
        alert = gettext("Isian Anda belum disimpan: tugas ini sudah diambil oleh %(user)s. "
                        "Minta %(user)s melepasnya bila Anda yang akan mengerjakannya.",
                        user=display.person(err.by))
        return render(engine().open_task(db_session(), task.task_id, actor, now, history=False),
                      data,
                      status=409, alert=alert)
    db_session().commit()
    flash(_done_message(task, data, _next_of(after)), "success")
    if task.instance.requester == actor.username:
        return redirect(url_for("requests.detail", instance_id=task.instance.id))
    return redirect(url_for("inbox.index"))


def _next_of(view: InstanceView) -> str:
    """What happens now, in words: the step that waits and whose it is, or the end (the
    request as the completion left it)."""
    waiting = [s for s in view.steps if s.state == "ready"]
    if not waiting:
        return gettext("permintaan selesai") if view.summary.status == "completed" else ""
    step = waiting[0]
    if step.kind == "service":
        return gettext("%(step)s, dikerjakan otomatis oleh sistem", step=display.tr(step.name))
    return gettext("%(step)s, oleh %(lane)s", step=display.tr(step.name),
                   lane=display.tr(step.lane))


def _done_message(task: TaskView, data: dict[str, Any], after: str = "") -> str:
    if submission.is_signing_form(task):
        if signature.required(task.schema or {}, data):
            return gettext("Permintaan %(number)s disetujui dan ditandatangani.",
                           number=task.instance.number)
        return gettext("Permintaan %(number)s tidak disetujui; dikembalikan ke pemohon.",
                       number=task.instance.number)
    if after:
        return gettext("Tugas selesai: %(step)s (%(number)s). Berikutnya: %(next)s.",
                       step=gettext(task.step.name), number=task.instance.number, next=after)
    return gettext("Tugas selesai: %(step)s (%(number)s).", step=gettext(task.step.name),
                   number=task.instance.number)
