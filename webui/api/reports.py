"""``/api/v1/reports/durations``: step durations against the SOP's targets, for auditors
and the process owner. ``?from=&to=`` are WIB dates (``YYYY-MM-DD``, inclusive),
``instansi`` and ``version`` narrow it; the numbers and their shape are ``engine.reporting``'.
"""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.input_text import whole_number
from webui.api.blueprint import ApiError, bp
from webui.api.payload import jsonable, query_text
from webui.auth import roles_required
from webui.extensions import db_session, engine

READERS = ("auditor", "admin")


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, gettext("Parameter tidak valid."),
                       {name: gettext("Tanggal berformat YYYY-MM-DD.")}) from None


def _version_arg() -> int | None:
    raw = request.args.get("version", "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        raise ApiError(400, gettext("Parameter tidak valid."),
                       {"version": gettext("Nomor versi berupa bilangan bulat.")})
    return number


@bp.get("/reports/durations")
@roles_required(*READERS)
def durations() -> ResponseReturnValue:
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from and date_to and date_from > date_to:
        raise ApiError(400, gettext("Parameter tidak valid."),
                       {"to": gettext("Tanggal akhir tidak boleh sebelum tanggal awal.")})
    report = engine().durations(db_session(), date_from=date_from, date_to=date_to,
                                instansi=query_text("instansi"),
                                version=_version_arg())
    return jsonify(jsonable(report.as_dict()))
