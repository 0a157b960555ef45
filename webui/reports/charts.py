"""Geometry for the report's inline SVG charts, computed here so the templates only place
shapes: a histogram of one step's durations against its target, and the weekly trend of
the share within target. No JavaScript, no library; every chart also has its numbers in
text (the table, ``<desc>``), so colour is never the only carrier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal, gettext

from engine.reporting.model import StepStats, WeekStats
from webui.display import day

HIST_W, HIST_H, HIST_L, HIST_B, HIST_T = 560.0, 150.0, 8.0, 34.0, 18.0
TREND_W, TREND_H, TREND_L, TREND_R, TREND_T, TREND_B = 720.0, 240.0, 44.0, 16.0, 12.0, 40.0


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    count: int
    pct: float
    lower_s: float
    upper_s: float | None
    within: bool  # every duration in the bar is within the target


@dataclass(frozen=True)
class Histogram:
    width: float
    height: float
    base: float  # y of the axis
    bars: tuple[Bar, ...]
    target_x: float | None  # the target line (between the bars within and over target)


def histogram(step: StepStats) -> Histogram | None:
    """Bars of equal width, one per bin, height the bin's share of the step's records."""
    total = sum(b.count for b in step.histogram)
    if not total:
        return None
    plot_h = HIST_H - HIST_T - HIST_B
    width = (HIST_W - 2 * HIST_L) / len(step.histogram)
    top = max(b.count for b in step.histogram) / total
    bars, lower, target_x = [], 0.0, None
    for i, b in enumerate(step.histogram):
        share = b.count / total
        h = round(plot_h * share / top, 1)
        x = round(HIST_L + i * width, 1)
        within = step.target_s is not None and b.upper_s is not None \
            and b.upper_s <= step.target_s
        if step.target_s is not None and b.upper_s == step.target_s:
            target_x = round(x + width - 2, 1)
        bars.append(Bar(x, round(HIST_T + plot_h - h, 1), round(width - 4, 1), h, b.count,
                        round(100 * share, 1), lower, b.upper_s, within))
        lower = b.upper_s or lower
    return Histogram(HIST_W, HIST_H, HIST_T + plot_h, tuple(bars), target_x)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Trend:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    steps: tuple[Point, ...]
    sop: tuple[Point, ...]
    y_ticks: tuple[tuple[float, int], ...]
    x_labels: tuple[tuple[float, str], ...]

    @staticmethod
    def polyline(points: Sequence[Point]) -> str:
        return " ".join(f"{p.x:g},{p.y:g}" for p in points)


def trend(weeks: Sequence[WeekStats]) -> Trend | None:
    """Weekly share within target (targeted steps, and requests within the SOP time)."""
    if not weeks:
        return None
    plot_w = TREND_W - TREND_L - TREND_R
    plot_h = TREND_H - TREND_T - TREND_B
    gap = plot_w / max(len(weeks) - 1, 1)

    def at(i: int, pct: float) -> Point:
        x = TREND_L + (i * gap if len(weeks) > 1 else plot_w / 2)
        return Point(round(x, 1), round(TREND_T + plot_h * (1 - pct / 100), 1), pct)

    steps = tuple(at(i, w.steps_within_pct) for i, w in enumerate(weeks)
                  if w.steps_within_pct is not None)
    sop = tuple(at(i, w.sop_within_pct) for i, w in enumerate(weeks)
                if w.sop_within_pct is not None)
    every = max(1, math.ceil(len(weeks) / 6))
    labels = tuple((at(i, 0).x, day(w.week)) for i, w in enumerate(weeks)
                   if i % every == 0)
    y_ticks = tuple((round(TREND_T + plot_h * (1 - p / 100), 1), p) for p in (0, 25, 50, 75, 100))
    return Trend(TREND_W, TREND_H, TREND_L, TREND_W - TREND_R, TREND_T, TREND_H - TREND_B,
                 steps, sop, y_ticks, labels)


def short_duration(seconds: float | None) -> str:
    """A compact bound for an axis: ``90 dtk``, ``4,5 mnt``, ``2 jam``."""
    if seconds is None:
        return "–"
    if seconds < 120:
        return str(gettext("%(n)s dtk", n=format_decimal(round(seconds), format="#,##0")))
    if seconds < 7200:
        return str(gettext("%(n)s mnt", n=format_decimal(seconds / 60, format="#,##0.#")))
    return str(gettext("%(n)s jam", n=format_decimal(seconds / 3600, format="#,##0.#")))


def grade(pct: float | None) -> str:
    """How a step does against its target, named for CSS and for the text: ``good`` (at
    least 90 % within), ``fair`` (at least 70 %), ``poor``, or ``none`` (no target/data)."""
    if pct is None:
        return "none"
    return "good" if pct >= 90 else "fair" if pct >= 70 else "poor"
