"""A process diagram read from the BPMN file's own DI (shapes, edges, coordinates), as frozen
data the web layer draws as SVG; and, for one instance, which steps ran and which sequence
flows its path took.

A flow counts as taken when a step became ready at the very instant another finished and
the flow lies on a path between them through gateways or events (the engine runs both in
one transaction, so the times are equal). Parses with lxml; imports no web layer.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from lxml import etree

from engine.views import StepView

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
KINDS = {"participant": "pool", "lane": "lane"}
MARGIN = 20.0


def _kind(tag: str) -> str:
    if tag in KINDS:
        return KINDS[tag]
    if tag.endswith("Gateway"):
        return "gateway"
    if tag.endswith("Event"):
        return "event"
    return "task"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # pool | lane | task | gateway | event
    subtype: str  # the BPMN tag: userTask, exclusiveGateway, startEvent, ...
    name: str
    box: Box
    label: Box | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    id: str
    name: str
    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    label: Box | None

    @property
    def path(self) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in self.points)


@dataclass(frozen=True)
class Diagram:
    box: Box  # the view box, with a margin
    pools: tuple[Node, ...]
    lanes: tuple[Node, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    attached: tuple[tuple[str, str], ...]  # (boundary event, task it sits on)

    @property
    def view_box(self) -> str:
        b = self.box
        return f"{b.x:g} {b.y:g} {b.w:g} {b.h:g}"

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)


def _bounds(el: Any) -> Box | None:
    b = el.find("dc:Bounds", NS)
    if b is None:
        return None
    return Box(*(float(b.get(k, 0)) for k in ("x", "y", "width", "height")))


def wrap(name: str, box: Box, kind: str) -> tuple[str, ...]:
    """Lines of ``name`` that fit its shape at 11 px text: inside a task, along the
    (vertical) label band of a lane or pool; other shapes get one line below them."""
    if kind == "task":
        return tuple(textwrap.wrap(name, width=max(8, int(box.w / 6.2)))[:5])
    if kind in ("lane", "pool"):
        return tuple(textwrap.wrap(name, width=max(8, int((box.h - 10) / 6.2)))[:2])
    return (name,) if name else ()


def _node(shape: Any, el: Any) -> Node | None:
    box = _bounds(shape)
    if box is None:
        return None
    tag = etree.QName(el).localname
    kind, name = _kind(tag), (el.get("name") or "").strip()
    label = shape.find("bpmndi:BPMNLabel", NS)
    return Node(el.get("id"), kind, tag, name, box,
                _bounds(label) if label is not None else None, wrap(name, box, kind))


def _edge(di_edge: Any, el: Any) -> Edge:
    points = tuple((float(p.get("x")), float(p.get("y")))
                   for p in di_edge.findall("di:waypoint", NS))
    label = di_edge.find("bpmndi:BPMNLabel", NS)
    return Edge(el.get("id"), (el.get("name") or "").strip(), el.get("sourceRef"),
                el.get("targetRef"), points, _bounds(label) if label is not None else None)


def _view_box(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes) or [Box(0, 0, 100, 100)]
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    return Box(x0 - MARGIN, y0 - MARGIN, x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN)


@lru_cache(maxsize=16)
def parse(xml: str) -> Diagram:
    """The diagram of a BPMN document (its first plane)."""
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False,
                                                          no_network=True))
    elements = {el.get("id"): el for el in root.iter() if el.get("id")}
    groups: dict[str, list[Node]] = {"pool": [], "lane": [], "other": []}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        el = elements.get(shape.get("bpmnElement"))
        node = _node(shape, el) if el is not None else None
        if node is not None:
            groups[node.kind if node.kind in ("pool", "lane") else "other"].append(node)
    edges = tuple(_edge(e, elements[e.get("bpmnElement")])
                  for e in root.iterfind(".//bpmndi:BPMNEdge", NS)
                  if e.get("bpmnElement") in elements)
    attached = tuple((b.get("id"), b.get("attachedToRef"))
                     for b in root.iterfind(".//bpmn:boundaryEvent", NS))
    boxes = [n.box for g in groups.values() for n in g]
    boxes += [Box(x, y, 0, 0) for e in edges for x, y in e.points]
    return Diagram(_view_box(boxes), tuple(groups["pool"]), tuple(groups["lane"]),
                   tuple(groups["other"]), edges, attached)


@dataclass(frozen=True)
class InstanceDiagram:
    """One instance drawn on its version's diagram."""

    diagram: Diagram
    instance_id: str
    status: str
    done: frozenset[str]  # steps completed at least once
    current: frozenset[str]  # steps ready now
    cancelled: frozenset[str]  # steps interrupted (e.g. the automatic link that failed)
    taken: frozenset[str]  # sequence flows the instance went through
    passes: tuple[tuple[str, int], ...]  # (bpmn_id, how many times it became ready)

    def passes_of(self, bpmn_id: str) -> int:
        return dict(self.passes).get(bpmn_id, 0)


def _connections(diagram: Diagram) -> list[tuple[str, str, tuple[str, ...]]]:
    """(from, to, flows) for every path between two steps (or a start/end event and a
    step) that passes only through gateways and intermediate or boundary events."""
    kinds = {n.id: (n.kind, n.subtype) for n in diagram.nodes}
    out_edges: dict[str, list[tuple[str | None, str]]] = {}
    for e in diagram.edges:
        out_edges.setdefault(e.source, []).append((e.id, e.target))
    for boundary, task in diagram.attached:
        out_edges.setdefault(task, []).append((None, boundary))

    def is_stop(node: str) -> bool:
        kind, subtype = kinds.get(node, ("task", ""))
        return kind == "task" or subtype == "endEvent"

    found: list[tuple[str, str, tuple[str, ...]]] = []

    def walk(origin: str, node: str, flows: tuple[str, ...], seen: frozenset[str]) -> None:
        for edge_id, target in out_edges.get(node, []):
            path = flows + ((edge_id,) if edge_id else ())
            if is_stop(target):
                found.append((origin, target, path))
            elif target not in seen:
                walk(origin, target, path, seen | {target})

    for node_id, (kind, subtype) in kinds.items():
        if kind == "task" or subtype == "startEvent":
            walk(node_id, node_id, (), frozenset({node_id}))
    return found


def _taken(diagram: Diagram, steps: Sequence[StepView], completed: bool) -> frozenset[str]:
    if not steps:
        return frozenset()
    finished: dict[str, set[datetime]] = {}
    became_ready: dict[str, set[datetime]] = {}
    for s in steps:
        became_ready.setdefault(s.bpmn_id, set()).add(s.ready_at)
        if s.completed_at is not None:
            finished.setdefault(s.bpmn_id, set()).add(s.completed_at)
    first = min(s.ready_at for s in steps)
    last = max((s.completed_at for s in steps if s.completed_at), default=None)
    kinds = {n.id: n.subtype for n in diagram.nodes}
    taken: set[str] = set()
    for origin, target, flows in _connections(diagram):
        if kinds.get(origin) == "startEvent":
            hit = first in became_ready.get(target, set())
        elif kinds.get(target) == "endEvent":
            hit = completed and last in finished.get(origin, set())
        else:
            hit = bool(finished.get(origin, set()) & became_ready.get(target, set()))
        if hit:
            taken.update(flows)
    return frozenset(taken)


def of_instance(xml: str, instance_id: str, status: str,
                steps: Sequence[StepView]) -> InstanceDiagram:
    diagram = parse(xml)
    counts: dict[str, int] = {}
    for s in steps:
        counts[s.bpmn_id] = counts.get(s.bpmn_id, 0) + 1
    return InstanceDiagram(
        diagram=diagram, instance_id=instance_id, status=status,
        done=frozenset(s.bpmn_id for s in steps if s.state == "completed"),
        current=frozenset(s.bpmn_id for s in steps if s.state == "ready"),
        cancelled=frozenset(s.bpmn_id for s in steps if s.state == "cancelled"),
        taken=_taken(diagram, steps, status == "completed"),
        passes=tuple(sorted(counts.items())),
    )
