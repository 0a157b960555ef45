"""``alur report durations``: the numbers of the ``/laporan`` page on the command line, as a
table (default), the summary CSV, or the JSON API's shape."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from engine.errors import EngineError
from engine.reporting.model import DurationReport
from webui.cli_args import WHOLE_NUMBER
from webui.extensions import db_session, engine, office_hours
from webui.reports.csvexport import summary_lines
from webui.templating import duration

DATE = click.DateTime(formats=["%Y-%m-%d"])
CLOCKS = {"calendar": "kalender (24 jam)", "office_hours": "jam kerja"}  # as on the page


@click.group("report")
def report_group() -> None:
    """Reports (read-only, but for ``recompute``)."""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def table(report: DurationReport) -> str:
    """A plain-text table: one line per step, then the SOP time and the requests."""
    head = ("No", "Langkah", "Target", "n", "Median", "P90", "Maks", "Sesuai", "Tunggu",
            "Kerja")
    rows = [head]
    for s in report.steps:
        d = s.durations
        rows.append((s.step or "", s.name[:44],
                     duration(s.target_s) if s.target_s is not None else "–", str(d.count),
                     duration(d.median_s), duration(d.p90_s), duration(d.max_s),
                     _pct(s.within_target_pct), duration(s.waiting_mean_s),
                     duration(s.working_mean_s)))
    sop = report.sop
    rows.append(("", "Waktu SOP (langkah bertarget)", duration(report.target_s),
                 str(sop.count), duration(sop.median_s), duration(sop.p90_s),
                 duration(sop.max_s), _pct(report.sop_within_pct), "", ""))
    e2e = report.end_to_end
    rows.append(("", "Awal sampai akhir", "–", str(e2e.count), duration(e2e.median_s),
                 duration(e2e.p90_s), duration(e2e.max_s), "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    c = report.instances
    loop = _pct(report.loop_rate * 100 if report.loop_rate is not None else None)
    lines += ["", f"Permintaan: {c.total} (selesai {c.completed}, berjalan {c.running}, "
                  f"dibatalkan {c.cancelled}, insiden {c.incident}); putaran ulang {loop}, "
                  f"rata-rata putaran {report.mean_passes or '–'}; "
                  f"pelanggaran target {report.breaches}",
              f"Proses: {report.process_name} v{report.version}; "
              f"jam: {CLOCKS.get(report.clock, report.clock)}"]
    return "\n".join(lines)


@report_group.command("durations")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True)
@click.option("--from", "date_from", type=DATE, help="Created on or after (WIB date).")
@click.option("--to", "date_to", type=DATE, help="Created on or before (WIB date).")
@click.option("--instansi", help="Only requests of this instansi (OPD).")
@click.option("--version", "version", type=WHOLE_NUMBER, help="Only this process version.")
@click.option("--clock", type=click.Choice(["calendar", "office"]), default="calendar",
              show_default=True, help="Count all time, or only office hours (OFFICE_HOURS).")
@with_appcontext
def durations(fmt: str, date_from: datetime | None, date_to: datetime | None,
              instansi: str | None, version: int | None, clock: str) -> None:
    """Step durations against their SOP targets."""
    try:
        report = engine().durations(
            db_session(), date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None, instansi=instansi, version=version,
            office_hours=office_hours() if clock == "office" else None)
    except EngineError as err:
        raise click.ClickException(str(err)) from None
    finally:
        db_session().rollback()
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo("".join(summary_lines(report)), nl=False)
    else:
        with force_locale("id"):  # no request here to choose a language from
            click.echo(table(report))


@report_group.command("recompute")
@with_appcontext
def recompute() -> None:
    """Restamp every completed step's and request's durations with the configured office
    hours (OFFICE_HOURS, HOLIDAYS): run it after changing them."""
    hours = office_hours()
    with db_session().begin():
        count = engine().recompute_durations(db_session(), hours)
    click.echo(f"Durasi dihitung ulang dengan jam kerja {hours.spec}"
               + (f" dan {len(hours.holidays)} hari libur" if hours.holidays else "")
               + f": {count} catatan langkah dan permintaan berubah.")
