"""What the diagram shows on each shape: for the report, how the step does against its
target (grade, median, share within target); for one request, which steps are done,
which is current, which were interrupted, and the flows its path took. Every mark has a
symbol and words, so colour is never the only carrier.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from flask_babel import gettext

from engine.diagram import Box, Diagram, InstanceDiagram, Node, wrap
from engine.reporting.model import DurationReport, StepStats
from webui.display import tr
from webui.reports.charts import grade
from webui.templating import duration, percent

SYMBOLS = {"good": "✓", "fair": "!", "poor": "✗", "none": "–"}


@dataclass(frozen=True)
class Mark:
    css: str  # class names for the shape
    symbol: str
    label: str  # one short line under the shape's name
    title: str  # the whole statement, as the shape's <title>


@dataclass(frozen=True)
class DiagramView:
    """A diagram ready to draw: shapes, their marks, the flows to emphasise."""

    diagram: Diagram
    key: str  # prefix for element ids, unique on the page
    title: str
    desc: str
    marks: dict[str, Mark] = field(default_factory=dict)
    taken: frozenset[str] = frozenset()

    def lines(self, node: Node) -> tuple[str, ...]:
        """The (translated) name inside a task or along a lane's band."""
        return wrap(tr(node.name), node.box, node.kind)

    @staticmethod
    def label_lines(name: str, label: Box | None, width: float = 90.0) -> tuple[str, ...]:
        """A gateway's, event's or flow's name wrapped to its DI label box."""
        text = tr(name)
        if not text:
            return ()
        chars = max(10, int((label.w if label else width) / 5.6))
        return tuple(textwrap.wrap(text, width=chars)[:3])


def grade_words(g: str) -> str:
    words = {"good": gettext("baik (≥ 90% sesuai target)"),
             "fair": gettext("cukup (70–90% sesuai target)"),
             "poor": gettext("kurang (< 70% sesuai target)"),
             "none": gettext("tanpa target atau belum ada data")}
    return str(words[g])


def _step_mark(step: StepStats) -> Mark:
    g = grade(step.within_target_pct if step.target_s is not None else None)
    median = duration(step.durations.median_s)
    if step.count == 0:
        label = gettext("belum ada data")
    elif step.within_target_pct is None:
        label = gettext("median %(m)s", m=median)
    else:
        label = gettext("median %(m)s · %(p)s", m=median, p=percent(step.within_target_pct))
    target = duration(step.target_s) if step.target_s is not None else gettext("tanpa target")
    title = gettext("%(name)s: %(n)d catatan, median %(m)s, target %(t)s, %(g)s",
                    name=tr(step.name), n=step.count, m=median, t=target, g=grade_words(g))
    return Mark(f"grade-{g}", SYMBOLS[g], label, title)


def report_view(diagram: Diagram, report: DurationReport) -> DiagramView:
    marks = {s.bpmn_id: _step_mark(s) for s in report.steps}
    desc = "; ".join(m.title for m in marks.values())
    return DiagramView(diagram, "rep", gettext("Diagram proses: kinerja tiap langkah"), desc,
                       marks)


def _instance_mark(d: InstanceDiagram, node: Node) -> Mark | None:
    passes = d.passes_of(node.id)
    times = gettext(" (%(n)d kali)", n=passes) if passes > 1 else ""
    if node.id in d.current:
        return Mark("state-current", "▶", gettext("sedang berjalan") + times,
                    gettext("%(name)s: sedang berjalan", name=tr(node.name)) + times)
    if node.id in d.done:
        return Mark("state-done", "✓", gettext("selesai") + times,
                    gettext("%(name)s: selesai", name=tr(node.name)) + times)
    if node.id in d.cancelled:
        return Mark("state-cancelled", "✗", gettext("dihentikan"),
                    gettext("%(name)s: dihentikan", name=tr(node.name)))
    return None


def instance_view(d: InstanceDiagram) -> DiagramView:
    marks = {n.id: m for n in d.diagram.nodes if (m := _instance_mark(d, n)) is not None}
    desc = "; ".join(m.title for m in marks.values()) or gettext("Belum ada langkah berjalan.")
    return DiagramView(d.diagram, "req-" + d.instance_id[:8],
                       gettext("Alur permintaan ini pada diagram proses"), desc, marks, d.taken)
