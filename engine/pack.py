"""What a process pack declares about itself, so the engine and the UI stay generic.

A pack is a BPMN file with the files it names (JSON-Schema forms, the mail texts). Everything
that is about one SOP is declared there, never in code (README, "Editing the SOP"):

- each ``bpmn:lane`` carries a ``role`` property: the user role that works that lane;
- process properties: ``initiator_lane`` (the lane of the person who started the request),
  ``operator_lane`` (the lane that watches the automated work: it sees incidents and host
  links and may cancel), ``number_prefix`` (request numbers read ``VC-1A2B3C4D``), ``mail``
  (the mail texts, a JSON file of the pack, see ``engine.mailtexts``);
- form properties: ``x-meaning`` says what a field means to Alur (``title``, ``unit``,
  ``date``, ``start_time``, ``end_time``, ``contact_email``): list columns, the meeting's
  time, where mail goes;
- a form's ``x-decision`` (``{"field", "reason", "declined": [values…]}``) names its
  decision, the reason that goes with it, and the values that send the request back.

``describe`` reads these at deploy time into the version's meta; ``Pack`` answers questions
about a deployed version from that meta and its forms. No SpiffWorkflow, no web layer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.forms import decision_of

SYSTEM_ROLES = ("auditor", "admin")
MEANINGS = ("title", "unit", "date", "start_time", "end_time", "contact_email")
ROLE_SLUG = re.compile(r"[a-z][a-z0-9_]{1,31}")
DEFAULT_PREFIX = "REQ"


@dataclass(frozen=True)
class Decision:
    step: str  # the bpmn id of the task whose form decides
    field: str
    reason: str | None
    declined: tuple[Any, ...]
    labels: dict[str, str]  # value -> title, from the schema's x-enum-titles


def meanings(forms: Mapping[str, Any]) -> dict[str, str]:
    """``{meaning: field}`` over the pack's forms (the first form that declares it wins)."""
    found: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in (schema.get("properties") or {}).items():
            meaning = prop.get("x-meaning") if isinstance(prop, Mapping) else None
            if isinstance(meaning, str):
                found.setdefault(meaning, name)
    return found


def meaning_problems(forms: Mapping[str, Any]) -> list[str]:
    problems = []
    for form, schema in forms.items():
        for name, prop in (schema.get("properties") or {}).items():
            meaning = prop.get("x-meaning") if isinstance(prop, Mapping) else None
            if meaning is not None and meaning not in MEANINGS:
                problems.append(
                    f"{form}: isian '{name}': x-meaning '{meaning}' tidak dikenal "
                    f"(pilihan: {', '.join(MEANINGS)})"
                )
        declared = schema.get("x-decision")
        if declared is not None and not _decision_ok(declared, schema):
            problems.append(
                f"{form}: x-decision harus {{\"field\": isian pilihan, \"reason\": isian, "
                f"\"declined\": [nilai…]}} dengan isian yang ada di formulir ini"
            )
    return problems


def _decision_ok(declared: Any, schema: Mapping[str, Any]) -> bool:
    props = schema.get("properties") or {}
    if not isinstance(declared, Mapping) or declared.get("field") not in props:
        return False
    reason = declared.get("reason")
    choices = props[declared["field"]].get("enum") or []
    declined = declared.get("declined", [])
    return (reason is None or reason in props) and all(v in choices for v in declined)


@dataclass(frozen=True)
class Pack:
    """Questions about one deployed version, answered from its meta and forms."""

    meta: Mapping[str, Any]
    forms: Mapping[str, Any]

    def role_of(self, lane: str | None) -> str | None:
        roles: Mapping[str, str] = self.meta.get("lane_roles") or {}
        return roles.get(lane or "")

    @property
    def initiator_role(self) -> str | None:
        return self.role_of(self.meta.get("initiator_lane"))

    @property
    def worker_roles(self) -> frozenset[str]:
        """Roles of every lane but the initiator's: they see all requests of the process."""
        initiator = self.meta.get("initiator_lane")
        roles: Mapping[str, str] = self.meta.get("lane_roles") or {}
        return frozenset(role for lane, role in roles.items() if lane != initiator)

    @property
    def operator_roles(self) -> frozenset[str]:
        role = self.role_of(self.meta.get("operator_lane"))
        return frozenset({role} if role else ())

    def field(self, meaning: str) -> str | None:
        fields: Mapping[str, str] = self.meta.get("fields") or {}
        return fields.get(meaning)

    def value(self, data: Mapping[str, Any], meaning: str) -> Any:
        name = self.field(meaning)
        return data.get(name) if name else None

    @property
    def number_prefix(self) -> str:
        return str(self.meta.get("number_prefix") or DEFAULT_PREFIX)

    def decision(self, bpmn_id: str) -> Decision | None:
        form = (self.meta.get("steps", {}).get(bpmn_id) or {}).get("form")
        schema = self.forms.get(form) if form else None
        declared = decision_of(schema)
        if declared is None or schema is None:
            return None
        prop = schema["properties"][declared["field"]]
        titles = prop.get("x-enum-titles") or []
        labels = {str(v): str(t) for v, t in zip(prop.get("enum") or [], titles, strict=False)}
        return Decision(
            step=bpmn_id,
            field=declared["field"],
            reason=declared.get("reason"),
            declined=tuple(declared.get("declined", ())),
            labels=labels,
        )

    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    @functools.cached_property
    def _decisions(self) -> tuple[Decision, ...]:
        """Read once per pack (a version's content never changes): every mail and view
        asks for them."""
        found = (self.decision(bpmn_id) for bpmn_id in self.meta.get("steps", {}))
        return tuple(d for d in found if d is not None)

    def step_forms(self) -> dict[str, dict[str, Any]]:
        """``{bpmn id: form schema}`` of the steps that have a form, in the meta's order."""
        found = {}
        for bpmn_id, step in (self.meta.get("steps") or {}).items():
            schema = self.forms.get(step.get("form")) if step.get("form") else None
            if isinstance(schema, dict):
                found[bpmn_id] = schema
        return found

    def mail_texts(self) -> Mapping[str, Any]:
        name = self.meta.get("mail")
        texts = self.forms.get(name) if name else None
        return texts if isinstance(texts, Mapping) else {}


def returned_reason(pack: Pack, data: Mapping[str, Any]) -> str | None:
    """The reason of a decision in ``data`` that sent the request back, or None."""
    for decision in pack.decisions():
        if decision.declined and data.get(decision.field) in decision.declined:
            reason = data.get(decision.reason) if decision.reason else None
            return reason if isinstance(reason, str) and reason.strip() else ""
    return None
