"""Handing a claimed task over: "Ambil alih" (anyone of the task's lane takes a colleague's
claim after confirming, the colleague is told by mail) and the admin's "Atur penugasan"
(release anyone's claim, or give the task to a user holding the lane's role). Both
confirm against the holder the person saw, so a claim that changed hands meanwhile is
shown again instead of being taken blindly. The rules are the engine's (``engine.claims``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from engine.errors import Conflict, Forbidden, TaskClaimedByOther
from engine.views import TaskView
from webui.auth import current_actor
from webui.display import person
from webui.extensions import db_session, engine, utcnow
from webui.inbox import bp


def _claimed_task(task_id: str) -> TaskView:
    """A ready task the actor may work on that someone else holds (404/403/409 else)."""
    task = engine().task(db_session(), task_id[:64], current_actor())
    if task.step.state != "ready":
        raise Conflict("Tugas ini sudah tidak aktif.")
    if not task.can_act:
        raise Forbidden("Anda tidak berwenang mengerjakan tugas ini.")
    return task


@bp.get("/tugas/<task_id>/ambil-alih")
@login_required
def confirm_take_over(task_id: str) -> ResponseReturnValue:
    task = _claimed_task(task_id)
    if task.step.claimed_by in (None, current_actor().username):
        return redirect(url_for("tasks.show", task_id=task.task_id))
    return render_template("inbox/take_over.html", task=task)


@bp.post("/tugas/<task_id>/ambil-alih")
@login_required
def take_over(task_id: str) -> ResponseReturnValue:
    expect = (request.form.get("dari") or "")[:64] or None
    try:
        engine().take_over(db_session(), task_id[:64], current_actor(), utcnow(), expect=expect)
    except TaskClaimedByOther as err:  # changed hands since the page was shown: ask again
        db_session().rollback()
        flash(gettext("Tugas ini kini dipegang oleh %(user)s. Periksa lagi sebelum mengambil "
                      "alih.", user=person(err.by)), "error")
        return redirect(url_for("inbox.confirm_take_over", task_id=task_id[:64]))
    db_session().commit()
    flash(gettext("Tugas diambil alih: kini Anda yang mengerjakannya; %(user)s diberi tahu "
                  "lewat surat.", user=person(expect) or "–"), "success")
    return redirect(url_for("tasks.show", task_id=task_id[:64]))


@bp.get("/tugas/<task_id>/penugasan")
@login_required
def assignment(task_id: str) -> ResponseReturnValue:
    if not current_actor().has("admin"):
        abort(403)
    task = engine().task(db_session(), task_id[:64], current_actor())
    if task.step.state != "ready" or task.step.kind != "user":
        raise Conflict("Tugas ini sudah tidak aktif.")
    people = engine().assignees(db_session(), task.task_id, current_actor())
    return render_template("inbox/assignment.html", task=task, people=people)


@bp.post("/tugas/<task_id>/penugasan")
@login_required
def assign(task_id: str) -> ResponseReturnValue:
    if not current_actor().has("admin"):
        abort(403)
    to = (request.form.get("kepada") or "")[:64]
    expect = (request.form.get("dari") or "")[:64] or None
    back = url_for("inbox.assignment", task_id=task_id[:64])
    try:
        engine().assign(db_session(), task_id[:64], current_actor(), utcnow(), to=to,
                        expect=expect)
    except TaskClaimedByOther as err:
        db_session().rollback()
        flash(gettext("Tugas ini kini dipegang oleh %(user)s. Periksa lagi.", user=person(err.by)),
              "error")
        return redirect(back)
    db_session().commit()
    flash(gettext("Tugas diberikan kepada %(user)s; yang bersangkutan diberi tahu lewat "
                  "surat.", user=person(to)), "success")
    return redirect(back)
