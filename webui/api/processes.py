"""``/api/v1/processes``: the deployed process versions, and deploying a new one.

Anyone signed in may list versions (a script needs a ``process_id`` to start); only the
process owner (``admin``) deploys. A refused file is a 422 with the validator's problems and
leaves the active version as it was.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webui.api.blueprint import ApiError, bp, db_session
from webui.api.payload import version_json
from webui.auth import current_actor, roles_required
from webui.extensions import engine, utcnow


@bp.get("/processes")
def list_processes() -> ResponseReturnValue:
    return jsonify([version_json(v) for v in engine().versions(db_session())])


@bp.post("/processes")
@roles_required("admin")
def deploy_process() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename or "\x00" in upload.filename:
        raise ApiError(400, gettext("Permintaan tidak valid."),
                       {"file": gettext("Lampirkan berkas BPMN sebagai multipart 'file'.")})
    filename = PurePosixPath(upload.filename.replace("\\", "/")).name
    result = engine().deploy(db_session(), upload.read(), filename,
                             actor=current_actor().username, now=utcnow())
    db_session().commit()
    body = {**version_json(result.version), "created": result.created}
    return jsonify(body), 201 if result.created else 200
