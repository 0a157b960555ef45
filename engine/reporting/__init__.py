"""The durations report: every step's durations against its SOP target, per pass of the
loop, the SOP time and the end-to-end time of each request, the loop rate, the breaches.

``durations(session, ReportFilter(...))`` returns a frozen ``DurationReport`` whose
``as_dict()`` is the JSON API's shape. Numbers come from SQL over the durations stamped on
each completed step record (``engine.reporting.stamps``), never from serialized workflows;
the calendar and the working-hours clock share one code path and differ only in the
columns they read (``per_step``, ``per_request``). Rules:
- a step's duration is ready → completed; waiting is ready → opened, working is
  opened → completed (service tasks are never opened, so they have neither);
- only completed records count; records of cancelled requests are left out of every
  time statistic, but the requests are counted (status counts, loop rate, passes);
- a record is within target when it completed by its due time (ready + its target; on the
  working-hours clock, when its office-hours duration is at most its target); steps
  without a target show no share;
- the SOP time of a request is the sum of its targeted steps over all passes, for
  completed requests; end-to-end is created → completed;
- percentiles interpolate linearly between the two nearest ranks (PERCENTILE_CONT).
Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine import store
from engine.diagram import Diagram, parse
from engine.reporting import queries as q
from engine.reporting.model import DurationReport, StepStats
from engine.reporting.per_request import request_stats
from engine.reporting.per_step import StepNumbers
from engine.reporting.scope import Scope, select_records
from engine.reporting.stamps import CALENDAR, OFFICE
from engine.reporting.workclock import OfficeHours

WIB = ZoneInfo("Asia/Jakarta")

__all__ = [
    "DurationReport",
    "ReportFilter",
    "ReportOptions",
    "diagram",
    "durations",
    "options",
    "records",
]


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


def _wib_midnight(day: date | None, *, days: int = 0) -> datetime | None:
    """The UTC instant ``days`` after ``day`` begins in WIB; None (no bound) for none, or
    for a day at the calendar's edge (``0001-01-01``, ``9999-12-31``, as a typed or crafted
    filter may hold), whose bound Python cannot write and which bounds nothing."""
    if day is None:
        return None
    try:
        return datetime.combine(day + timedelta(days=days), time(0), WIB).astimezone(UTC)
    except OverflowError:
        return None


def _resolve(session: Session, filt: ReportFilter) -> _Resolved:
    process_id = filt.process_id or store.active_version(session).process_id
    rows = q.versions(session, process_id)
    ids: tuple[int, ...] | None = None
    if filt.version is not None:
        ids = tuple(r.id for r in rows if r.version == filt.version)
    elif q.process_count(session) > 1:
        ids = tuple(r.id for r in rows)
    scope = Scope(
        start=_wib_midnight(filt.date_from),
        end=_wib_midnight(filt.date_to, days=1),
        instansi=filt.instansi or None,
        version_ids=ids,
    )
    shown = next((r for r in rows if filt.version in (None, r.version)), rows[0])
    return _Resolved(process_id, rows, scope, shown)


def _step_meta(rows: Sequence[Any], version: int | None) -> dict[str, dict[str, Any]]:
    """Step descriptions, the chosen (or newest) version's first, then older ones'."""
    ordered = sorted(rows, key=lambda r: (r.version != version, -r.version))
    meta: dict[str, dict[str, Any]] = {}
    for row in ordered:
        for bpmn_id, step in row.meta.get("steps", {}).items():
            meta.setdefault(bpmn_id, step)
    return meta


def _sop_targets(resolved: _Resolved) -> dict[int, int | None] | None:
    """Version id → SOP target of the versions in scope, when they differ (each request is
    then judged against its own version's); None when one target holds for all."""
    ids = resolved.scope.version_ids
    targets = {r.id: r.meta.get("target_s") for r in resolved.versions
               if ids is None or r.id in ids}
    return targets if len(set(targets.values())) > 1 else None


def _merge_order(order: list[str], other: list[str]) -> None:
    """Put the steps of ``other`` missing from ``order`` right after the step that comes
    before them in ``other`` (at the start when none does)."""
    for index, bpmn_id in enumerate(other):
        if bpmn_id in order:
            continue
        before = next((b for b in reversed(other[:index]) if b in order), None)
        order.insert(order.index(before) + 1 if before else 0, bpmn_id)


def _flow_order(resolved: _Resolved, version: int | None, meta: dict[str, Any]) -> list[str]:
    """Steps in the order of the flow (the chosen or newest version's walk from the start,
    then older versions' steps beside their neighbours); versions deployed before the
    order was kept fall back to the SOP step number."""
    ordered = sorted(resolved.versions, key=lambda r: (r.version != version, -r.version))
    order: list[str] = []
    for row in ordered:
        _merge_order(order, list(row.meta.get("order") or _number_order(row.meta["steps"])))
    _merge_order(order, _number_order(meta))
    return order


def _number_order(meta: dict[str, dict[str, Any]]) -> list[str]:
    def key(item: tuple[int, str]) -> tuple[int, int]:
        index, bpmn_id = item
        number = str(meta[bpmn_id].get("step") or "")
        return (int(number) if number.isdigit() else 999, index)

    return [b for _, b in sorted(enumerate(meta), key=key)]


def _steps(
    session: Session, scope: Scope, numbers: StepNumbers, meta: dict[str, dict[str, Any]],
    order: list[str], now: datetime | None = None,
) -> tuple[StepStats, ...]:
    sel = numbers.sel
    passes = numbers.passes()
    open_now, breaches = q.open_counts(session, sel), q.breach_counts(session, scope)
    overdue = q.overdue_counts(session, sel, now) if now is not None else {}
    for bpmn_id in passes:
        meta.setdefault(bpmn_id, {"name": bpmn_id})
    _merge_order(order, list(meta))
    steps = []
    for bpmn_id in order:
        m, mine = meta[bpmn_id], passes.get(bpmn_id, [])
        dist = numbers.distribution(bpmn_id, mine)
        steps.append(
            StepStats(
                bpmn_id=bpmn_id,
                name=m.get("name") or bpmn_id,
                step=m.get("step"),
                lane=m.get("lane"),
                kind=m.get("kind", "user"),
                target_s=m.get("target_s"),
                durations=dist,
                passes=tuple(mine),
                open=open_now.get(bpmn_id, 0),
                breaches=breaches.get(bpmn_id, 0),
                overdue=overdue.get(bpmn_id, 0),
                histogram=numbers.histogram(bpmn_id, dist, m.get("target_s")),
            )
        )
    return tuple(steps)


def durations(
    session: Session, filt: ReportFilter | None = None, hours: OfficeHours | None = None,
    now: datetime | None = None,
) -> DurationReport:
    """The whole report for ``filt`` (default: every request of the active process), on the
    calendar clock, or on the working-hours clock when ``hours`` are given. Every number is
    read as stamped when its step or request completed (``engine.reporting.stamps``): on
    the working-hours clock, with the hours configured then (``alur report recompute``
    restamps them after a change)."""
    filt = filt or ReportFilter()
    resolved = _resolve(session, filt)
    scope, sel = resolved.scope, select_records(session, resolved.scope)
    target_s = resolved.shown.meta.get("target_s")
    clock = CALENDAR if hours is None else OFFICE
    numbers = StepNumbers.read(session, sel, clock)
    requests = request_stats(session, scope, sel, clock, target_s, _sop_targets(resolved))
    meta = _step_meta(resolved.versions, filt.version)
    steps = _steps(session, scope, numbers, meta, _flow_order(resolved, filt.version, meta), now)
    return DurationReport(
        process_id=resolved.process_id,
        process_name=resolved.shown.meta.get("name", resolved.process_id),
        version=resolved.shown.version,
        target_s=target_s,
        clock=clock.name,
        filter=filt,
        instances=requests.counts,
        steps=steps,
        sop=requests.sop,
        sop_within_pct=requests.sop_within_pct,
        end_to_end=requests.end_to_end,
        loop_rate=requests.loop_rate,
        mean_passes=requests.mean_passes,
        breaches=sum(s.breaches for s in steps),
        weeks=requests.weeks,
    )


@dataclass(frozen=True)
class ReportOptions:
    """What the report's filters can choose from."""

    instansi: tuple[str, ...]
    versions: tuple[int, ...]


def options(session: Session) -> ReportOptions:
    process_id = store.active_version(session).process_id
    return ReportOptions(
        tuple(q.instansi_values(session)), tuple(r.version for r in q.versions(session, process_id))
    )


def records(session: Session, filt: ReportFilter | None = None) -> Iterator[q.RecordRow]:
    """Every step record of the requests ``filt`` selects (the CSV export), streamed."""
    return q.record_rows(session, _resolve(session, filt or ReportFilter()).scope)


def diagram(session: Session, filt: ReportFilter | None = None) -> Diagram:
    """The diagram of the version the report for ``filt`` shows."""
    return parse(q.version_xml(session, _resolve(session, filt or ReportFilter()).shown.id))
