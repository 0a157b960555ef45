"""The auditors' area: ``/laporan`` shows every step's durations against its SOP target
(table, charts, the process diagram coloured by step), with CSV exports of the step records
and of the summary. Auditors and admins only; it never changes anything.

The working-hours clock (``?jam=kerja``) uses ``OFFICE_HOURS`` (default
``Mon-Fri 07:30-16:00``, WIB) and ``HOLIDAYS`` (comma-separated dates) from the configuration.
Also provides the template global ``report_instance_diagram(instance_id)`` that
``reports/_instance_diagram.html`` uses to draw one request on its process diagram.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    stream_with_context,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.reporting.model import DurationReport
from engine.roles import book as role_book
from webui.auth import current_actor, roles_required
from webui.extensions import db, db_session, engine, office_hours, utcnow
from webui.reports import charts, csvexport, marks, params

bp = Blueprint("reports", __name__, url_prefix="/laporan")
bp.add_app_template_global(charts.short_duration, "short_duration")
ROLES = ("auditor", "admin")
def _report(args: params.ReportArgs) -> DurationReport:
    return engine().durations(db_session(), **args.engine_kwargs(),
                              office_hours=office_hours() if args.office else None,
                              now=utcnow())  # the steps overdue now


@bp.get("")
@roles_required(*ROLES)
def index() -> ResponseReturnValue:
    args = params.parse(request.args)
    options = engine().report_options(db_session())
    if args.errors:
        return render_template("reports/index.html", args=args, options=options,
                               report=None, hours=office_hours()), 422
    report = _report(args)
    diagram = engine().process_diagram(db_session(), version=args.version)
    return render_template(
        "reports/index.html", args=args, options=options, report=report, hours=office_hours(),
        diagram=marks.report_view(diagram, report),
        histograms={s.bpmn_id: charts.histogram(s) for s in report.steps},
        trend=charts.trend(report.weeks), grade=charts.grade,
    )


def _csv(lines: Iterator[str], filename: str) -> Response:
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _invalid(args: params.ReportArgs) -> ResponseReturnValue:
    return Response(gettext("Filter tidak valid: %(e)s", e="; ".join(args.errors.values())),
                    status=422, mimetype="text/plain")


@bp.get("/langkah.csv")
@roles_required(*ROLES)
def records_csv() -> ResponseReturnValue:
    """One row per step record (per step per pass) of the requests the filter selects."""
    args = params.parse(request.args)
    if args.errors:
        return _invalid(args)
    # The rows are read while the response streams, in an app context of its own: the
    # scoped proxy finds that context's session, which its teardown closes. The view's
    # session is closed before then; a query on it would begin a transaction no one ends.
    stream_session = cast(Session, db.session)
    rows = engine().duration_records(stream_session, **args.engine_kwargs())
    host_links = current_actor().has("admin", *role_book(db_session()).operators)
    return _csv(csvexport.record_lines(rows, host_links=host_links), "laporan-langkah.csv")


@bp.get("/ringkasan.csv")
@roles_required(*ROLES)
def summary_csv() -> ResponseReturnValue:
    """The report's numbers: per step, per pass, the SOP time, end-to-end, requests."""
    args = params.parse(request.args)
    if args.errors:
        return _invalid(args)
    return _csv(csvexport.summary_lines(_report(args)), "laporan-ringkasan.csv")


@bp.app_template_global("report_instance_diagram")
def instance_diagram(instance_id: str) -> marks.DiagramView | None:
    """One request on its diagram, for whoever may see the request (else None)."""
    try:
        found = engine().instance_diagram(db_session(), instance_id, current_actor())
    except NotFound:
        return None
    return marks.instance_view(found)
