"""SpiffWorkflow behind one small surface: parse, create, advance, serialize.

Nothing outside this module (and ``definitions``) touches Spiff objects directly. Service
tasks are never run inline: ``advance`` stops at them so the worker can call the connector
outside any database transaction, then hand the result in through ``complete_service``.
The serialized spec lives once per process version; instances store only their task tree.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine import expressions
from engine.errors import EngineError


class ScriptError(EngineError):
    """An expression of the process (a parameter, a condition) failed on the task's data."""


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
SERIALIZER_VERSION: str = SERIALIZER.VERSION
SPEC_KEYS = ("spec", "subprocess_specs")

__all__ = [
    "SERIALIZER_VERSION",
    "Task",
    "TaskState",
    "advance",
    "cancel",
    "complete_service",
    "complete_user_task",
    "dump_spec",
    "dump_workflow",
    "find_task",
    "load_workflow",
    "new_parser",
    "new_workflow",
    "ready_service_tasks",
    "ready_user_tasks",
    "schema_problems",
    "service_operation",
    "service_params",
    "service_result",
    "start_workflow",
    "throw_error",
    "waiting_tasks",
]


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Conditions, parameters and scripts through ``engine.expressions``, never Python's
    ``eval``/``exec``: a stored spec with a forbidden expression fails here too."""

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Any = None
    ) -> Any:
        data = {**(external_context or {}), **context}
        return expressions.evaluate(expressions.parse(expression), data)

    def execute(
        self, script: str, context: dict[str, Any], external_context: Any = None
    ) -> bool:
        expressions.run_script(expressions.parse_script(script), context)
        return True


class AlurScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Evaluates expressions over task data; service results are handed in, never fetched.

    Overriding ``call_service`` also avoids the library's error branch, which names an
    undefined variable and turns every connector failure into a ``NameError``.
    """

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())
        self.service_results: dict[str, Any] = {}

    def validate(self, expression: str) -> None:
        expressions.parse(expression)

    def call_service(self, task: Task, operation_name: str = "", **_kwargs: Any) -> str:
        key = str(task.id)
        if key not in self.service_results:
            raise RuntimeError(f"service task {operation_name} ran without a result")
        return json.dumps(self.service_results.pop(key))


def new_parser() -> Any:
    return SpiffBpmnParser(validator=VALIDATOR)


_NAMESPACES = {
    "{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
    "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiffworkflow:",
}


def schema_problems(root: Any) -> list[tuple[int, str]]:
    """What the BPMN XSD (with Spiff's extensions) refuses in ``root``: (line, message)."""
    tree = copy.deepcopy(root)
    VALIDATOR.preprocess(tree)
    schema = VALIDATOR.validator
    if schema.validate(tree):
        return []
    problems = []
    for error in schema.error_log:
        message = str(error.message)
        for uri, prefix in _NAMESPACES.items():
            message = message.replace(uri, prefix)
        problems.append((int(error.line), message))
    return problems


def new_workflow(spec: Any, subprocess_specs: Mapping[str, Any]) -> BpmnWorkflow:
    return BpmnWorkflow(spec, dict(subprocess_specs), script_engine=AlurScriptEngine())


SpecSource = Callable[[], Mapping[str, Any]]
_SPECS: dict[str, tuple[Any, dict[str, Any]]] = {}
_SPECS_LOCK = threading.Lock()


def _specs(key: str, source: SpecSource) -> tuple[Any, dict[str, Any]]:
    """Restored spec objects of one process version, built once per process.

    Specs are immutable once parsed (all per-instance state lives in the task tree), so
    every instance of a version shares them; restoring them was most of the load time.
    """
    cached = _SPECS.get(key)
    if cached is None:
        spec = source()
        top = SERIALIZER.from_dict(spec["spec"])
        subs = {name: SERIALIZER.from_dict(sub) for name, sub in spec["subprocess_specs"].items()}
        with _SPECS_LOCK:
            cached = _SPECS.setdefault(key, (top, subs))
    return cached


def spec_objects(key: str, source: SpecSource) -> tuple[Any, dict[str, Any]]:
    """The restored (top, subprocess) specs of a stored version (shared, never changed)."""
    return _specs(key, source)


def restore_spec(spec: Mapping[str, Any]) -> Any:
    """The top-level spec object of a serialized spec not stored yet (a preview)."""
    return SERIALIZER.from_dict(spec["spec"])


def start_workflow(key: str, source: SpecSource) -> BpmnWorkflow:
    """A new workflow of the version ``key`` whose serialized spec ``source`` returns."""
    top, subs = _specs(key, source)
    return new_workflow(top, subs)


def dump_spec(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The serialized spec of ``workflow``: stored once per process version."""
    full = SERIALIZER.to_dict(workflow)
    return {key: full[key] for key in SPEC_KEYS}


def dump_workflow(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance's own state, without the spec its version already holds: the
    serializer's ``to_dict`` less ``SPEC_KEYS``, the same keys in the same order, but
    without converting the spec only to drop it (half of a save's serializing). What
    ``BpmnWorkflowConverter.to_dict`` adds to its base's, but the spec; the converter is
    Spiff's own, pinned with it (``tests/unit/test_sop_runtime.py`` compares the two)."""
    dct: dict[str, Any] = WorkflowConverter.to_dict(_CONVERTER, workflow)
    dct["subprocesses"] = _CONVERTER.mapping_to_dict(workflow.subprocesses)
    dct["bpmn_events"] = _CONVERTER.registry.convert(workflow.bpmn_events)
    dct["typename"] = _TYPENAME
    return dct


#: The serializer's converter of a workflow, and the name it writes (``typename``).
_TYPENAME = SERIALIZER.registry.typenames[BpmnWorkflow]
_CONVERTER: Any = SERIALIZER.registry.convert_to_dict[_TYPENAME].args[1].__self__


def load_workflow(state: Mapping[str, Any], key: str, source: SpecSource) -> BpmnWorkflow:
    """Restore an instance; the serializer passes already-restored spec objects through."""
    top, subs = _specs(key, source)
    workflow: BpmnWorkflow = SERIALIZER.from_dict(
        {**state, "spec": top, "subprocess_specs": dict(subs)}
    )
    workflow.script_engine = AlurScriptEngine()
    return workflow


def _is_service(task: Task) -> bool:
    return isinstance(task.task_spec, ServiceTask)


def _ready(workflow: BpmnWorkflow) -> Iterator[Task]:
    """The READY tasks in the order of the tree. Spiff keeps every task of the workflow
    and its subprocesses in dicts: a look at their states finds the READY ones without
    walking the tree, which is needed only to order two or more."""
    found = [t for tasks in (workflow.tasks, *(s.tasks for s in workflow.subprocesses.values()))
             for t in tasks.values() if t.state == TaskState.READY]
    if len(found) < 2:
        yield from found
    else:
        yield from workflow.get_tasks(state=TaskState.READY)


def advance(workflow: BpmnWorkflow) -> None:
    """Run engine tasks (gateways, events, scripts) until only user tasks, service tasks
    or waiting tasks remain."""
    progressed = True
    while progressed:
        progressed = False
        for task in list(_ready(workflow)):
            if task.task_spec.manual or _is_service(task):
                continue
            try:
                task.run()
            except WorkflowException as err:  # a gateway condition or script failed
                raise ScriptError(f"proses gagal pada '{task.task_spec.bpmn_id}': {err}") from err
            progressed = True
    workflow.refresh_timers()


def waiting_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """The ready user tasks, then the ready service tasks, in one walk of the tree."""
    ready = list(_ready(workflow))
    return [t for t in ready if t.task_spec.manual] + [t for t in ready if _is_service(t)]


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [t for t in _ready(workflow) if t.task_spec.manual]


def ready_service_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [t for t in _ready(workflow) if _is_service(t)]


_SHARED = (str, int, float, bool, type(None))


def data_copy(value: Any) -> Any:
    """A deep copy of task data, equal to ``copy.deepcopy(value)``: the JSON types of a
    saved workflow's data (the save serialises it, so it holds no cycles) copied by hand,
    at a quarter of ``deepcopy``'s cost; anything else through ``deepcopy``. Unlike
    ``deepcopy`` it does not keep two references to one object as one."""
    kind = type(value)
    if kind is dict:
        return {key: data_copy(item) for key, item in value.items()}
    if kind is list:
        return [data_copy(item) for item in value]
    if kind in _SHARED:  # immutable: deepcopy hands these back as they are, too
        return value
    return copy.deepcopy(value)


def find_task(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    """The task by id: a dict look-up in the workflow and its subprocesses (Spiff keeps
    them all on the top workflow), not a walk of the tree."""
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        return None
    for tasks in (workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())):
        task: Task | None = tasks.get(key)
        if task is not None:
            return task
    return None


def complete_user_task(task: Task, data: Mapping[str, Any]) -> None:
    task.data.update(data)
    task.run()
    advance(task.workflow)


def service_params(task: Task) -> dict[str, Any]:
    """The operator's parameters evaluated against the task's data; a parameter that does
    not evaluate (a field the forms never set) raises ``ScriptError``."""
    try:
        evaluated = task.task_spec.evaluate_params(task)
    except WorkflowException as err:
        raise ScriptError(f"parameter layanan tidak dapat dihitung: {err}") from err
    return {name: item["value"] for name, item in evaluated.items()}


def complete_service(task: Task, result: Mapping[str, Any]) -> None:
    task.workflow.script_engine.service_results[str(task.id)] = dict(result)
    task.run()
    advance(task.workflow)


def throw_error(task: Task, code: str, message: str) -> bool:
    """Send ``task`` down its error boundary path for ``code``.

    Returns False when no boundary event catches it (the caller raises an incident).
    """
    workflow = task.workflow
    before = {str(t.id) for t in ready_user_tasks(workflow)}
    definition = ErrorEventDefinition(message, code=code)
    workflow.catch(BpmnEvent(definition, payload={"message": message}))
    advance(workflow)
    caught = task.state != TaskState.READY or any(
        str(t.id) not in before for t in ready_user_tasks(workflow)
    )
    return bool(caught)


def service_result(task: Task) -> dict[str, Any] | None:
    """What a completed service task produced: ``{result variable: value}``."""
    if not _is_service(task) or task.state != TaskState.COMPLETED:
        return None
    name = str(task.task_spec.result_variable)
    return {name: task.data.get(name)}


def service_operation(task: Task) -> str:
    return str(task.task_spec.operation_name)


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()
