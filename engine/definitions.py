"""Process definitions: validate a BPMN file with its forms, and describe it.

``compile_definition`` turns BPMN bytes into a ``CompiledDefinition`` (the Spiff spec, the
SOP metadata of every step, and the form schemas) or raises ``DefinitionError`` listing
every problem with the element id and file named. Deploying (storing versions) lives in
``engine.deploy``. Imports no web or HTTP layer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import runtime
from engine.errors import DefinitionError
from engine.forms import load_schema

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
DEFAULT_INITIATOR_LANE = "Pemohon"
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


@dataclass(frozen=True)
class StepMeta:
    bpmn_id: str
    name: str
    lane: str | None
    kind: str  # "user" | "service"
    step: str | None
    target_s: int | None
    input: str | None
    output: str | None
    documentation: str | None
    form: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CompiledDefinition:
    process_id: str
    name: str
    sha256: str
    filename: str
    xml: str
    spec: dict[str, Any]
    meta: dict[str, Any]
    forms: dict[str, Any]


def _parse_xml(data: bytes, filename: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise DefinitionError(
            filename, [f"XML tidak valid (baris {err.lineno}): {err.msg}"]
        ) from err


def _properties(node: Any) -> dict[str, str]:
    props = node.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    )
    return {p.get("name"): p.get("value") for p in props}


def _check_flows(process: Any) -> list[str]:
    ids = set(process.xpath(".//@id"))
    problems = []
    for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NS):
        for ref in ("sourceRef", "targetRef"):
            if flow.get(ref) not in ids:
                problems.append(
                    f"alur '{flow.get('id')}': {ref} '{flow.get(ref)}' tidak ada di diagram"
                )
    return problems


def _check_conditions(process: Any) -> list[str]:
    problems = []
    for cond in process.xpath(".//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NS):
        flow_id = cond.getparent().get("id")
        try:
            compile((cond.text or "").strip(), f"<{flow_id}>", "eval")
        except SyntaxError as err:
            problems.append(f"kondisi pada alur '{flow_id}' tidak dapat dikompilasi: {err.msg}")
    return problems


def _check_lanes(process: Any, known_lanes: set[str], initiator: str) -> list[str]:
    problems = []
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        name = (lane.get("name") or "").strip()
        if name != initiator and name not in known_lanes:
            problems.append(
                f"lajur '{lane.get('id')}' ('{name}') tidak dipetakan ke peran mana pun"
            )
    return problems


def _check_operators(process: Any, operators: set[str]) -> list[str]:
    problems = []
    xpath = ".//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator"
    for op in process.xpath(xpath, namespaces=NS):
        task_id = op.getparent().getparent().get("id")
        if op.get("id") not in operators:
            problems.append(f"tugas layanan '{task_id}': operator '{op.get('id')}' tidak dikenal")
    return problems


def _check_targets(process: Any) -> list[str]:
    problems = []
    for node in [process, *process.xpath(".//bpmn:*[@id]", namespaces=NS)]:
        target = _properties(node).get("target")
        if target is None:
            continue
        try:
            parse_duration(target)
        except ValueError:
            problems.append(
                f"elemen '{node.get('id')}': target '{target}' bukan durasi ISO-8601 (mis. PT3M)"
            )
    return problems


def _load_forms(process: Any, forms_dir: Path, filename: str) -> tuple[dict[str, Any], list[str]]:
    forms: dict[str, Any] = {}
    problems: list[str] = []
    for node in process.xpath(".//bpmn:*[@id]", namespaces=NS):
        props = _properties(node)
        for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
            name = props.get(key)
            if not name or name in forms:
                continue
            try:
                forms[name] = load_schema(forms_dir / name)
            except DefinitionError as err:
                problems.append(f"elemen '{node.get('id')}': formulir {'; '.join(err.problems)}")
    return forms, problems


def _executable_process(root: Any, filename: str) -> Any:
    processes = root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)
    if len(processes) != 1:
        raise DefinitionError(
            filename,
            [f"berkas harus memuat tepat satu proses executable, ditemukan {len(processes)}"],
        )
    return processes[0]


def _spiff_spec(root: Any, process_id: str, filename: str) -> tuple[Any, Any]:
    parser = runtime.new_parser()
    try:
        parser.add_bpmn_xml(root, filename)
        return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        where = f"elemen '{err.id}' " if getattr(err, "id", "") else ""
        line = f" (baris {err.line_number})" if getattr(err, "line_number", "") else ""
        raise DefinitionError(filename, [f"{where}tidak valid{line}: {err}"]) from err
    except SpiffWorkflowException as err:
        raise DefinitionError(filename, [str(err)]) from err


def _step_meta(task_spec: Any, props: Mapping[str, str], kind: str) -> StepMeta:
    target = props.get("target")
    return StepMeta(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        kind=kind,
        step=props.get("step"),
        target_s=parse_duration(target) if target else None,
        input=props.get("input"),
        output=props.get("output"),
        documentation=getattr(task_spec, "documentation", None),
        form=props.get("formJsonSchemaFilename"),
    )


def _describe_steps(spec: Any) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "bpmn_id", None) is None:
            continue
        kind = (
            "user"
            if task_spec.manual
            else "service"
            if hasattr(task_spec, "operation_name")
            else None
        )
        if kind is None:
            continue
        props = getattr(task_spec, "extensions", {}).get("properties", {})
        steps[task_spec.bpmn_id] = _step_meta(task_spec, props, kind).as_dict()
    return steps


def content_hash(xml: bytes, forms: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(xml)
    for name in sorted(forms):
        digest.update(name.encode())
        digest.update(repr(forms[name]).encode())
    return digest.hexdigest()


def compile_definition(
    data: bytes,
    filename: str,
    *,
    forms_dir: Path,
    known_lanes: Iterable[str],
    operators: Iterable[str],
) -> CompiledDefinition:
    """Validate everything a deploy needs, collecting all problems before refusing."""
    root = _parse_xml(data, filename)
    process = _executable_process(root, filename)
    process_props = _properties(process)
    initiator = process_props.get("initiator_lane", DEFAULT_INITIATOR_LANE)
    forms, problems = _load_forms(process, forms_dir, filename)
    problems += _check_flows(process)
    problems += _check_lanes(process, set(known_lanes), initiator)
    problems += _check_operators(process, set(operators))
    problems += _check_targets(process)
    problems += _check_conditions(process)
    if problems:
        raise DefinitionError(filename, problems)
    process_id = process.get("id")
    spec, subprocess_specs = _spiff_spec(root, process_id, filename)
    workflow = runtime.new_workflow(spec, subprocess_specs)
    target = process_props.get("target")
    meta = {
        "process_id": process_id,
        "name": process.get("name") or process_id,
        "target_s": parse_duration(target) if target else None,
        "initiator_lane": initiator,
        "separation_of_duties": process_props.get("separation_of_duties", "true"),
        "lanes": [lane.get("name") for lane in process.xpath(".//bpmn:lane", namespaces=NS)],
        "steps": _describe_steps(spec),
    }
    return CompiledDefinition(
        process_id=process_id,
        name=meta["name"],
        sha256=content_hash(data, forms),
        filename=filename,
        xml=data.decode("utf-8"),
        spec=runtime.dump_spec(workflow),
        meta=meta,
        forms=forms,
    )
