"""Frozen views the engine hands out: what the UI, the API and the CLI may see.

No Spiff object or ORM row crosses this line; ``as_dict`` gives the JSON API's shape with
times as aware datetimes (the API layer formats them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from engine import seconds as whole_seconds
from engine import versions
from engine.models import Attachment, Instance, ProcessVersion


class StepFields(Protocol):
    """What a view reads of a step record: the ORM row, or a plain row of its columns
    (``store.step_rows``, read without the ORM for pages that change nothing)."""

    @property
    def task_id(self) -> str: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def bpmn_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def lane(self) -> str | None: ...
    @property
    def step(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def requester_only(self) -> bool: ...
    @property
    def pass_no(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def ready_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def opened_at(self) -> datetime | None: ...
    @property
    def opened_by(self) -> str | None: ...
    @property
    def claimed_by(self) -> str | None: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def completed_by(self) -> str | None: ...
    @property
    def completed_by_name(self) -> str | None: ...
    @property
    def target_s(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Decision:
    """The decision a pass recorded on a form that declares one (``x-decision``)."""

    field: str
    value: str
    reason_field: str | None
    reason: str | None
    declined: bool

    @classmethod
    def of(cls, rule: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> Decision | None:
        if not rule or not data or data.get(rule["field"]) in (None, ""):
            return None
        value = str(data[rule["field"]])
        reason = data.get(rule["reason"]) if rule.get("reason") else None
        return cls(rule["field"], value, rule.get("reason"),
                   reason if isinstance(reason, str) else None, value in rule.get("declined", ()))


@dataclass(frozen=True)
class StepView:
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    step: str | None
    kind: str
    requester_only: bool
    pass_no: int
    state: str
    ready_at: datetime
    due_at: datetime | None
    opened_at: datetime | None
    opened_by: str | None
    claimed_by: str | None
    completed_at: datetime | None
    completed_by: str | None
    target_s: int | None
    error: str | None
    duration_s: float | None
    waiting_s: float | None
    working_s: float | None
    within_target: bool | None
    # What this pass submitted, as it was (None: not done, or done before migration 0008)
    data: dict[str, Any] | None = None
    completed_by_name: str | None = None
    decision: Decision | None = None
    # A later pass has been worked on: this record is history, not the current state
    superseded: bool = False

    def is_late(self, now: datetime) -> bool:
        """Still waiting past its due time, in whole seconds as the report counts."""
        return (self.state == "ready" and self.due_at is not None
                and self.due_at < whole_seconds.late_at(now))

    @classmethod
    def of(
        cls,
        row: StepFields,
        *,
        decision: Mapping[str, Any] | None = None,
        superseded: bool = False,
        legacy: Mapping[str, Any] | None = None,
    ) -> StepView:
        """``decision``: the form's declared decision (``forms.decision_of``), if any;
        ``legacy``: where to read it for a record kept before per-pass data (migration
        0008), whose ``data`` stays None."""
        # Each time taken to its whole second once (``whole_seconds.second``), each
        # column read once: the same values as subtracting ``second()`` pairwise.
        ready_at, opened_at, completed_at = row.ready_at, row.opened_at, row.completed_at
        ready = whole_seconds.second(ready_at) if ready_at else None
        opened = whole_seconds.second(opened_at) if opened_at else None
        completed = whole_seconds.second(completed_at) if completed_at else None
        duration = completed - ready if ready is not None and completed is not None else None
        state, target_s, data = row.state, row.target_s, row.data
        within = None
        if completed_at is not None and target_s is not None and state != "cancelled":
            # closed unfinished (cancelled): neither on time nor late
            within = (duration <= target_s if duration is not None
                      else whole_seconds.within(ready_at, completed_at, target_s))
        return cls(
            task_id=row.task_id,
            bpmn_id=row.bpmn_id,
            name=row.name,
            lane=row.lane,
            step=row.step,
            kind=row.kind,
            requester_only=row.requester_only,
            pass_no=row.pass_no,
            state=state,
            ready_at=ready_at,
            due_at=row.due_at,
            opened_at=opened_at,
            opened_by=row.opened_by,
            claimed_by=row.claimed_by,
            completed_at=completed_at,
            completed_by=row.completed_by,
            target_s=target_s,
            error=row.error,
            duration_s=duration,
            waiting_s=opened - ready if ready is not None and opened is not None else None,
            working_s=completed - opened if opened is not None and completed is not None
            else None,
            within_target=within,
            data=dict(data) if data is not None else None,
            completed_by_name=row.completed_by_name,
            decision=Decision.of(decision, data if data is not None else legacy),
            superseded=superseded,
        )


@dataclass(frozen=True)
class AttachmentView:
    id: str
    instance_id: str
    filename: str
    stored_name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, row: Attachment) -> AttachmentView:
        return cls(
            row.id,
            row.instance_id,
            row.filename,
            row.stored_name,
            row.content_type,
            row.size,
            row.uploaded_by,
            row.uploaded_at,
        )


@dataclass(frozen=True)
class InstanceSummary:
    id: str
    number: str
    process_id: str
    process_name: str
    version: int
    status: str
    requester: str
    requester_name: str
    created_at: datetime
    completed_at: datetime | None
    current_step: str | None
    kegiatan: str | None
    tanggal: str | None
    instansi: str | None
    pass_count: int
    incident: str | None
    #: Whose turn it is: the lane of the waiting step, and whether that is the requester's
    #: own lane (the pack's ``initiator_lane``) or automated work (a service task).
    current_lane: str | None = None
    current_role: str | None = None
    requesters_turn: bool = False
    automated: bool = False

    @classmethod
    def of(cls, row: Instance) -> InstanceSummary:
        version, requester = row.version, row.requester  # each relationship read once
        meta = versions.info(version).meta or {}  # cached: no query per summary
        waiting: dict[str, Any] = next((s for s in (meta.get("steps") or {}).values()
                        if row.current_step and s.get("name") == row.current_step), {})
        return cls(
            id=row.id,
            number=row.number,
            process_id=version.process_id,
            process_name=version.name,
            version=version.version,
            status=row.status,
            requester=requester.username,
            requester_name=requester.display_name,
            created_at=row.created_at,
            completed_at=row.completed_at,
            current_step=row.current_step,
            kegiatan=row.kegiatan,
            tanggal=row.tanggal,
            instansi=row.instansi,
            pass_count=row.pass_count,
            incident=row.incident,
            current_lane=waiting.get("lane"),
            current_role=(meta.get("lane_roles") or {}).get(waiting.get("lane")),
            requesters_turn=bool(waiting) and waiting.get("lane") == meta.get("initiator_lane"),
            automated=waiting.get("kind") == "service",
        )


@dataclass(frozen=True)
class InstanceView:
    summary: InstanceSummary
    data: dict[str, Any]
    meeting: dict[str, Any] | None
    steps: tuple[StepView, ...]
    attachments: tuple[AttachmentView, ...]
    target_s: int | None
    last_reason: str | None  # why a decision sent the request back, while it is back
    host_roles: frozenset[str] = frozenset()
    contact_email: str | None = None  # the field the pack says is the requester's address
    #: The pack's form of each user step, in the flow's order: labels and choices to show.
    step_forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    cancellation: Cancellation | None = None

    @property
    def id(self) -> str:
        return self.summary.id

    def as_dict(self) -> dict[str, Any]:
        s = self.summary
        return {
            "id": s.id,
            "number": s.number,
            "process_id": s.process_id,
            "version": s.version,
            "status": s.status,
            "requester": s.requester,
            "created_at": s.created_at,
            "completed_at": s.completed_at,
            "current_step": s.current_step,
            "data": self.data,
            "meeting": self.meeting,
            "steps": [step_dict(st) for st in self.steps],
            "cancellation": asdict(self.cancellation) if self.cancellation else None,
        }


@dataclass(frozen=True)
class Cancellation:
    """Who cancelled a request, when, why; ``expired``: a draft nobody submitted."""

    at: datetime
    by: str | None
    reason: str | None
    expired: bool = False


def step_dict(step: StepView) -> dict[str, Any]:
    out = asdict(step)
    out["pass"] = out.pop("pass_no")
    return out


@dataclass(frozen=True)
class TaskView:
    """A ready (or finished) task with everything its page needs."""

    step: StepView
    instance: InstanceSummary
    form_name: str | None
    schema: dict[str, Any] | None
    values: dict[str, Any]
    documentation: str | None
    input: str | None
    output: str | None
    can_act: bool
    context: dict[str, Any] = field(default_factory=dict)
    own_request: bool = False  # the lane's user made this request: a colleague must act
    # The decline that sent this step back (a revising requester's "why"), from its record
    sent_back: StepView | None = None

    @property
    def task_id(self) -> str:
        return self.step.task_id

    def as_dict(self) -> dict[str, Any]:
        return {
            **step_dict(self.step),
            "instance_id": self.instance.id,
            "form": self.form_name,
            "schema": self.schema,
            "values": self.values,
            "can_act": self.can_act,
            "documentation": self.documentation,
            "sent_back": step_dict(self.sent_back) if self.sent_back else None,
        }


@dataclass(frozen=True)
class VersionView:
    process_id: str
    name: str
    version: int
    sha256: str
    filename: str
    deployed_at: datetime
    deployed_by: str | None
    active: bool

    @classmethod
    def of(cls, row: ProcessVersion) -> VersionView:
        return cls(
            row.process_id,
            row.name,
            row.version,
            row.sha256,
            row.filename,
            row.deployed_at,
            row.deployed_by,
            row.active,
        )

