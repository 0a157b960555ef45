"""Process definitions: validate a BPMN file with its forms, and describe it.

``compile_definition`` turns BPMN bytes into a ``CompiledDefinition`` (the Spiff spec, the
SOP metadata of every step, and the form schemas) or raises ``DefinitionError`` listing
every problem with the element id and file named. Deploying (storing versions) lives in
``engine.deploy``. Imports no web or HTTP layer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import form_rules, mailtexts, pack, runtime, validation
from engine.errors import DefinitionError
from engine.expression_checks import NS, where
from engine.forms import load_schema
from engine.validation import DEFAULT_INITIATOR_LANE, parse_duration

__all__ = ["DEFAULT_INITIATOR_LANE", "NS", "compile_definition", "parse_duration"]


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
    document: str | None = None  # the official document this step produces ("FPVC")

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


def _load_forms(process: Any, forms_dir: Path, filename: str) -> tuple[dict[str, Any], list[str]]:
    forms: dict[str, Any] = {}
    problems: list[str] = []
    for node in process.xpath(".//bpmn:*[@id]", namespaces=NS):
        props = validation.properties(node)
        for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
            name = props.get(key)
            if not name or name in forms or not validation.plain_name(name):
                continue  # a name that is a path is refused by validation, never opened
            try:
                forms[name] = load_schema(forms_dir / name)
            except DefinitionError as err:
                problems.append(f"{where(node)}: formulir {'; '.join(err.problems)}")
                continue
            problems += [f"{name}: {p}" for p in form_rules.vocabulary_problems(forms[name])]
    problems += pack.meaning_problems(forms)
    return forms, problems


def _load_mail(process: Any, forms_dir: Path) -> tuple[dict[str, Any], list[str]]:
    """The mail texts the process names (``mail`` property), looked up beside the BPMN
    file or among its forms; a name that is a path is refused by validation, never opened."""
    name = validation.properties(process).get("mail")
    if not name or not validation.plain_name(name):
        return {}, []
    for folder in (forms_dir.parent, forms_dir):
        if (folder / name).is_file():
            try:
                return {name: mailtexts.load(folder / name)}, []
            except DefinitionError as err:
                return {}, err.problems
    return {}, [f"{where(process)}: berkas teks surat '{name}' tidak ditemukan"]


def _at_line(root: Any, line: int, message: str) -> str:
    """A schema problem named by the element with an id on its line, when there is one."""
    element = next((e for e in root.iter() if e.sourceline == line and e.get("id")), None)
    where_ = where(element) if element is not None else f"baris {line}"
    return f"{where_}: tidak sesuai skema BPMN: {message}"


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
        document=props.get("document"),
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
    operators: Iterable[str],
    known_roles: Iterable[str] = (),
) -> CompiledDefinition:
    """Validate everything a deploy needs, collecting all problems before refusing."""
    root = _parse_xml(data, filename)
    process = _executable_process(root, filename)
    if schema := runtime.schema_problems(root):  # the other checks assume valid BPMN
        raise DefinitionError(filename, [_at_line(root, *problem) for problem in schema])
    process_props = validation.properties(process)
    initiator = process_props.get("initiator_lane", DEFAULT_INITIATOR_LANE)
    forms, problems = _load_forms(process, forms_dir, filename)
    mail, mail_problems = _load_mail(process, forms_dir)
    problems += mail_problems
    problems += validation.check(
        process, forms=forms, known_roles=known_roles, operators=operators
    )
    if problems:
        raise DefinitionError(filename, problems)
    process_id = process.get("id")
    spec, subprocess_specs = _spiff_spec(root, process_id, filename)
    workflow = runtime.new_workflow(spec, subprocess_specs)
    meta = {
        "process_id": process_id,
        "name": process.get("name") or process_id,
        "target_s": validation.process_target_s(process),
        "initiator_lane": initiator,
        "operator_lane": process_props.get("operator_lane"),
        "number_prefix": process_props.get("number_prefix") or pack.DEFAULT_PREFIX,
        "mail": process_props.get("mail"),
        "lanes": [lane.get("name") for lane in process.xpath(".//bpmn:lane", namespaces=NS)],
        "lane_roles": {k: v for k, v in validation.lane_roles(process).items() if v},
        "fields": pack.meanings(forms),
        "steps": _describe_steps(spec),
    }
    forms = {**forms, **mail}
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
