"""The public verification of a document: ``/verifikasi/<code>`` (the QR code on every
FPVC points here) shows, without signing in, only the document's number, decision,
signer's name and position, time and SHA-256; an uploaded copy is checked against that
hash. Each answer is one indexed lookup, and the pages sit under one path a reverse proxy
can rate-limit. The code in the URL is never sent on to another site (no referrer).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.errors import NotFound
from webui.auth import public
from webui.extensions import db_session, engine

bp = Blueprint("verify", __name__)
CHUNK = 64 * 1024


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/verifikasi")
@public
def index() -> ResponseReturnValue:
    code = request.args.get("kode", "").strip()[:64]
    if code:
        return redirect(url_for("verify.show", code=code))
    return render_template("verify/index.html")


@bp.get("/verifikasi/<code>")
@public
def show(code: str) -> ResponseReturnValue:
    try:
        document = engine().documents.verification(db_session(), code[:64])
    except NotFound:
        return render_template("verify/index.html", unknown=code[:64]), 404
    return render_template("verify/show.html", document=document)


def _digest() -> tuple[str | None, str | None]:
    """The uploaded copy's SHA-256, or the message saying why there is none."""
    upload = request.files.get("salinan")
    if upload is None or not upload.filename:
        return None, gettext("Pilih berkas PDF yang akan diperiksa.")
    limit = int(current_app.config["MAX_VERIFY_BYTES"])
    digest, size = hashlib.sha256(), 0
    while chunk := upload.stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return None, gettext("Berkas terlalu besar (maksimal %(mb)d MB).",
                                 mb=limit // (1024 * 1024))
        digest.update(chunk)
    if size == 0:
        return None, gettext("Berkas kosong.")
    return digest.hexdigest(), None


@bp.post("/verifikasi/<code>")
@public
def check(code: str) -> ResponseReturnValue:
    try:
        document = engine().documents.verification(db_session(), code[:64])
    except NotFound:
        return render_template("verify/index.html", unknown=code[:64]), 404
    digest, error = _digest()
    if error is not None:
        return render_template("verify/show.html", document=document, error=error), 422
    return render_template("verify/show.html", document=document, uploaded=digest,
                           matches=document.sha256 == digest)
