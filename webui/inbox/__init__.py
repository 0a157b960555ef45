""""Kotak Tugas": the ready tasks the signed-in user may act on, oldest first, with their
due time, a filter by step and a search; and the claim ("Ambil") and release ("Lepas")
buttons. Which tasks those are is the engine's answer (``engine().inbox``).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from engine.errors import TaskClaimedByOther
from engine.tasks import InboxItem
from webui import display, paging
from webui.auth import current_actor
from webui.extensions import db_session, engine, utcnow
from webui.redirects import safe_next

bp = Blueprint("inbox", __name__)


def matching(items: Sequence[InboxItem], step: str, query: str) -> list[InboxItem]:
    """The items of one step (its BPMN id) whose number, kegiatan or instansi hold ``query``."""
    needle = query.strip().casefold()
    out = []
    for item in items:
        if step and item.step.bpmn_id != step:
            continue
        haystack = " ".join(filter(None, (item.instance.number, item.instance.kegiatan,
                                          item.instance.instansi))).casefold()
        if needle and needle not in haystack:
            continue
        out.append(item)
    return out


def step_choices(items: Sequence[InboxItem]) -> list[tuple[str, str, str | None]]:
    """(bpmn id, name, SOP step number) of the steps present, in SOP order."""
    seen = {i.step.bpmn_id: (i.step.bpmn_id, i.step.name, i.step.step) for i in items}
    return sorted(seen.values(), key=lambda c: (c[2] or "9", c[1]))


@bp.get("/tugas")
@login_required
def index() -> ResponseReturnValue:
    items = engine().inbox(db_session(), current_actor())
    step = request.args.get("langkah", "")[:200]
    query = request.args.get("q", "")[:200]
    shown = matching(items, step, query)
    pages = paging.requested(len(shown))
    return render_template("inbox/index.html",
                           items=shown[pages.offset:pages.offset + pages.per_page],
                           pages=pages, total=len(items), steps=step_choices(items), step=step,
                           query=query, now=utcnow())


@bp.post("/tugas/<task_id>/ambil")
@login_required
def claim(task_id: str) -> ResponseReturnValue:
    try:
        engine().claim(db_session(), task_id[:64], current_actor(), utcnow())
    except TaskClaimedByOther as err:  # a colleague was quicker: say who, stay on the page
        db_session().rollback()
        flash(gettext("Tugas ini sudah diambil oleh %(user)s.", user=display.person(err.by)),
              "error")
    else:
        db_session().commit()
        flash(gettext("Tugas diambil: tugas ini tercatat sedang Anda kerjakan."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))


@bp.post("/tugas/<task_id>/lepas")
@login_required
def release(task_id: str) -> ResponseReturnValue:
    try:
        engine().unclaim(db_session(), task_id[:64], current_actor(), utcnow())
    except TaskClaimedByOther as err:
        db_session().rollback()
        flash(gettext("Tugas ini sedang dikerjakan oleh %(user)s.",
                      user=display.person(err.by)), "error")
    else:
        db_session().commit()
        flash(gettext("Tugas dilepas: rekan lain dapat mengambilnya."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))

from webui.inbox import handover  # noqa: E402,F401 - registers its routes on bp
