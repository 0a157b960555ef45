"""The requester's pages and the request record: "Permintaan Saya", starting a request,
a request's detail (data, timeline, reason, meeting), withdrawing it, its letter and its
calendar invite; and "Semua Permintaan" for staff, auditors and admins. Who may see a
request is the engine's decision (``engine().instance`` raises ``NotFound`` otherwise).
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from engine.errors import Conflict, Forbidden, InvalidFormData
from engine.instances import CANCELLABLE
from engine.views import InstanceView
from webui import paging
from webui.auth import current_actor, everything_readers_only
from webui.display import STATUS
from webui.errors import field_messages
from webui.extensions import db_session, engine, letters, utcnow
from webui.requests import invite

bp = Blueprint("requests", __name__)


@bp.get("/permintaan")
@login_required
def mine() -> ResponseReturnValue:
    actor = current_actor()
    pages = paging.requested(engine().count_instances(db_session(), actor, mine=True))
    items = engine().instances(db_session(), actor, mine=True, limit=pages.per_page,
                               offset=pages.offset)
    startable = engine().startable(db_session(), actor)
    return render_template("requests/mine.html", items=items, startable=startable, pages=pages)


@bp.post("/permintaan/baru")
@login_required
def new() -> ResponseReturnValue:
    process_id = (request.form.get("process_id") or "")[:200] or None
    view = engine().start(db_session(), current_actor(), utcnow(), process_id=process_id)
    db_session().commit()
    first = next((s for s in view.steps if s.state == "ready" and s.kind == "user"), None)
    flash(gettext("Draf %(number)s dibuat. Permintaan baru terkirim setelah formulirnya "
                  "Anda kirim.", number=view.summary.number), "success")
    if first is None:
        return redirect(url_for("requests.detail", instance_id=view.id))
    return redirect(url_for("tasks.show", task_id=first.task_id))


@bp.get("/permintaan/semua")
@everything_readers_only
def everything() -> ResponseReturnValue:
    status = request.args.get("status", "")
    status = status if status in STATUS else ""
    actor = current_actor()
    pages = paging.requested(engine().count_instances(db_session(), actor, status=status or None))
    items = engine().instances(db_session(), actor, status=status or None,
                               limit=pages.per_page, offset=pages.offset)
    return render_template("requests/everything.html", items=items, status=status, pages=pages)


@bp.get("/permintaan/<instance_id>")
@login_required
def detail(instance_id: str) -> ResponseReturnValue:
    view = engine().instance(db_session(), instance_id[:64], current_actor())
    documents = engine().documents.of_instance(db_session(), view.id, current_actor())
    return render_template("requests/detail.html", view=view, documents=documents, now=utcnow())


@bp.get("/permintaan/<instance_id>/batal")
@login_required
def confirm_cancel(instance_id: str) -> ResponseReturnValue:
    """The confirmation page: what cancelling does here, and the reason (required)."""
    return _cancel_page(_cancellable(instance_id[:64]))


@bp.post("/permintaan/<instance_id>/batal")
@login_required
def withdraw(instance_id: str) -> ResponseReturnValue:
    view = _cancellable(instance_id[:64])
    reason = (request.form.get("alasan") or "")[:2000]
    try:
        engine().cancel(db_session(), view.id, current_actor(), utcnow(), reason=reason)
    except InvalidFormData as err:
        db_session().rollback()
        return _cancel_page(view, reason, field_messages(err), 422)
    db_session().commit()
    flash(gettext("Permintaan %(number)s dibatalkan.", number=view.summary.number), "success")
    return redirect(url_for("requests.detail", instance_id=view.id))


def _cancellable(instance_id: str) -> InstanceView:
    """The request, when the actor may cancel it now (else the engine's 404/403/409)."""
    view = engine().instance(db_session(), instance_id, current_actor())
    if view.summary.status not in CANCELLABLE:
        raise Conflict("Permintaan ini sudah tidak berjalan.")
    if not engine().may_cancel(db_session(), view.id, current_actor()):
        raise Forbidden("Hanya pemohon atau staf yang dapat membatalkan permintaan.")
    return view


def _cancel_page(view: InstanceView, reason: str = "", errors: dict[str, str] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    page = render_template("requests/cancel.html", view=view, reason=reason,
                           errors=errors or {})
    return page, status


@bp.get("/permintaan/<instance_id>/berkas/<attachment_id>")
@login_required
def letter(instance_id: str, attachment_id: str) -> ResponseReturnValue:
    found = engine().attachment(db_session(), attachment_id[:64], current_actor())
    path = letters().path_of(found.stored_name)
    if found.instance_id != instance_id or path is None:
        abort(404)
    return _pdf_inline(path, found.filename)


@bp.get("/permintaan/<instance_id>/dokumen/<document_id>")
@login_required
def document(instance_id: str, document_id: str) -> ResponseReturnValue:
    """A pass's document (the FPVC as signed); 404 for whoever may not see the request."""
    found, path = engine().documents.file(db_session(), instance_id[:64], document_id[:64],
                                          current_actor())
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: What a PDF opened in the browser may do: nothing but be drawn. No script, no fetch, no
#: frame around it, no form. Not the ``sandbox`` directive: Chromium refuses to start its
#: PDF viewer in a sandboxed document (the page stays blank), and what ``sandbox`` would add
#: (no script of the page's origin) is already refused by ``default-src 'none'``; the
#: viewer's own inline style needs ``style-src 'unsafe-inline'``.
PDF_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def _pdf_inline(path: Path, filename: str) -> ResponseReturnValue:
    """A stored PDF (only PDFs are stored: ``webui.uploads``) opened in the browser's
    viewer rather than downloaded, always as ``application/pdf`` with ``nosniff``."""
    response = send_file(path, mimetype="application/pdf", as_attachment=False,
                         download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PDF_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/permintaan/<instance_id>/undangan.ics")
@login_required
def calendar(instance_id: str) -> ResponseReturnValue:
    view = engine().instance(db_session(), instance_id[:64], current_actor())
    body = invite.ics_for(view, organizer=engine().settings.worker.mail_from, now=utcnow())
    if body is None:
        abort(404)
    filename = f"undangan-{view.summary.number}.ics"
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
