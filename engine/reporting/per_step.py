"""Per-step numbers of the durations report, from the durations stamped on each record
(``engine.reporting.stamps``); the clock only selects which columns are read.

Sums per (step, pass) stream from the covering index ``ix_step_by_step``. In the usual
case few requests are left out (``Selection.mode == "all"``): percentiles walk
``ix_step_duration`` (or ``_office``) in order (``ORDER BY duration LIMIT w OFFSET k``)
instead of sorting, histogram bins count ranges of it, and the left-out records, read one
by one, are subtracted (``engine.reporting.ranking``). For a narrow filter (``"keep"``)
each step's kept durations are read once from ``ix_step_by_step`` and sorted here.
Imports no web layer.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.models import StepRecord
from engine.reporting import ranking
from engine.reporting.model import Bin, Distribution, PassStats, secs
from engine.reporting.scope import Selection
from engine.reporting.stamps import Clock

S = StepRecord
EPSILON_S = 0.0005  # durations compare with targets and bounds at millisecond resolution
MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)
# Histogram bounds as multiples of the step's target (or, without one, of its median).
BIN_FACTORS = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
Sums = tuple[int, float, int, int, float, float, int]
NO_SUMS: Sums = (0, 0.0, 0, 0, 0.0, 0.0, 0)


def stamped(column: Any) -> Any:
    """The records the report sums and ranks: those stamped with their durations, which are
    the completed ones (``engine.reporting.stamps`` stamps a record's durations, both
    clocks at once, when it completes, and no other record's; a record completed by code
    from before migration 0010 gets them from ``alur report recompute``). The report's
    indexes hold only these rows (partial on ``duration_s`` or ``duration_office_s IS NOT
    NULL``, ``models.StepRecord``): a query names the column its index is partial on, so
    SQLite both uses the index and reads nothing else (SQLite 3.40 reads the table for a
    query on ``state`` even when the index is partial on ``state = 'completed'``)."""
    return column.is_not(None)


def within(clock: Clock) -> Any:
    """1 when a targeted record completed within its target (ready + target)."""
    return case((S.due_at.is_not(None) & (clock.duration < S.target_s + EPSILON_S), 1), else_=0)


def _sums_stmt(clock: Clock) -> Any:
    return select(
        S.bpmn_id, S.pass_no, func.count(), func.sum(clock.duration), func.sum(within(clock)),
        func.count(S.due_at), func.sum(clock.waiting), func.sum(clock.working),
        func.count(clock.waiting),
    ).where(stamped(S.duration_s))


def _as_sums(row: Sequence[Any]) -> Sums:
    n, total, ok, targeted, waiting, working, opened = row
    return (int(n), float(total or 0), int(ok or 0), int(targeted), float(waiting or 0),
            float(working or 0), int(opened))


@dataclass(frozen=True)
class StepNumbers:
    """The selected completed records' sums per (bpmn_id, pass) and, in "all" mode, the
    sorted durations of the left-out ones per step (to subtract from index walks); in
    "keep" mode, the sorted kept durations of the step last asked about."""

    session: Session
    sel: Selection
    clock: Clock
    sums: dict[tuple[str, int], Sums]
    removed: dict[str, list[float]]
    kept: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, sel: Selection, clock: Clock) -> StepNumbers:
        stmt = _sums_stmt(clock).group_by(S.bpmn_id, S.pass_no)
        if sel.mode == "keep":
            rows = session.execute(stmt.where(S.instance_id.in_(sel.ids)))
            return cls(session, sel, clock, {(b, int(p)): _as_sums(r) for b, p, *r in rows}, {})
        sums = {(b, int(p)): _as_sums(r) for b, p, *r in session.execute(stmt)}
        # The left-out records one by one (no GROUP BY, so SQLite starts from the few
        # left-out instances instead of scanning every record).
        gone = select(S.bpmn_id, S.pass_no, clock.duration, within(clock), S.due_at.is_not(None),
                      clock.waiting, clock.working).where(
            stamped(S.duration_s), S.instance_id.in_(sel.ids))
        removed: dict[str, list[float]] = {}
        rows = session.connection().execute(gone)
        for bpmn_id, pass_no, dur, ok, targeted, waiting, working in rows:
            key = (bpmn_id, int(pass_no))
            minus = (1, dur, ok, int(bool(targeted)), waiting or 0.0, working or 0.0,
                     int(waiting is not None))
            left = tuple(a - b for a, b in zip(sums.get(key, NO_SUMS), minus, strict=True))
            sums[key] = left
            removed.setdefault(bpmn_id, []).append(float(dur))
        for values in removed.values():
            values.sort()
        return cls(session, sel, clock, {k: v for k, v in sums.items() if v[0]}, removed)

    def passes(self) -> dict[str, list[PassStats]]:
        out: dict[str, list[PassStats]] = {}
        for (bpmn_id, pass_no), sums in sorted(self.sums.items()):
            out.setdefault(bpmn_id, []).append(PassStats(pass_no, *sums))
        return out

    def distribution(self, bpmn_id: str, passes: Sequence[PassStats]) -> Distribution:
        n = sum(p.count for p in passes)
        if not n:
            return Distribution(0, None, None, None, None)
        longest = self._ranked(bpmn_id, n, n - 1, limit=1)
        return Distribution(
            n, secs(sum(p.sum_s for p in passes) / n), secs(self._percentile(bpmn_id, n, MEDIAN)),
            secs(self._percentile(bpmn_id, n, P90)), secs(longest[0]) if longest else None,
        )

    def histogram(self, bpmn_id: str, d: Distribution, target_s: int | None) -> tuple[Bin, ...]:
        """Counts between multiples of the target (or of the median), each bound counted
        from the nearer end of the index."""
        unit = float(target_s) if target_s else (d.median_s or 0.0)
        if not d.count or unit <= 0:
            return ()
        bounds = [unit * f for f in BIN_FACTORS]
        upto = [self._count_at_most(bpmn_id, d.count, b, from_top=b > (d.median_s or 0))
                for b in bounds]
        counts = [b - a for a, b in zip([0, *upto], [*upto, d.count], strict=True)]
        return tuple(Bin(u, c) for u, c in zip([*bounds, None], counts, strict=True))

    def _percentile(self, bpmn_id: str, n: int, p: Fraction) -> float | None:
        h = (n - 1) * p
        window = self._ranked(bpmn_id, n, int(h))
        return ranking.percentile(window, h - int(h)) if window else None

    def _walk(self, bpmn_id: str, offset: int, limit: int, descending: bool) -> list[float]:
        col = self.clock.duration
        stmt = (select(col).where(stamped(col), S.bpmn_id == bpmn_id)
                .order_by(col.desc() if descending else col).offset(offset).limit(limit))
        return [float(v) for v in self.session.scalars(stmt)]

    def _kept(self, bpmn_id: str) -> list[float]:
        """Keep mode: the step's kept durations, sorted; read once per step (the report
        asks about one step at a time), as the sums read them, from ``ix_step_by_step``,
        which holds the request of each record (the duration indexes do not)."""
        if bpmn_id not in self.kept:
            self.kept.clear()
            stmt = select(self.clock.duration).where(
                stamped(S.duration_s), S.bpmn_id == bpmn_id, S.instance_id.in_(self.sel.ids))
            rows = self.session.connection().execute(stmt).scalars()
            self.kept[bpmn_id] = sorted(float(v) for v in rows)
        return self.kept[bpmn_id]

    def _ranked(self, bpmn_id: str, count: int, position: int, limit: int = 2) -> list[float]:
        """Selected durations at ascending positions ``position``.. among ``count``,
        walking the index from whichever end is nearer."""
        last = min(position + limit, count) - 1
        if self.sel.mode == "keep":
            return self._kept(bpmn_id)[position:last + 1]
        descending = position > count // 2
        rank = count - 1 - last if descending else position
        values = self._subtracted(bpmn_id, count, rank, last - position + 1, descending)
        return values[::-1] if descending else values

    def _subtracted(self, bpmn_id: str, count: int, rank: int, limit: int,
                    descending: bool) -> list[float]:
        """Ranks ``rank``.. (in walk order) of all durations minus the removed ones. The
        window is first sized for removed values spread like the rest, then, if that was
        too short, to the size that is always enough."""
        removed = self.removed.get(bpmn_id, [])
        flip = -1.0 if descending else 1.0
        gone = sorted(flip * v for v in removed)
        safe = ranking.window_size(removed, limit)
        size = min(safe, int(1.25 * len(removed) * rank / max(count, 1)) + 64 + limit)
        while True:
            window = [flip * v for v in self._walk(bpmn_id, rank, size, descending)]
            values = ranking.without(window, gone)[:limit]
            ends = len(window) < size  # the walk reached the end of the index
            if size >= safe or ends or (len(values) == limit and window[-1] != window[0]):
                return [flip * v for v in values]
            size = safe

    def _count_at_most(self, bpmn_id: str, count: int, seconds: float, *,
                       from_top: bool) -> int:
        """How many of the ``count`` selected durations are at most ``seconds``: a counted
        range of the index, from the nearer end (``from_top``)."""
        col, bound = self.clock.duration, seconds + EPSILON_S
        if self.sel.mode == "keep":
            return bisect_right(self._kept(bpmn_id), bound)
        stmt = select(func.count()).select_from(S).where(
            stamped(col), S.bpmn_id == bpmn_id, col > bound if from_top else col <= bound)
        found = int(self.session.scalar(stmt) or 0)
        removed = self.removed.get(bpmn_id, [])
        below = bisect_right(removed, bound)
        found -= len(removed) - below if from_top else below
        return count - found if from_top else found
