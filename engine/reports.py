"""The durations report: every step's durations against its SOP target, per pass of the
loop, the SOP time and the end-to-end time of each request, the loop rate, the breaches.

``durations(session, ReportFilter(...))`` returns a frozen ``DurationReport`` whose
``as_dict()`` is the JSON API's shape. Numbers come from SQL over ``step_records``
(``engine.report_queries``), never from serialized workflows. Rules:
- a step's duration is ready → completed; waiting is ready → opened, working is
  opened → completed (service tasks are never opened, so they have neither);
- only completed records count; records of cancelled requests are left out of every
  time statistic, but the requests are counted (status counts, loop rate, passes);
- a record is within target when it completed by its due time (ready + its target);
  steps without a target show no share;
- the SOP time of a request is the sum of its targeted steps over all passes, for
  completed requests; end-to-end is created → completed;
- percentiles interpolate linearly between the two nearest ranks (PERCENTILE_CONT).
Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine import report_queries as q
from engine import store
from engine.diagram import Diagram, parse
from engine.ranking import percentile
from engine.report_model import (
    Bin,
    Distribution,
    DurationReport,
    PassStats,
    StepStats,
    secs,
)
from engine.report_requests import request_stats
from engine.report_scope import Scope, Selection, select_records

WIB = ZoneInfo("Asia/Jakarta")
MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)
# Histogram bounds as multiples of the step's target (or, without one, of its median).
BIN_FACTORS = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)

__all__ = ["DurationReport", "ReportFilter", "ReportOptions", "diagram", "durations", "options",
           "records"]


@dataclass(frozen=True)
class ReportFilter:
    """What the auditor asked for: requests created from/to (inclusive WIB dates), of an
    instansi, of a process version number; ``process_id`` defaults to the active one."""

    date_from: date | None = None
    date_to: date | None = None
    instansi: str | None = None
    version: int | None = None
    process_id: str | None = None


@dataclass(frozen=True)
class _Resolved:
    process_id: str
    versions: Sequence[Any]
    scope: Scope
    shown: Any  # the version whose names, targets and diagram the report shows


def _wib_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), WIB).astimezone(UTC)


def _resolve(session: Session, filt: ReportFilter) -> _Resolved:
    process_id = filt.process_id or store.active_version(session).process_id
    rows = q.versions(session, process_id)
    ids: tuple[int, ...] | None = None
    if filt.version is not None:
        ids = tuple(r.id for r in rows if r.version == filt.version)
    elif q.process_count(session) > 1:
        ids = tuple(r.id for r in rows)
    scope = Scope(
        start=_wib_midnight(filt.date_from) if filt.date_from else None,
        end=_wib_midnight(filt.date_to + timedelta(days=1)) if filt.date_to else None,
        instansi=filt.instansi or None,
        version_ids=ids,
    )
    shown = next((r for r in rows if filt.version in (None, r.version)), rows[0])
    return _Resolved(process_id, rows, scope, shown)


@dataclass(frozen=True)
class _Reader:
    """One report's reading of the step records."""

    session: Session
    sel: Selection
    removed: dict[str, list[float]]

    def ranked(self, bpmn_id: str, n: int, position: int, limit: int = 2) -> list[float]:
        return q.ranked_durations(self.session, self.sel, bpmn_id, n, position,
                                  self.removed.get(bpmn_id, []), limit)

    def percentile(self, bpmn_id: str, n: int, p: Fraction) -> float | None:
        h = (n - 1) * p
        window = self.ranked(bpmn_id, n, int(h))
        return percentile(window, h - int(h)) if window else None

    def histogram(self, bpmn_id: str, d: Distribution, target_s: int | None) -> tuple[Bin, ...]:
        """Counts between bounds: multiples of the target, or of the median without one."""
        unit = float(target_s) if target_s else (d.median_s or 0.0)
        if not d.count or unit <= 0:
            return ()
        bounds = [unit * f for f in BIN_FACTORS]
        removed = self.removed.get(bpmn_id, [])
        upto = [q.count_at_most(self.session, self.sel, bpmn_id, d.count, b, removed,
                                from_top=b > (d.median_s or 0)) for b in bounds]
        counts = [b - a for a, b in zip([0, *upto], [*upto, d.count], strict=True)]
        return tuple(Bin(u, c) for u, c in zip([*bounds, None], counts, strict=True))

    def distribution(self, bpmn_id: str, passes: Sequence[PassStats]) -> Distribution:
        n = sum(p.count for p in passes)
        if not n:
            return Distribution(0, None, None, None, None)
        longest = self.ranked(bpmn_id, n, n - 1, limit=1)
        return Distribution(n, secs(sum(p.sum_s for p in passes) / n),
                            secs(self.percentile(bpmn_id, n, MEDIAN)),
                            secs(self.percentile(bpmn_id, n, P90)),
                            secs(longest[0]) if longest else None)


def _step_meta(rows: Sequence[Any], version: int | None) -> dict[str, dict[str, Any]]:
    """Step descriptions, the chosen (or newest) version's first, then older ones'."""
    ordered = sorted(rows, key=lambda r: (r.version != version, -r.version))
    meta: dict[str, dict[str, Any]] = {}
    for row in ordered:
        for bpmn_id, step in row.meta.get("steps", {}).items():
            meta.setdefault(bpmn_id, step)
    return meta


def _step_order(meta: dict[str, dict[str, Any]]) -> list[str]:
    def key(item: tuple[int, str]) -> tuple[int, int]:
        index, bpmn_id = item
        number = str(meta[bpmn_id].get("step") or "")
        return (int(number) if number.isdigit() else 999, index)

    return [b for _, b in sorted(enumerate(meta), key=key)]


def _passes(sums: dict[tuple[str, int], q.Sums]) -> dict[str, list[PassStats]]:
    out: dict[str, list[PassStats]] = {}
    for (bpmn_id, pass_no), (n, total, within, targeted, waiting, working, opened) in sorted(
            sums.items()):
        out.setdefault(bpmn_id, []).append(PassStats(
            pass_no=pass_no, count=n, sum_s=total, within=within, targeted=targeted,
            waiting_sum_s=waiting, working_sum_s=working, opened=opened,
        ))
    return out


def _steps(session: Session, scope: Scope, sel: Selection,
           meta: dict[str, dict[str, Any]]) -> tuple[StepStats, ...]:
    removed = q.removed_records(session, sel)
    passes = _passes(q.step_sums(session, sel, removed))
    reader = _Reader(session, sel, removed.durations)
    open_now, breaches = q.open_counts(session, sel), q.breach_counts(session, scope)
    for bpmn_id in passes:
        meta.setdefault(bpmn_id, {"name": bpmn_id})
    steps = []
    for bpmn_id in _step_order(meta):
        m, mine = meta[bpmn_id], passes.get(bpmn_id, [])
        dist = reader.distribution(bpmn_id, mine)
        steps.append(StepStats(
            bpmn_id=bpmn_id, name=m.get("name") or bpmn_id, step=m.get("step"),
            lane=m.get("lane"), kind=m.get("kind", "user"), target_s=m.get("target_s"),
            durations=dist, passes=tuple(mine), open=open_now.get(bpmn_id, 0),
            breaches=breaches.get(bpmn_id, 0),
            histogram=reader.histogram(bpmn_id, dist, m.get("target_s")),
        ))
    return tuple(steps)


def durations(session: Session, filt: ReportFilter | None = None) -> DurationReport:
    """The whole report for ``filt`` (default: every request of the active process)."""
    filt = filt or ReportFilter()
    resolved = _resolve(session, filt)
    sel = select_records(session, resolved.scope)
    target_s = resolved.shown.meta.get("target_s")
    requests = request_stats(session, resolved.scope, sel, target_s)
    steps = _steps(session, resolved.scope, sel, _step_meta(resolved.versions, filt.version))
    return DurationReport(
        process_id=resolved.process_id,
        process_name=resolved.shown.meta.get("name", resolved.process_id),
        version=resolved.shown.version, target_s=target_s, clock="calendar", filter=filt,
        instances=requests.counts, steps=steps, sop=requests.sop,
        sop_within_pct=requests.sop_within_pct, end_to_end=requests.end_to_end,
        loop_rate=requests.loop_rate, mean_passes=requests.mean_passes,
        breaches=sum(s.breaches for s in steps), weeks=requests.weeks,
    )


@dataclass(frozen=True)
class ReportOptions:
    """What the report's filters can choose from."""

    instansi: tuple[str, ...]
    versions: tuple[int, ...]


def options(session: Session) -> ReportOptions:
    process_id = store.active_version(session).process_id
    return ReportOptions(tuple(q.instansi_values(session)),
                         tuple(r.version for r in q.versions(session, process_id)))


def records(session: Session, filt: ReportFilter | None = None) -> Iterator[q.RecordRow]:
    """Every step record of the requests ``filt`` selects (the CSV export), streamed."""
    return q.record_rows(session, _resolve(session, filt or ReportFilter()).scope)


def diagram(session: Session, filt: ReportFilter | None = None) -> Diagram:
    """The diagram of the version the report for ``filt`` shows."""
    return parse(q.version_xml(session, _resolve(session, filt or ReportFilter()).shown.id))
