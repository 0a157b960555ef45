"""Each pass of a request as it was: the step records with what each pass submitted, the
decisions they hold, and which of them are history.

A request loops (not signed → back to step 1), and the workflow's data carries the old
decision and note forward into the next pass. The record does not: each step record keeps
its own pass's data (``StepRecord.data``). Once any step of a later pass is done, the
records of earlier passes are *superseded*: pages show them as history ("Keputusan putaran
1: Tidak disetujui"), never as the current state. Pure functions over the engine's views;
imports no web layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine import forms
from engine.meetings import has_host_link, without_host_link
from engine.versions import VersionInfo
from engine.views import InstanceView, StepFields, StepView


def settled_pass(records: Sequence[StepFields]) -> int:
    """The newest pass in which some step has been done."""
    return max((r.pass_no for r in records if r.state == "completed"), default=1)


def step_views(
    version: VersionInfo,
    records: Sequence[StepFields],
    workflow_data: Mapping[str, Any] | None = None,
) -> tuple[StepView, ...]:
    """The records as views, each with its declared decision and superseded flag.

    A request under way when per-pass data began to be kept (migration 0008) has records
    without data; the newest completed one of each step takes its decision from
    ``workflow_data`` (the workflow's current data still holds that pass's values), the
    older ones show none rather than a wrong one."""
    settled = settled_pass(records)
    newest = {r.bpmn_id: r.task_id for r in records if r.state == "completed"}
    rules: dict[str, dict[str, Any] | None] = {}
    views = []
    for record in records:
        if record.bpmn_id not in rules:
            rules[record.bpmn_id] = forms.decision_of(version.form_of(record.bpmn_id)[1])
        legacy = workflow_data if newest.get(record.bpmn_id) == record.task_id else None
        views.append(StepView.of(record, decision=rules[record.bpmn_id],
                                 superseded=record.pass_no < settled, legacy=legacy))
    return tuple(views)


def current_decline(steps: Sequence[StepView]) -> StepView | None:
    """The decline that sent the request back, until the requester has resubmitted."""
    decided = [s for s in steps if s.decision is not None and s.state == "completed"]
    last = decided[-1] if decided else None
    if last is None or last.decision is None or not last.decision.declined:
        return None
    return None if last.superseded else last


def sent_back(steps: Sequence[StepView], step: StepView) -> StepView | None:
    """The decline whose completion made ``step`` ready (the revising requester's "why"):
    the step done last before ``step`` became ready, when that step declined."""
    done = [s for s in steps if s.state == "completed" and s.completed_at is not None
            and s.completed_at <= step.ready_at and s.task_id != step.task_id]
    last = done[-1] if done else None
    if last is None or last.decision is None or not last.decision.declined:
        return None
    return last


def current_data(data: Mapping[str, Any], steps: Sequence[StepView]) -> dict[str, Any]:
    """``data`` without the fields that only superseded passes wrote (an old decision,
    an old verification note): the workflow still carries them, the record does not."""
    old: set[str] = set()
    kept: set[str] = set()
    for s in steps:
        if s.data is not None and s.state == "completed":
            (old if s.superseded else kept).update(s.data)
    return {key: value for key, value in data.items() if key not in old - kept}


def as_of(view: InstanceView, step: StepView) -> dict[str, Any]:
    """The request's data as it stood on ``step``'s pass: what the steps of that pass
    submitted up to ``step``; the current data for a step still open or recorded before
    per-pass data was kept."""
    if step.state != "completed" or step.completed_at is None:
        return view.data
    mine = [s for s in view.steps if s.pass_no == step.pass_no and s.state == "completed"
            and s.completed_at is not None and s.completed_at <= step.completed_at]
    if any(s.data is None for s in mine):
        return view.data
    merged: dict[str, Any] = {}
    for s in mine:
        merged.update(s.data or {})
    return merged


def without_host_links(steps: Sequence[StepView]) -> tuple[StepView, ...]:
    """The steps with the meeting's host link taken out of each pass's data."""
    return tuple(replace(s, data=without_host_link(s.data)) if s.data and has_host_link(s.data)
                 else s for s in steps)
