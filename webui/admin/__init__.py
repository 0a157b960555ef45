"""The process owner's area (role ``admin``): an overview, users and roles
(``webui.admin.people``), incidents with "Coba lagi", the mail outbox, and process versions
(``webui.admin.versions``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine import users
from webui.auth import current_actor, roles_required
from webui.extensions import db_session, engine, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@roles_required("admin")
def index() -> ResponseReturnValue:
    actor = current_actor()
    counts = {
        "users": len(users.user_views(db_session())),
        "incidents": len(engine().incidents(db_session(), actor)),
        "outbox": len([m for m in engine().mail_outbox(db_session(), actor)
                       if m.status == "outbox"]),
        "versions": len([v for v in engine().versions(db_session()) if v.active]),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/insiden")
@roles_required("admin")
def incidents() -> ResponseReturnValue:
    items = engine().incidents(db_session(), current_actor())
    return render_template("admin/incidents.html", items=items)


@bp.post("/insiden/<instance_id>/coba-lagi")
@roles_required("admin")
def retry(instance_id: str) -> ResponseReturnValue:
    count = engine().retry_incident(db_session(), instance_id[:64], current_actor(), utcnow())
    db_session().commit()
    flash(gettext("Dicoba lagi: %(n)d pekerjaan dijadwalkan ulang.", n=count), "success")
    return redirect(url_for("admin.incidents"))


@bp.get("/surat")
@roles_required("admin")
def outbox() -> ResponseReturnValue:
    return render_template("admin/outbox.html",
                           items=engine().mail_outbox(db_session(), current_actor()))


from webui.admin import people, versions  # noqa: E402  (register their pages on ``bp``)

__all__ = ["bp", "people", "versions"]
