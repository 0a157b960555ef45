"""What differs between two versions of a process, as a process owner reads it.

Compares the step metadata, lanes, targets, forms (field by field) and gateway conditions
of the active version with a candidate, and adds what SpiffWorkflow's own spec diff
(``SpiffWorkflow.bpmn.util.diff.SpecDiff``) sees change in the flow around a step (its
incoming or outgoing paths). Each change names the BPMN element, so the preview can mark
it on the new diagram. Imports no web layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff

from engine import runtime
from engine.forms import N_

#: kind of change → what the preview and ``alur deploy --dry-run`` call it
KIND_LABELS = {
    "added": N_("Langkah baru"),
    "removed": N_("Langkah dihapus"),
    "renamed": N_("Nama langkah berubah"),
    "lane": N_("Pindah lajur"),
    "target": N_("Target waktu berubah"),
    "form": N_("Formulir berubah"),
    "field_added": N_("Isian baru"),
    "field_removed": N_("Isian dihapus"),
    "field_renamed": N_("Isian berganti nama"),
    "condition": N_("Kondisi berubah"),
    "flow": N_("Alur masuk/keluar langkah berubah"),
}


@dataclass(frozen=True)
class Change:
    kind: str
    element: str  # BPMN id (a step, a flow) or the form's file name
    name: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class VersionDiff:
    """The changes from ``before`` (a version number, None when nothing is deployed)."""

    before: int | None
    changes: tuple[Change, ...]

    @property
    def marked(self) -> dict[str, str]:
        """BPMN id → the first kind of change on it (for the diagram)."""
        out: dict[str, str] = {}
        for change in self.changes:
            out.setdefault(change.element, change.kind)
        return out

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]


def _fmt_target(seconds: Any) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} mnt" + (f" {secs} dtk" if secs else "")


def _step_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for bpmn_id, step in new.items():
        name = step.get("name") or bpmn_id
        if bpmn_id not in old:
            changes.append(Change("added", bpmn_id, name, None, step.get("lane")))
            continue
        was = old[bpmn_id]
        pairs = (("renamed", "name"), ("lane", "lane"), ("form", "form"))
        for kind, key in pairs:
            if was.get(key) != step.get(key):
                changes.append(Change(kind, bpmn_id, name, was.get(key), step.get(key)))
        if was.get("target_s") != step.get("target_s"):
            changes.append(Change("target", bpmn_id, name, _fmt_target(was.get("target_s")),
                                  _fmt_target(step.get("target_s"))))
    for bpmn_id, was in old.items():
        if bpmn_id not in new:
            changes.append(Change("removed", bpmn_id, was.get("name") or bpmn_id,
                                  was.get("lane"), None))
    return changes


def _fields(schema: Any) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return dict(props) if isinstance(props, dict) else {}


def _pair_renames(gone: dict[str, Any], came: dict[str, Any]) -> list[tuple[str, str]]:
    """Removed and added fields that are one field renamed: the same title, or the only
    removed and the only added one of a form with the same type."""
    pairs = []
    for old_name, old_def in list(gone.items()):
        match = next((n for n, d in came.items()
                      if d.get("title") and d.get("title") == old_def.get("title")), None)
        if match is None and len(gone) == 1 and len(came) == 1:
            only = next(iter(came))
            match = only if came[only].get("type") == old_def.get("type") else None
        if match is not None:
            pairs.append((old_name, match))
            del gone[old_name], came[match]
    return pairs


def field_changes(name: str, old: Any, new: Any) -> list[Change]:
    """Field-level changes of one form (``name``) between two schemas."""
    before, after = _fields(old), _fields(new)
    gone = {k: v for k, v in before.items() if k not in after}
    came = {k: v for k, v in after.items() if k not in before}
    changes = [Change("field_renamed", name, name, a, b) for a, b in _pair_renames(gone, came)]
    changes += [Change("field_removed", name, name, k, None) for k in gone]
    changes += [Change("field_added", name, name, None, k) for k in came]
    changed = [k for k in before if k in after and before[k] != after[k]]
    changes += [Change("form", name, name, k, k) for k in changed]
    if not changes and old != new and old is not None and new is not None:
        changes.append(Change("form", name, name, None, None))
    return changes


def _condition_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    ids = sorted(set(old) | set(new))
    return [Change("condition", i, i, old.get(i), new.get(i)) for i in ids
            if old.get(i) != new.get(i)]


def _flow_changes(old_spec: Any, new_spec: Any, steps: Mapping[str, Any]) -> list[Change]:
    """Steps whose incoming or outgoing paths changed, as Spiff's spec diff aligns them."""
    diff = SpecDiff(runtime.SERIALIZER.registry, old_spec, new_spec)
    out = []
    for spec, attrs in diff.changed.items():
        if spec.name in steps and {"inputs", "outputs"} & set(attrs):
            out.append(Change("flow", spec.name, steps[spec.name].get("name") or spec.name))
    return out


@dataclass(frozen=True)
class Side:
    """One version as the diff reads it."""

    version: int | None
    meta: Mapping[str, Any]
    forms: Mapping[str, Any]
    conditions: Mapping[str, str]
    spec: Any  # the restored top-level Spiff spec


def compare(old: Side, new: Side) -> VersionDiff:
    old_steps, new_steps = old.meta.get("steps", {}), new.meta.get("steps", {})
    changes = _step_changes(old_steps, new_steps)
    for name in sorted(set(old.forms) | set(new.forms)):
        if old.forms.get(name) != new.forms.get(name):
            changes += field_changes(name, old.forms.get(name), new.forms.get(name))
    changes += _condition_changes(old.conditions, new.conditions)
    changes += _flow_changes(old.spec, new.spec, new_steps)
    if old.meta.get("target_s") != new.meta.get("target_s"):
        process = str(new.meta.get("process_id"))
        changes.append(Change("target", process, str(new.meta.get("name")),
                              _fmt_target(old.meta.get("target_s")),
                              _fmt_target(new.meta.get("target_s"))))
    return VersionDiff(old.version, tuple(changes))
