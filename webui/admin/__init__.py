"""The process owner's area (role ``admin``): an overview, users and roles
(``webui.admin.people``), incidents with "Coba lagi", the mail outbox, and process versions
with the upload of a revised BPMN file.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.utils import secure_filename

from engine import users
from engine.errors import DefinitionError
from webui.auth import current_actor, roles_required
from webui.extensions import db, engine, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@roles_required("admin")
def index() -> ResponseReturnValue:
    actor = current_actor()
    counts = {
        "users": len(users.user_views(db.session)),
        "incidents": len(engine().incidents(db.session, actor)),
        "outbox": len([m for m in engine().mail_outbox(db.session, actor)
                       if m.status == "outbox"]),
        "versions": len([v for v in engine().versions(db.session) if v.active]),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/insiden")
@roles_required("admin")
def incidents() -> ResponseReturnValue:
    items = engine().incidents(db.session, current_actor())
    return render_template("admin/incidents.html", items=items)


@bp.post("/insiden/<instance_id>/coba-lagi")
@roles_required("admin")
def retry(instance_id: str) -> ResponseReturnValue:
    count = engine().retry_incident(db.session, instance_id[:64], current_actor(), utcnow())
    db.session.commit()
    flash(gettext("Dicoba lagi: %(n)d pekerjaan dijadwalkan ulang.", n=count), "success")
    return redirect(url_for("admin.incidents"))


@bp.get("/surat")
@roles_required("admin")
def outbox() -> ResponseReturnValue:
    return render_template("admin/outbox.html",
                           items=engine().mail_outbox(db.session, current_actor()))


@bp.get("/proses")
@roles_required("admin")
def processes() -> ResponseReturnValue:
    return render_template("admin/processes.html", versions=engine().versions(db.session),
                           problems=None, filename=None)


@bp.post("/proses")
@roles_required("admin")
def deploy() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Pilih berkas BPMN terlebih dahulu."), "error")
        return redirect(url_for("admin.processes"))
    filename = secure_filename(upload.filename) or "proses.bpmn"
    try:
        result = engine().deploy(db.session, upload.read(), filename,
                                 actor=current_actor().username, now=utcnow())
    except DefinitionError as err:
        db.session.rollback()
        page = render_template("admin/processes.html", versions=engine().versions(db.session),
                               problems=err.problems, filename=filename)
        return page, 422
    db.session.commit()
    v = result.version
    if result.created:
        flash(gettext("%(process)s versi %(version)d aktif.", process=v.name, version=v.version),
              "success")
    else:
        flash(gettext("Berkas sama dengan versi aktif; tidak ada versi baru."), "info")
    return redirect(url_for("admin.processes"))


from webui.admin import people  # noqa: E402  (registers the user pages on ``bp``)

__all__ = ["bp", "people"]
