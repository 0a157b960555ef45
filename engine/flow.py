"""The shape of a process read from its BPMN XML: the order of its steps along the flow,
and each flow node's lane, used for the version metadata and for comparing two versions.

Steps sort by their distance from the start event (a breadth-first walk of the sequence
flows, a boundary event following the task it is attached to), so a new step "2a" put
between steps 2 and 3 sorts between them, whatever its number says. Imports no web layer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def successors(process: Any) -> dict[str, list[str]]:
    """Node id → the ids its sequence flows (and attached boundary events) lead to."""
    nxt: dict[str, list[str]] = {}
    # Boundary events first: the path a failure takes (step 4 by hand) sorts before what
    # follows the task's normal end at the same distance.
    for boundary in process.xpath(".//bpmn:boundaryEvent[@attachedToRef]", namespaces=NS):
        nxt.setdefault(boundary.get("attachedToRef"), []).append(boundary.get("id"))
    for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NS):
        nxt.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    return nxt


def order(process: Any, steps: Iterable[str]) -> list[str]:
    """``steps`` (BPMN ids) in the order of the flow from the start event; steps the walk
    does not reach come last, by id."""
    wanted = set(steps)
    nxt = successors(process)
    starts = process.xpath("./bpmn:startEvent/@id", namespaces=NS)
    seen: set[str] = set(starts)
    queue = deque(starts)
    found: list[str] = []
    while queue:
        node = queue.popleft()
        if node in wanted:
            found.append(node)
        for target in nxt.get(node, []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return found + sorted(wanted - set(found))


def lanes_of(process: Any) -> dict[str, str]:
    """Flow node id → the name of the lane it sits in."""
    out: dict[str, str] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("./bpmn:flowNodeRef/text()", namespaces=NS):
            out[str(ref).strip()] = lane.get("name") or lane.get("id")
    return out


def conditions_of(process: Any) -> dict[str, str]:
    """Sequence flow id → its condition text (flows without one are left out)."""
    out: dict[str, str] = {}
    for cond in process.xpath(".//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NS):
        out[cond.getparent().get("id")] = " ".join((cond.text or "").split())
    return out
