"""What a notification says of its request and step, read as plain rows for a worker's
batch of them (``engine.mailjobs``): the step records with their requests and versions in
one query, the lanes' addresses in another, a request's latest document by its id. The
ORM's identity map and change tracking cost more than these reads; ``engine.notifications``
writes the mail from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import RowMapping, Table, bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from engine.models import Document, Instance, ProcessVersion, StepRecord, User, UserRole


@dataclass(frozen=True)
class Request:
    """What a mail says of a request (read as a plain row for a worker's batch)."""

    id: str
    number: str
    kegiatan: str | None
    instansi: str | None
    version: ProcessVersion  # an object of the session (its pack, its mail dictionary)
    requester_email: str | None

    @classmethod
    def of(cls, inst: Instance) -> Request:
        return cls(inst.id, inst.number, inst.kegiatan, inst.instansi, inst.version,
                   inst.requester.email)


@dataclass(frozen=True)
class Step:
    """What a mail says of a task's step record."""

    task_id: str
    instance_id: str
    bpmn_id: str
    name: str
    role: str | None
    requester_only: bool
    due_at: datetime | None
    target_s: int | None
    instance: Request


_STEP = cast(Table, StepRecord.__table__)
_INSTANCE = cast(Table, Instance.__table__)
_USER = cast(Table, User.__table__)
_VERSION = cast(Table, ProcessVersion.__table__)
#: The columns a version object is loaded with (the rest are deferred: read on first use).
_VERSION_COLUMNS = tuple(
    attr.key for attr in sa_inspect(ProcessVersion).column_attrs if not attr.deferred)
_STEPS = (
    select(_STEP.c.task_id, _STEP.c.instance_id, _STEP.c.bpmn_id, _STEP.c.name, _STEP.c.role,
           _STEP.c.requester_only, _STEP.c.due_at, _STEP.c.target_s, _INSTANCE.c.number,
           _INSTANCE.c.kegiatan, _INSTANCE.c.instansi, _USER.c.email,
           *(_VERSION.c[k].label(f"version_{k}") for k in _VERSION_COLUMNS))
    .join_from(_STEP, _INSTANCE, _INSTANCE.c.id == _STEP.c.instance_id)
    .join(_USER, _USER.c.id == _INSTANCE.c.requester_id)
    .join(_VERSION, _VERSION.c.id == _INSTANCE.c.process_version_id)
    .where(_STEP.c.task_id.in_(bindparam("task_ids", expanding=True)))
)


def steps(session: Session, task_ids: Sequence[str]) -> dict[str, Step]:
    """The steps of several tasks, by task id, with their requests, in one query of plain
    rows (a worker's batch)."""
    if not task_ids:
        return {}
    found: dict[str, Step] = {}
    for row in session.connection().execute(_STEPS, {"task_ids": list(task_ids)}):
        request = Request(row.instance_id, row.number, row.kegiatan, row.instansi,
                          _version(session, row._mapping), row.email)
        found[row.task_id] = Step(row.task_id, row.instance_id, row.bpmn_id, row.name,
                                  row.role, row.requester_only, row.due_at, row.target_s,
                                  request)
    return found


def _version(session: Session, row: RowMapping) -> ProcessVersion:
    """The row's version as an object of the session (its pack and its mail dictionary
    are read through it): the session's own if it holds it, else made from the row as if
    loaded (no query; its deferred columns are read on first use, as always)."""
    values = {k: row[f"version_{k}"] for k in _VERSION_COLUMNS}
    held = session.identity_map.get(session.identity_key(ProcessVersion, values["id"]))
    if held is not None:
        return cast(ProcessVersion, held)
    version = ProcessVersion(**values)
    make_transient_to_detached(version)
    session.add(version)
    return version


_ROLE = cast(Table, UserRole.__table__)
_LANES = (
    select(_ROLE.c.role, _USER.c.email)
    .join_from(_ROLE, _USER, _ROLE.c.user_id == _USER.c.id)
    .where(_ROLE.c.role.in_(bindparam("roles", expanding=True)), _USER.c.active.is_(True))
    .order_by(_USER.c.username)
)


def lanes(session: Session, roles: Iterable[str]) -> dict[str, list[str]]:
    """The addresses of each role's active people (``users.users_with_role``'s, as plain
    rows), for all of a batch's lanes in one query."""
    wanted = sorted(set(roles))
    found: dict[str, list[str]] = {role: [] for role in wanted}
    if wanted:
        for role, email in session.connection().execute(_LANES, {"roles": wanted}):
            if email:
                found[role].append(email)
    return found


_DOCUMENT = cast(Table, Document.__table__)
#: The id of a request's latest document (``documents.records.latest_of``'s, one column).
_LATEST_DOCUMENT = (
    select(_DOCUMENT.c.id)
    .where(_DOCUMENT.c.instance_id == bindparam("instance_id"))
    .order_by(_DOCUMENT.c.pass_no.desc(), _DOCUMENT.c.created_at.desc(), _DOCUMENT.c.kind.desc())
    .limit(1)
)


def latest_document(session: Session, instance_id: str) -> str | None:
    found = session.connection().execute(_LATEST_DOCUMENT, {"instance_id": instance_id})
    return found.scalar()
