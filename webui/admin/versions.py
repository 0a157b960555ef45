"""Process versions for the process owner (``admin``): the list with request counts, an
upload that is previewed (validation report, or the new diagram with its changes marked
and a table of differences) and deployed only once confirmed, each version's diagram and
exact files, reactivating an older version, and moving waiting requests between versions.
Every change is confirmed on a page that works without JavaScript.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine import packfiles
from engine.deploy import Preview
from engine.diagram import Diagram, parse
from engine.errors import DefinitionError, FieldError
from engine.input_text import whole_number
from engine.versiondiff import KIND_LABELS, VersionDiff
from webui.admin import bp
from webui.auth import current_actor, roles_required
from webui.display import tr
from webui.errors import translate
from webui.extensions import db_session, engine, pending_deploys, utcnow
from webui.reports.marks import DiagramView, Mark

_ADDED = ("added",)
_FLOWS = ("condition",)


def _marks(diagram: Diagram, diff: VersionDiff) -> DiagramView:
    marks: dict[str, Mark] = {}
    for element, kind in diff.marked.items():
        node = diagram.node(element)
        if node is None:
            continue
        label = gettext(KIND_LABELS[kind])
        css, symbol = ("state-current", "+") if kind in _ADDED else ("grade-fair", "✎")
        marks[element] = Mark(css, symbol, label, f"{tr(node.name)}: {label}")
    flows = frozenset(c.element for c in diff.of_kind(*_FLOWS))
    desc = "; ".join(m.title for m in marks.values()) or gettext("Tidak ada langkah yang berubah.")
    return DiagramView(diagram, "pre", gettext("Diagram versi baru, perubahan ditandai"), desc,
                       marks, flows)


def _page(problems: list[str] | None = None, filename: str | None = None) -> str:
    rows = engine().version_rows(db_session(), current_actor())
    return render_template("admin/processes.html", rows=rows, problems=problems,
                           filename=filename)


@bp.app_template_filter("reason")
def reason(message: FieldError) -> str:
    """A reason a request cannot move, in the user's language."""
    return translate(message)


@bp.get("/proses")
@roles_required("admin")
def processes() -> ResponseReturnValue:
    return _page()


@bp.post("/proses")
@roles_required("admin")
def deploy() -> ResponseReturnValue:
    uploads = [(f.filename or "", f.read(packfiles.MAX_TOTAL_BYTES + 1))
               for f in request.files.getlist("file") if f.filename]
    if not uploads:
        flash(gettext("Pilih berkas BPMN terlebih dahulu."), "error")
        return redirect(url_for("admin.processes"))
    try:
        source = engine().with_active_files(db_session(), packfiles.from_upload(uploads))
        engine().preview(db_session(), source)
    except DefinitionError as err:
        db_session().rollback()
        return _page(err.problems, err.filename), 422
    token = pending_deploys().keep(source)
    return redirect(url_for("admin.preview", token=token))


def _pending(token: str) -> packfiles.PackFiles:
    source = pending_deploys().load(token[:64])
    if source is None:
        abort(404)
    return source


def _preview_page(token: str, preview: Preview) -> str:
    view = _marks(parse(preview.compiled.xml), preview.diff)
    return render_template("admin/version_preview.html", token=token, preview=preview,
                           diagram=view, labels=KIND_LABELS)


@bp.get("/proses/pratinjau/<token>")
@roles_required("admin")
def preview(token: str) -> ResponseReturnValue:
    source = _pending(token)
    try:
        result = engine().preview(db_session(), source)
    except DefinitionError as err:  # the rules changed since the upload
        pending_deploys().drop(token)
        return _page(err.problems, err.filename), 422
    return _preview_page(token, result)


@bp.post("/proses/pratinjau/<token>")
@roles_required("admin")
def confirm(token: str) -> ResponseReturnValue:
    source = _pending(token)
    try:
        result = engine().deploy_pack(db_session(), source, actor=current_actor().username,
                                      now=utcnow())
    except DefinitionError as err:
        db_session().rollback()
        return _page(err.problems, err.filename), 422
    db_session().commit()
    pending_deploys().drop(token)
    v = result.version
    if result.created or result.reactivated:
        flash(gettext("%(process)s versi %(version)d aktif.", process=v.name, version=v.version),
              "success")
    else:
        flash(gettext("Berkas sama dengan versi aktif; tidak ada versi baru."), "info")
    waiting = sum(r.running for r in engine().version_rows(db_session(), current_actor())
                  if r.version.process_id == v.process_id and not r.version.active)
    if waiting:
        flash(gettext("%(n)d permintaan masih berjalan pada versi lama; bila perlu, pindahkan "
                      "dari daftar di bawah.", n=waiting), "info")
    return redirect(url_for("admin.processes"))


@bp.get("/proses/<process_id>/<int:version>")
@roles_required("admin")
def version_diagram(process_id: str, version: int) -> ResponseReturnValue:
    diagram = engine().version_diagram(db_session(), process_id[:200], version)
    view = DiagramView(diagram, "ver", gettext("Diagram proses versi %(v)d", v=version), "")
    return render_template("admin/version_diagram.html", diagram=view, version=version,
                           process_id=process_id)


@bp.get("/proses/<process_id>/<int:version>/unduh")
@roles_required("admin")
def download(process_id: str, version: int) -> ResponseReturnValue:
    source = engine().version_pack(db_session(), process_id[:200], version, current_actor())
    name = f"{process_id}-v{version}.zip"
    return send_file(io.BytesIO(packfiles.to_zip(source)), mimetype="application/zip",
                     as_attachment=True, download_name=name)


@bp.route("/proses/<process_id>/<int:version>/aktifkan", methods=["GET", "POST"])
@roles_required("admin")
def reactivate(process_id: str, version: int) -> ResponseReturnValue:
    if request.method == "GET":
        engine().version_diagram(db_session(), process_id[:200], version)  # 404 when unknown
        return render_template("admin/version_reactivate.html", process_id=process_id,
                               version=version)
    engine().reactivate(db_session(), process_id[:200], version, current_actor(), utcnow())
    db_session().commit()
    flash(gettext("Versi %(v)d aktif lagi; permintaan baru memakainya.", v=version), "success")
    return redirect(url_for("admin.processes"))


@bp.route("/proses/<process_id>/<int:version>/pindah", methods=["GET", "POST"])
@roles_required("admin")
def migrate(process_id: str, version: int) -> ResponseReturnValue:
    target = whole_number(request.values.get("ke", ""))
    if target is None:
        abort(404)
    pid, actor = process_id[:200], current_actor()
    if request.method == "GET":
        checks = engine().migration_check(db_session(), pid, version, target, actor)
        return render_template("admin/version_migrate.html", process_id=pid, source=version,
                               target=target, checks=checks)
    ids = [i[:64] for i in request.form.getlist("instance")] or None
    done = engine().migrate(db_session(), pid, version, target, actor, utcnow(), ids=ids)
    db_session().commit()
    moved = sum(c.migrated for c in done)
    flash(gettext("%(n)d permintaan dipindahkan ke versi %(v)d.", n=moved, v=target), "success")
    refused = [c for c in done if not c.ok]
    if refused:
        flash(gettext("%(n)d permintaan tidak dapat dipindahkan.", n=len(refused)), "error")
    return redirect(url_for("admin.processes"))
