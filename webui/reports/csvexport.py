"""CSV exports of the durations report, written line by line so a large export streams.

``record_lines``: one row per step record (one per step per pass) with times in ISO-8601
with the WIB offset and durations in seconds, who did it, and what that pass submitted
(``data``, its own record as JSON; the meeting's host link only for those who may read
it). ``summary_lines``: the report's numbers, one row per step, per pass of each step, the
SOP time, end-to-end, and the request counts. Column names are the JSON API's keys. Text
that a spreadsheet would run as a formula is neutralised (``cell``). The CLI prints
``summary_lines`` for ``--format csv``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from engine.meetings import without_host_link
from engine.reporting.model import Distribution, DurationReport
from engine.reporting.queries import RecordRow
from webui.templating import WIB

RECORD_COLUMNS = (
    "number", "instance_id", "instansi", "version", "request_status", "bpmn_id", "name",
    "lane", "pass", "state", "ready_at", "opened_at", "completed_at", "duration_s",
    "waiting_s", "working_s", "target_s", "within_target", "completed_by",
    "completed_by_name", "data",
)
SUMMARY_COLUMNS = (
    "level", "bpmn_id", "name", "pass", "target_s", "count", "mean_s", "median_s", "p90_s",
    "max_s", "within_target_pct", "waiting_mean_s", "working_mean_s", "open", "breaches",
    "completed", "running", "cancelled", "incident", "loop_rate", "mean_passes",
)


# A spreadsheet runs a cell starting with one of these as a formula (an ``instansi`` of
# ``=HYPERLINK(...)`` would be a live link, or worse, in the auditor's spreadsheet).
# OWASP's rule: such text cells get a leading apostrophe; numbers are left as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> Any:
    """A value safe to put in a CSV cell opened by a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _line(values: Sequence[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([cell(v) for v in values])
    return out.getvalue()


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(WIB).isoformat() if value else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None


def _data(data: dict[str, Any] | None, host_links: bool) -> str | None:
    if data is None:
        return None
    shown = data if host_links else without_host_link(data)
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


def record_row(r: RecordRow, *, host_links: bool = False) -> list[Any]:
    done = r.completed_at if r.state == "completed" else None
    duration = _seconds(r.ready_at, done)
    within = None if duration is None or r.target_s is None else duration <= r.target_s
    return [
        r.number, r.instance_id, r.instansi, r.version, r.status,
        r.bpmn_id, r.name, r.lane, r.pass_no, r.state, _iso(r.ready_at), _iso(r.opened_at),
        _iso(r.completed_at), duration, _seconds(r.ready_at, r.opened_at),
        _seconds(r.opened_at, done), r.target_s,
        None if within is None else str(within).lower(), r.completed_by, r.completed_by_name,
        _data(r.data, host_links),
    ]


def record_lines(rows: Iterable[RecordRow], *, host_links: bool = False) -> Iterator[str]:
    """``host_links``: the reader may see the meeting's host link (an admin or a role of an
    operator lane, ``engine.meetings.host_roles``)."""
    yield _line(RECORD_COLUMNS)
    for row in rows:
        yield _line(record_row(row, host_links=host_links))


def _dist(d: Distribution) -> list[Any]:
    return [d.count, d.mean_s, d.median_s, d.p90_s, d.max_s]


def summary_rows(report: DurationReport) -> Iterator[list[Any]]:
    blank = [None] * 6
    for s in report.steps:
        yield ["step", s.bpmn_id, s.name, None, s.target_s, *_dist(s.durations),
               s.within_target_pct, s.waiting_mean_s, s.working_mean_s, s.open, s.breaches,
               *blank]
        for p in s.passes:
            yield ["pass", s.bpmn_id, s.name, p.pass_no, s.target_s, p.count, p.mean_s, None,
                   None, None, p.within_target_pct, p.waiting_mean_s, p.working_mean_s, None,
                   None, *blank]
    yield ["sop", None, report.total_dict()["name"], None, report.target_s,
           *_dist(report.sop), report.sop_within_pct, None, None, None, report.breaches,
           *blank]
    yield ["end_to_end", None, None, None, None, *_dist(report.end_to_end), *[None] * 11]
    c = report.instances
    yield ["requests", None, None, None, None, c.total, *[None] * 9, c.completed, c.running,
           c.cancelled, c.incident, report.loop_rate, report.mean_passes]


def summary_lines(report: DurationReport) -> Iterator[str]:
    yield _line(SUMMARY_COLUMNS)
    for row in summary_rows(report):
        yield _line(row)
