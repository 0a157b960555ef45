"""Moving waiting requests from one version of a process to another.

Each request is checked first, with SpiffWorkflow's own workflow diff
(``SpiffWorkflow.bpmn.util.diff``): it is refused, with the reason in Indonesian, when a
step it completed or is waiting at is gone from the target version or changed its kind, or
when the target puts a new step before the step it waits at (it would skip that step).
A request that passes is re-pointed at the target's spec (``migrate_workflow``: its waiting
steps are reset against the new spec, keeping their task ids), the engine is run again
(the way out for a request stuck on a broken condition), and saved: step history stays,
open step records follow the new lanes, new ready steps get records, and the move is an
audited ``instance_migrated`` event. Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from sqlalchemy.orm import Session

from engine import instances, runtime, store, versions
from engine.errors import Conflict, EngineError, FieldError
from engine.forms import N_
from engine.models import Instance, ProcessVersion
from engine.runtime import TaskState
from engine.views import InstanceSummary

_GONE_WAITING = N_("langkah yang sedang menunggu '%(step)s' tidak ada di versi %(v)d")
_GONE_DONE = N_("langkah yang sudah dilalui '%(step)s' tidak ada di versi %(v)d")
_KIND = N_("jenis langkah '%(step)s' berubah di versi %(v)d")
_SKIPS = N_(
    "langkah yang sedang menunggu '%(step)s' kini didahului langkah baru %(new)s "
    "yang belum dilalui permintaan ini"
)
_LIVE = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class MigrationCheck:
    instance_id: str
    number: str
    kegiatan: str | None
    status: str
    current_step: str | None
    reasons: tuple[FieldError, ...]  # why it cannot move (translatable), empty when it can
    migrated: bool = False

    @property
    def ok(self) -> bool:
        return not self.reasons


def _is_step(spec: Any) -> bool:
    return bool(getattr(spec, "manual", False) or hasattr(spec, "operation_name"))


def _label(spec: Any) -> str:
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _skipped_steps(task_spec: Any, done: set[str], added: set[str]) -> list[str]:
    """New steps that now stand between everything the request did and ``task_spec``: the
    backward walk reaches no step it completed without crossing one (empty when fine)."""
    seen, stack, blocking = {task_spec.name}, list(task_spec.inputs), []
    while stack:
        spec = stack.pop()
        if spec.name in seen:
            continue
        seen.add(spec.name)
        if spec.name in added and _is_step(spec):
            blocking.append(_label(spec))
            continue
        if spec.name in done or not spec.inputs:
            return []
        stack.extend(spec.inputs)
    return blocking


def _task_reasons(
    workflow: Any, diff: WorkflowDiff, spec_diff: SpecDiff, to: int
) -> list[FieldError]:
    reasons: list[FieldError] = []
    added = {s.name for s in spec_diff.added}
    done = {t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    for task in workflow.get_tasks(state=_LIVE, skip_subprocesses=True):
        name = _label(task.task_spec)
        waiting = task.state != TaskState.COMPLETED
        if task in diff.removed:
            reasons.append(FieldError(_GONE_WAITING if waiting else _GONE_DONE,
                                      {"step": name, "v": to}))
        elif "typename" in spec_diff.changed.get(task.task_spec, []):
            reasons.append(FieldError(_KIND, {"step": name, "v": to}))
        elif waiting and _is_step(task.task_spec):
            new_spec = diff.alignment[task]
            skipped = _skipped_steps(new_spec, done, added)
            if skipped:
                new = ", ".join(f"'{s}'" for s in skipped)
                reasons.append(FieldError(_SKIPS, {"step": name, "new": new}))
    return reasons


def _retarget(row: Instance, target: ProcessVersion) -> tuple[Any, list[FieldError]]:
    """The request's workflow on ``target``'s spec, or the reasons it cannot be."""
    to = target.version
    if row.status not in ("draft", "running", "incident"):
        return None, [FieldError(N_("permintaan ini sudah tidak berjalan"))]
    workflow = instances.workflow_of(row)
    if workflow.subprocesses:
        return None, [FieldError(N_("permintaan dengan subproses belum dapat dipindahkan"))]
    top, subs = runtime.spec_objects(versions.key_of(target), lambda: target.spec)
    spec_diff = SpecDiff(runtime.SERIALIZER.registry, workflow.spec, top)
    diff = WorkflowDiff(workflow, spec_diff)
    reasons = _task_reasons(workflow, diff, spec_diff, to)
    if reasons:
        return None, reasons
    migrate_workflow(diff, workflow, top)
    workflow.subprocess_specs = dict(subs)
    try:
        runtime.advance(workflow)
        state = runtime.dump_workflow(workflow)
        workflow = versions.load_workflow(target, state)  # proves it reads back on target
    except runtime.ScriptError as err:
        return None, [FieldError(N_("versi %(v)d pun gagal menjalankan permintaan ini: %(err)s"),
                                 {"v": to, "err": str(err)})]
    except Exception as err:  # a tree the new spec cannot read: refuse, change nothing
        return None, [FieldError(N_("susunan langkah tidak dapat dibaca versi %(v)d (%(err)s)"),
                                 {"v": to, "err": type(err).__name__})]
    return workflow, []


def _check(row: Instance, reasons: list[FieldError], migrated: bool = False) -> MigrationCheck:
    number = InstanceSummary.of(row).number
    return MigrationCheck(row.id, number, row.kegiatan, row.status, row.current_step,
                          tuple(reasons), migrated)


def _versions(
    session: Session, process_id: str, source: int, target: int
) -> tuple[ProcessVersion, ProcessVersion]:
    if source == target:
        raise Conflict("Versi asal dan tujuan sama (%(v)d).", v=source)
    return (store.version_of(session, process_id, source),
            store.version_of(session, process_id, target))


def check(
    session: Session, process_id: str, source: int, target: int,
    ids: Iterable[str] | None = None,
) -> list[MigrationCheck]:
    """Which waiting requests of version ``source`` could move to ``target``, and why not."""
    old, new = _versions(session, process_id, source, target)
    out = []
    for row in store.open_instances_of(session, old.id, ids):
        _workflow, reasons = _retarget(row, new)
        out.append(_check(row, reasons))
    return out


def _move(session: Session, row: Instance, target: ProcessVersion, workflow: Any,
          actor: str, now: datetime, max_passes: int) -> None:
    source = row.version.version
    meta = versions.info(target).meta
    row.version, row.process_version_id = target, target.id
    if row.status == "incident":
        row.status, row.incident = "running", None
        for job in store.jobs_of(session, row.id):
            if job.status == "failed":
                job.status, job.attempts, job.run_after, job.last_error = "pending", 0, now, None
    for record in store.steps_of(session, row.id):
        step = meta["steps"].get(record.bpmn_id)
        if record.state == "ready" and step:
            record.name, record.step, record.lane = step["name"], step.get("step"), step["lane"]
            record.requester_only = step["lane"] == meta.get("initiator_lane")
    store.add_event(session, at=now, kind="instance_migrated", actor=actor, instance_id=row.id,
                    detail={"from_version": source, "to_version": target.version})
    instances.save(session, instances.Loaded(row, workflow), now, max_passes=max_passes)


def migrate(
    session: Session, process_id: str, source: int, target: int, *,
    ids: Iterable[str] | None, actor: str, now: datetime, max_passes: int,
) -> list[MigrationCheck]:
    """Move every request of ``source`` (or those of ``ids``) that passes its check."""
    old, new = _versions(session, process_id, source, target)
    out = []
    for row in store.open_instances_of(session, old.id, ids):
        workflow, reasons = _retarget(row, new)
        if reasons:
            out.append(_check(row, reasons))
            continue
        try:
            _move(session, row, new, workflow, actor, now, max_passes)
        except EngineError as err:
            raise Conflict("Permintaan %(id)s tidak dapat dipindahkan: %(err)s",
                           id=row.id, err=str(err)) from err
        out.append(_check(row, [], migrated=True))
    return out
