"""The SOP sheet (the Permen PAN-RB 35/2012 format) of a process version, read from its
BPMN file alone.

The identity block and the process-level fields come from the process's properties
(``sop_number``, ``sop_made_on``, ``sop_revised_on``, ``sop_effective_on``,
``sop_approver_title``/``_name``/``_nip``, ``sop_office``, ``sop_unit``, ``sop`` for the
name; ``legal_basis``, ``qualifications``, ``related``, ``equipment``, ``warnings``,
``records`` as items separated by ``;``). The flow table has one row per activity in flow
order (from the start event along sequence flows; a boundary event's fallback path is no
row of its own, and tasks sharing a ``step`` share its row): the executor's lane, the
symbol (terminator for the first and last row, decision for a task followed by a
branching gateway, process otherwise), the Mutu Baku (``input``, ``target`` or
``target_note``, ``output``) and the Keterangan of a flow that leads back to an earlier
row: "Bila <the flow's name before a colon>, dilanjutkan ke nomor <that row>".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.definitions import NS, parse_duration

TASKS = ("userTask", "serviceTask", "task", "manualTask", "scriptTask", "sendTask",
         "receiveTask", "businessRuleTask", "callActivity", "subProcess")


@dataclass(frozen=True)
class SopRow:
    number: str
    activity: str
    lane: str | None
    lane_index: int
    symbol: str  # terminator | process | decision
    input: str
    time: str
    target_s: int | None
    output: str
    note: str


@dataclass(frozen=True)
class SopSheet:
    process_id: str
    version: int
    identity: dict[str, str]
    sections: dict[str, list[str]]
    lanes: list[str]
    rows: list[SopRow]
    total_s: int

    @property
    def total(self) -> str:
        return minutes_text(self.total_s)


def minutes_text(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(seconds // 60, 60)
    parts = ([f"{hours} jam"] if hours else []) + ([f"{rest} menit"] if rest or not hours else [])
    return " ".join(parts)


def _props(node: Any) -> dict[str, str]:
    found = node.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    )
    return {p.get("name"): p.get("value") or "" for p in found}


def _items(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


class _Graph:
    def __init__(self, process: Any) -> None:
        self.nodes = {n.get("id"): n for n in process.iter() if n.get("id")}
        self.outgoing: dict[str, list[Any]] = {}
        for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NS):
            self.outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        self.lanes: dict[str, str] = {}
        for lane in process.xpath(".//bpmn:lane", namespaces=NS):
            for ref in lane.xpath("./bpmn:flowNodeRef/text()", namespaces=NS):
                self.lanes[ref.strip()] = lane.get("name")

    def kind(self, node_id: str) -> str:
        return str(etree.QName(self.nodes[node_id]).localname)

    def targets(self, node_id: str) -> list[str]:
        return [f.get("targetRef") for f in self.outgoing.get(node_id, [])]

    def in_flow_order(self, start: str) -> list[str]:
        seen, queue, order = {start}, deque([start]), []
        while queue:
            node = queue.popleft()
            order.append(node)
            for target in self.targets(node):
                if target not in seen and target in self.nodes:
                    seen.add(target)
                    queue.append(target)
        return order

    def next_task(self, node_id: str, rows: dict[str, str]) -> str | None:
        """The row a flow into ``node_id`` reaches first, going through gateways."""
        queue, seen = deque([node_id]), set()
        while queue:
            node = queue.popleft()
            if node in rows:
                return rows[node]
            seen.add(node)
            queue.extend(t for t in self.targets(node) if t not in seen)
        return None


def _loop_note(graph: _Graph, task_id: str, rows: dict[str, str], order: list[str]) -> str:
    """The Keterangan of a row whose decision leads back to an earlier (or its own) row."""
    here = order.index(rows[task_id])
    for gateway in graph.targets(task_id):
        if "Gateway" not in graph.kind(gateway):
            continue
        for flow in graph.outgoing.get(gateway, []):
            back = graph.next_task(flow.get("targetRef"), rows)
            if back is not None and order.index(back) <= here:
                condition = (flow.get("name") or "").split(":")[0].strip()
                lead = f"Bila {condition[:1].lower()}{condition[1:]}, d" if condition else "D"
                return f"{lead}ilanjutkan ke nomor {back}"
    return ""


def _is_decision(graph: _Graph, task_id: str) -> bool:
    return any(
        "Gateway" in graph.kind(t) and len(graph.outgoing.get(t, [])) > 1
        for t in graph.targets(task_id)
    )


def _rows(graph: _Graph, process: Any, lanes: list[str]) -> list[SopRow]:
    start = process.xpath("./bpmn:startEvent/@id", namespaces=NS)
    order = graph.in_flow_order(start[0]) if start else []
    tasks = [n for n in order if graph.kind(n) in TASKS]
    numbers: dict[str, str] = {}
    firsts: list[str] = []
    for task in tasks:
        step = _props(graph.nodes[task]).get("step") or str(len(firsts) + 1)
        if step not in numbers.values():
            firsts.append(task)
        numbers[task] = step
    rows = []
    for i, task in enumerate(firsts):
        node, props, lane = graph.nodes[task], _props(graph.nodes[task]), graph.lanes.get(task)
        target = props.get("target")
        target_s = parse_duration(target) if target else None
        symbol = "terminator" if i in (0, len(firsts) - 1) else "process"
        if _is_decision(graph, task):
            symbol = "decision"
        rows.append(SopRow(
            number=numbers[task],
            activity=props.get("activity") or node.get("name") or task,
            lane=lane,
            lane_index=lanes.index(lane) if lane in lanes else -1,
            symbol=symbol,
            input=props.get("input") or "-",
            time=minutes_text(target_s) if target_s is not None else props.get("target_note", "-"),
            target_s=target_s,
            output=props.get("output") or "-",
            note=_loop_note(graph, task, numbers, [numbers[t] for t in firsts]),
        ))
    return rows


IDENTITY = ("sop_number", "sop_made_on", "sop_revised_on", "sop_effective_on",
            "sop_approver_title", "sop_approver_name", "sop_approver_nip", "sop_office",
            "sop_unit", "sop")
SECTIONS = ("legal_basis", "qualifications", "related", "equipment", "warnings", "records")


def build(xml: str, process_id: str, version: int) -> SopSheet:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    process = root.xpath(".//bpmn:process[@id=$pid]", namespaces=NS, pid=process_id)[0]
    props = _props(process)
    lanes = [lane.get("name") for lane in process.xpath(".//bpmn:lane", namespaces=NS)]
    rows = _rows(_Graph(process), process, lanes)
    identity = {key: props.get(key, "") for key in IDENTITY}
    identity["sop"] = identity["sop"] or process.get("name") or process_id
    return SopSheet(
        process_id=process_id,
        version=version,
        identity=identity,
        sections={key: _items(props.get(key)) for key in SECTIONS},
        lanes=lanes,
        rows=rows,
        total_s=sum(r.target_s or 0 for r in rows),
    )
