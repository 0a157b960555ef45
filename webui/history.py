"""How pages show each pass's own record: the decision a step recorded (as history once
a later pass began), and the other fields that pass submitted. The engine decides what
each pass holds (``engine.passes``); this only chooses labels and order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import gettext

from engine.views import StepView
from webui.display import Shown, request_fields

#: A step with more fields than this (the requester's whole form) shows them folded.
INLINE_FIELDS = 3


def pass_rows(step: StepView, form: Mapping[str, Any] | None = None) -> list[Shown]:
    """What ``step``'s pass submitted, labelled by its ``form`` (the pack's), without its
    decision and reason (shown apart), with a meeting's join link when the step made one."""
    data: dict[str, Any] = dict(step.data or {})
    if step.decision is not None:
        data.pop(step.decision.field, None)
        data.pop(step.decision.reason_field or "", None)
    rows = request_fields(data, [form] if form else [])
    meeting = data.get("meeting")
    if isinstance(meeting, dict) and meeting.get("join_url"):
        rows.append(Shown(gettext("Link bergabung"), str(meeting["join_url"]), True))
    return rows


def folded(step: StepView, form: Mapping[str, Any] | None = None) -> bool:
    return len(pass_rows(step, form)) > INLINE_FIELDS


def register(app: Flask) -> None:
    app.add_template_global(pass_rows, "pass_rows")
    app.add_template_global(folded, "pass_folded")
