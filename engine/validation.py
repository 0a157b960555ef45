"""Checks over a process's BPMN tree (and its loaded forms) that refuse what would strand a
request: nodes outside every lane or off every path, lanes with no role, expressions outside
the allowed language or reading names no form sets, targets that disagree, shapes with no
diagram, file references that are paths. Every check returns all its problems, each naming
the element, its name and its line. Pure: no file system, no database; imports only lxml
and the engine's expression language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from engine.expression_checks import NS, check_expressions, properties, where
from engine.pack import ROLE_SLUG, SYSTEM_ROLES

__all__ = [
    "NS",
    "check",
    "format_duration",
    "lane_roles",
    "parse_duration",
    "plain_name",
    "process_target_s",
    "properties",
    "where",
]

DEFAULT_INITIATOR_LANE = "Pemohon"
FILE_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename", "mail")
_EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent")
_TASKS: tuple[str, ...] = ("task", "userTask", "serviceTask", "scriptTask", "manualTask")
_TASKS += ("sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess")
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
FLOW_NODES = frozenset((*_EVENTS, "boundaryEvent", *_TASKS, *_GATEWAYS, "complexGateway"))
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def parse_duration(text: str) -> int:
    """Seconds in an ISO-8601 duration of days/hours/minutes/seconds (``PT3M`` → 180)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(text)
    d, h, m, s = (int(match.group(k) or 0) for k in "dhms")
    return ((d * 24 + h) * 60 + m) * 60 + s


def format_duration(seconds: int) -> str:
    """``420`` → ``PT7M``: the ISO-8601 form a process owner writes."""
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    parts = [f"{v}{u}" for v, u in ((h, "H"), (m, "M"), (s, "S")) if v]
    return "PT" + ("".join(parts) or "0S")


def plain_name(name: str) -> bool:
    """A file name inside the pack: no folder, no drive, no parent, nothing hidden."""
    return bool(name) and name == name.strip() and not name.startswith(".") and not any(
        c in name for c in "/\\:\0"
    )


def lane_roles(process: Any) -> dict[str, str | None]:
    """Each lane's name → its ``role`` property (None when it has none)."""
    return {
        (lane.get("name") or "").strip(): properties(lane).get("role")
        for lane in process.xpath(".//bpmn:lane", namespaces=NS)
    }


def _local(node: Any) -> str:
    return str(etree.QName(node).localname) if isinstance(node.tag, str) else ""


def flow_nodes(process: Any) -> list[Any]:
    """The process's own flow nodes (not those inside a sub-process)."""
    return [n for n in process if _local(n) in FLOW_NODES]


def _check_files(process: Any) -> Iterator[str]:
    for node in [process, *process.xpath(".//bpmn:*[@id]", namespaces=NS)]:
        for key, value in properties(node).items():
            if key in FILE_PROPERTIES and value and not plain_name(value):
                yield (
                    f"{where(node)}: {key} '{value}': nama berkas harus nama polos di dalam "
                    "paket (tanpa '/', '\\', '..' atau huruf drive)"
                )


def _check_lanes(process: Any, known_roles: list[str], initiator: str) -> Iterator[str]:
    """Each lane names the role that works it (a new role is declared by naming it); the
    initiator and operator lanes name lanes; every flow node sits in a lane."""
    lanes = process.xpath(".//bpmn:lane", namespaces=NS)
    known = ", ".join(known_roles) or "-"
    for lane in lanes:
        name = (lane.get("name") or "").strip()
        role = properties(lane).get("role")
        if role is None and name != initiator:
            yield (
                f"{where(lane)}: lajur tanpa properti 'role' tidak dipetakan ke peran mana pun; "
                f"peran yang dikenal: {known}"
            )
        elif role is not None and (not ROLE_SLUG.fullmatch(role) or role in SYSTEM_ROLES):
            yield (
                f"{where(lane)}: peran '{role}' tidak sah: huruf kecil, angka dan _, 2-32 "
                f"karakter, bukan {' atau '.join(SYSTEM_ROLES)}; peran yang dikenal: {known}"
            )
    names = [(lane.get("name") or "").strip() for lane in lanes]
    for key in ("initiator_lane", "operator_lane"):
        named = initiator if key == "initiator_lane" else properties(process).get(key)
        if lanes and named is not None and named not in names:
            yield (
                f"{where(process)}: {key} '{named}' tidak menamai lajur mana pun "
                f"(lajur yang ada: {', '.join(names)})"
            )
    in_lanes = {ref.text.strip() for ref in process.xpath(".//bpmn:flowNodeRef", namespaces=NS)}
    for node in flow_nodes(process) if lanes else []:
        if node.get("id") not in in_lanes:
            yield f"{where(node)}: berada di luar semua lajur, tidak akan muncul di kotak tugas"


def _graph(process: Any) -> tuple[dict[str, Any], dict[str, set[str]]]:
    nodes = {n.get("id"): n for n in flow_nodes(process)}
    edges: dict[str, set[str]] = {i: set() for i in nodes}
    for flow in process.xpath("./bpmn:sequenceFlow", namespaces=NS):
        if flow.get("sourceRef") in nodes and flow.get("targetRef") in nodes:
            edges[flow.get("sourceRef")].add(flow.get("targetRef"))
    for node in nodes.values():  # a boundary event is a way out of the task it sits on
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            edges[node.get("attachedToRef")].add(node.get("id"))
    return nodes, edges


def _backwards(edges: Mapping[str, set[str]]) -> dict[str, set[str]]:
    backwards: dict[str, set[str]] = {i: set() for i in edges}
    for source, targets in edges.items():
        for target in targets:
            backwards[target].add(source)
    return backwards


def _reach(starts: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_paths(process: Any) -> Iterator[str]:
    nodes, edges = _graph(process)
    starts = [
        i
        for i, n in nodes.items()
        if _local(n) == "startEvent" or n.get("triggeredByEvent") == "true"
    ]
    reached = _reach(starts, edges)
    ends = [  # an event sub-process ends inside itself
        i
        for i, n in nodes.items()
        if _local(n) == "endEvent" or n.get("triggeredByEvent") == "true"
    ]
    finishing = _reach(ends, _backwards(edges))
    for node_id, node in nodes.items():
        if node_id not in reached:
            yield f"{where(node)}: tidak dapat dicapai dari awal proses"
        elif node_id not in finishing:
            yield f"{where(node)}: dari sini tidak ada jalan ke akhir proses"


def _before(process: Any) -> Callable[[Any, bool], set[str] | None]:
    """For an element: the ids of the flow nodes that can run before it (a flow: its
    source, and what comes before that), itself included when ``inclusive``."""
    nodes, edges = _graph(process)
    backwards = _backwards(edges)

    def before(element: Any, inclusive: bool) -> set[str] | None:
        is_flow = _local(element) == "sequenceFlow"
        anchor = element.get("sourceRef") if is_flow else element.get("id")
        if anchor not in nodes:
            return None
        inclusive = inclusive or anchor != element.get("id")
        earlier = _reach(backwards[anchor], backwards)  # itself too, when on a loop
        return earlier | {anchor} if inclusive else earlier

    return before


def _check_flows(process: Any) -> Iterator[str]:
    ids = set(process.xpath(".//@id"))
    for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NS):
        for ref in ("sourceRef", "targetRef"):
            if flow.get(ref) not in ids:
                yield f"{where(flow)}: {ref} '{flow.get(ref)}' tidak ada di diagram"


def _check_diagram(process: Any) -> Iterator[str]:
    root = process.getroottree().getroot()
    shapes = set(root.xpath(".//bpmndi:BPMNShape/@bpmnElement", namespaces=NS))
    edges = set(root.xpath(".//bpmndi:BPMNEdge/@bpmnElement", namespaces=NS))
    for node in process.iter():
        kind = _local(node)
        if (kind in FLOW_NODES or kind == "lane") and node.get("id") not in shapes:
            yield f"{where(node)}: tidak punya bentuk di diagram (BPMNShape)"
        elif kind == "sequenceFlow" and node.get("id") not in edges:
            yield f"{where(node)}: tidak punya garis di diagram (BPMNEdge)"


def _check_operators(process: Any, operators: set[str]) -> Iterator[str]:
    xpath = ".//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator"
    for op in process.xpath(xpath, namespaces=NS):
        if op.get("id") not in operators:
            yield f"{where(op.getparent().getparent())}: operator '{op.get('id')}' tidak dikenal"


def _targets(process: Any) -> Iterator[tuple[Any, str, int | None]]:
    for node in [process, *process.xpath(".//bpmn:*[@id]", namespaces=NS)]:
        target = properties(node).get("target")
        if target is not None:
            try:
                yield node, target, parse_duration(target)
            except ValueError:
                yield node, target, None


def steps_target_s(process: Any) -> int | None:
    """The sum of the steps' targets; steps sharing a number are alternatives, so each
    number counts once, with its largest target. None when no step has a target."""
    by_step: dict[str, int] = {}
    for node, _text, seconds in _targets(process):
        step = properties(node).get("step")
        if node is not process and step and seconds is not None:
            by_step[step] = max(by_step.get(step, 0), seconds)
    return sum(by_step.values()) if by_step else None


def process_target_s(process: Any) -> int | None:
    """The process target: derived from its steps, or the declared one when no step has
    a target (``check`` refuses a declared target that differs from the derived one)."""
    derived = steps_target_s(process)
    declared = properties(process).get("target")
    if derived is None and declared:
        return parse_duration(declared)
    return derived


def _check_targets(process: Any) -> Iterator[str]:
    targets = list(_targets(process))
    for node, text, seconds in targets:
        if seconds is None:
            yield f"{where(node)}: target '{text}' bukan durasi ISO-8601 (mis. PT3M)"
    declared = [(text, s) for node, text, s in targets if node is process]
    derived = steps_target_s(process)
    if any(s is None for _, _, s in targets) or not declared or derived is None:
        return  # nothing to compare, or the sum of the steps is not known
    text, seconds = declared[0]
    if derived != seconds:
        yield (
            f"{where(process)}: target proses {text} berbeda dari jumlah target langkahnya "
            f"{format_duration(derived)}; samakan, atau hapus target proses agar dihitung"
        )


def check(
    process: Any,
    *,
    forms: Mapping[str, Any],
    known_roles: Iterable[str],
    operators: Iterable[str],
) -> list[str]:
    """Every problem of ``process`` at once (empty when it may be deployed)."""
    initiator = properties(process).get("initiator_lane", DEFAULT_INITIATOR_LANE)
    flows = list(_check_flows(process))
    return [
        *_check_files(process),
        *flows,
        *_check_lanes(process, list(known_roles), initiator),
        *([] if flows else _check_paths(process)),  # paths over broken flows are noise
        *_check_operators(process, set(operators)),
        *_check_targets(process),
        *check_expressions(process, forms, _before(process)),
        *_check_diagram(process),
    ]
