"""``/api/v1/processes``: the deployed process versions, deploying a new one (or only
previewing it), a version's exact files, reactivating one, and moving waiting requests.

Anyone signed in may list versions (a script needs a ``process_id`` to start); only the
process owner (``admin``) changes them. A deploy takes the BPMN with its pack files as
several multipart ``file`` parts or one zip (files left out come from the active version);
with ``dry_run`` (query or form) it answers with the differences from the active version
and changes nothing, which is how a script shows a person what will happen before it
does. A refused file is a 422 with the validator's problems.
"""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from flask import jsonify, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine import packfiles
from engine.deploy import Preview
from engine.input_text import MAX_INTEGER
from webui.api.blueprint import ApiError, bp
from webui.api.payload import json_object, jsonable, version_json
from webui.auth import current_actor, roles_required
from webui.errors import translate
from webui.extensions import db_session, engine, utcnow

_TRUE = ("1", "true", "ya", "yes")


@bp.get("/processes")
def list_processes() -> ResponseReturnValue:
    return jsonify([version_json(v) for v in engine().versions(db_session())])


def _uploaded_pack() -> packfiles.PackFiles:
    uploads = [(f.filename or "", f.read(packfiles.MAX_TOTAL_BYTES + 1))
               for f in request.files.getlist("file")
               if f.filename and "\x00" not in f.filename]
    if not uploads:
        raise ApiError(400, gettext("Permintaan tidak valid."),
                       {"file": gettext("Lampirkan berkas BPMN sebagai multipart 'file'.")})
    return engine().with_active_files(db_session(), packfiles.from_upload(uploads))


def preview_json(preview: Preview) -> dict[str, Any]:
    c = preview.compiled
    return {
        "valid": True,
        "process_id": c.process_id,
        "sha256": c.sha256,
        "active_version": preview.active.version if preview.active else None,
        "same_as_version": preview.same_as.version if preview.same_as else None,
        "changes": [asdict(ch) for ch in preview.diff.changes],
    }


@bp.post("/processes")
@roles_required("admin")
def deploy_process() -> ResponseReturnValue:
    source = _uploaded_pack()
    if request.values.get("dry_run", "").lower() in _TRUE:
        return jsonify(preview_json(engine().preview(db_session(), source)))
    result = engine().deploy_pack(db_session(), source, actor=current_actor().username,
                                  now=utcnow())
    db_session().commit()
    body = {**version_json(result.version), "created": result.created,
            "reactivated": result.reactivated}
    return jsonify(body), 201 if result.created else 200


@bp.get("/processes/<process_id>/versions/<int:version>/files")
@roles_required("admin")
def version_files(process_id: str, version: int) -> ResponseReturnValue:
    source = engine().version_pack(db_session(), process_id[:200], version, current_actor())
    return send_file(io.BytesIO(packfiles.to_zip(source)), mimetype="application/zip",
                     as_attachment=True, download_name=f"{process_id}-v{version}.zip")


@bp.post("/processes/<process_id>/versions/<int:version>/activate")
@roles_required("admin")
def activate_version(process_id: str, version: int) -> ResponseReturnValue:
    view = engine().reactivate(db_session(), process_id[:200], version, current_actor(),
                               utcnow())
    db_session().commit()
    return jsonify(version_json(view))


def _migration_body() -> tuple[int, int, list[str] | None, bool]:
    body = json_object()  # NUL or broken text in an instance id: 400/422, never the database's
    source, target = body.get("from_version"), body.get("to_version")
    ids = body.get("instances")
    fields = {}
    for name, value in (("from_version", source), ("to_version", target)):
        if not isinstance(value, int) or isinstance(value, bool):
            fields[name] = gettext("Harus bilangan bulat.")
        elif not 0 <= value <= MAX_INTEGER:
            fields[name] = gettext("Nomor versi berupa bilangan bulat 0–%(max)d.", max=MAX_INTEGER)
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        fields["instances"] = gettext("Harus daftar nomor permintaan.")
    if fields:
        raise ApiError(400, gettext("Permintaan tidak valid."), fields)
    assert isinstance(source, int) and isinstance(target, int)
    return source, target, [i[:64] for i in ids] if ids else None, bool(body.get("dry_run"))


@bp.post("/processes/<process_id>/migrations")
@roles_required("admin")
def migrate_requests(process_id: str) -> ResponseReturnValue:
    """Move waiting requests ``from_version`` → ``to_version`` (``instances``: only these;
    ``dry_run``: check only). Each result says whether it moved and, if not, why."""
    source, target, ids, dry_run = _migration_body()
    pid, actor = process_id[:200], current_actor()
    if dry_run:
        results = engine().migration_check(db_session(), pid, source, target, actor, ids=ids)
    else:
        results = engine().migrate(db_session(), pid, source, target, actor, utcnow(), ids=ids)
        db_session().commit()
    return jsonify({"results": [
        jsonable({**asdict(r), "ok": r.ok, "reasons": [translate(x) for x in r.reasons]})
        for r in results]})
