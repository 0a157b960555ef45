"""Process definitions: validate a BPMN file with its forms, and describe it.

``compile_definition`` turns BPMN bytes into a ``CompiledDefinition`` (the Spiff spec, the
SOP metadata of every step, and the form schemas) or raises ``DefinitionError`` listing
every problem with the element id and file named. Deploying (storing versions) lives in
``engine.deploy``. Imports no web or HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import form_rules, identity, mailtexts, pack, runtime, validation
from engine.errors import DefinitionError
from engine.expression_checks import NS, where
from engine.flow import order as flow_order
from engine.packfiles import folder_files, load_named
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


def _pack_problems(forms: Mapping[str, Any], mail: str | None) -> list[str]:
    """What the pack's files declare wrongly: rule keywords and meanings of the forms, and
    the mail texts."""
    problems: list[str] = []
    for name, schema in forms.items():
        if name == mail:
            problems += [f"{name}: {p}" for p in mailtexts.problems_of(schema)]
        elif isinstance(schema, dict):
            problems += [f"{name}: {p}" for p in form_rules.vocabulary_problems(schema)]
    return problems + pack.meaning_problems({k: v for k, v in forms.items() if k != mail})


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


def compile_definition(
    data: bytes,
    filename: str,
    *,
    files: Mapping[str, bytes] | None = None,
    forms_dir: Path | None = None,
    operators: Iterable[str],
    known_roles: Iterable[str] = (),
) -> CompiledDefinition:
    """Validate everything a deploy needs, collecting all problems before refusing.

    ``files`` are the pack's other files by plain name (``engine.pack``); ``forms_dir``
    is the older way to give them (the JSON files of one folder)."""
    if files is None:
        files = {} if forms_dir is None else {
            **folder_files(forms_dir.parent), **folder_files(forms_dir)
        }
    root = _parse_xml(data, filename)
    process = _executable_process(root, filename)
    if schema := runtime.schema_problems(root):  # the other checks assume valid BPMN
        raise DefinitionError(filename, [_at_line(root, *problem) for problem in schema])
    process_props = validation.properties(process)
    initiator = process_props.get("initiator_lane", DEFAULT_INITIATOR_LANE)
    forms, texts, problems = load_named(process, files)
    problems += _pack_problems(forms, process_props.get("mail"))
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
        "separation_of_duties": process_props.get("separation_of_duties", "true"),
        "lanes": [lane.get("name") for lane in process.xpath(".//bpmn:lane", namespaces=NS)],
        "lane_roles": {k: v for k, v in validation.lane_roles(process).items() if v},
        "fields": pack.meanings(forms),
        "steps": _describe_steps(spec),
        "files": texts,  # the pack files exactly as deployed (the version's download)
    }
    meta["order"] = flow_order(process, meta["steps"])
    return CompiledDefinition(
        process_id=process_id,
        name=meta["name"],
        sha256=identity.version_hash(root, forms),
        filename=filename,
        xml=data.decode("utf-8"),
        spec=runtime.dump_spec(workflow),
        meta=meta,
        forms=forms,
    )
