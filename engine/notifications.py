"""Notification mail: who hears about what, and the text they read (Indonesian).

A ``notify`` job becomes rows in ``mail_messages`` (the outbox admins can read). When an
SMTP transport is configured each row also gets a ``send_mail`` job, retried on failure;
mail never blocks or rolls back the process. The calendar invite is made by an injected
``InviteFactory`` (``connectors.invite.build_invite``), so the engine stays free of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping, Table, bindparam, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from engine import mailtexts, store, versions
from engine.errors import NotFound
from engine.meetings import complete_meeting
from engine.models import (
    Document,
    Instance,
    MailMessageRow,
    ProcessVersion,
    StepRecord,
    User,
    UserRole,
)
from engine.pack import Pack, returned_reason
from engine.users import get_user

WIB = ZoneInfo("Asia/Jakarta")
#: Messages to one named user about a task (``payload["user"]``), not to its lane.
PERSONAL = ("taken_over", "released", "assigned")
#: How the conference platforms are called in mail (connectors' names, not a process's).
PLATFORMS = {"jitsi": "Jitsi Meet", "zoom": "Zoom", "bigbluebutton": "BigBlueButton"}


class InviteFactory(Protocol):
    def __call__(
        self,
        meeting: Mapping[str, Any],
        *,
        uid: str,
        summary: str,
        description: str,
        organizer: str,
        attendees: Sequence[str],
        now: datetime,
    ) -> bytes: ...


def payload(event: str, data: Mapping[str, Any], the_pack: Pack) -> dict[str, Any]:
    """What a notification reads of the task's data, copied into the job when the task
    becomes ready (the worker never loads the workflow to write mail): the fields the
    process declares a meaning for, its decisions with their reasons, and the meeting."""
    keys = {"meeting", *(the_pack.meta.get("fields") or {}).values()}
    for decision in the_pack.decisions():
        keys.update(k for k in (decision.field, decision.reason) if k)
    return {"event": event, "data": {k: data[k] for k in keys if k in data}}


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
    .order_by(_DOCUMENT.c.pass_no.desc(), _DOCUMENT.c.created_at.desc())
    .limit(1)
)


def _latest_document(session: Session, instance_id: str) -> str | None:
    found = session.connection().execute(_LATEST_DOCUMENT, {"instance_id": instance_id})
    return found.scalar()


_ROLE = cast(Table, UserRole.__table__)
_LANES = (
    select(_ROLE.c.role, _USER.c.email)
    .join_from(_ROLE, _USER, _ROLE.c.user_id == _USER.c.id)
    .where(_ROLE.c.role.in_(bindparam("roles", expanding=True)), _USER.c.active.is_(True))
    .order_by(_USER.c.username)
)


def _recipients(
    session: Session, record: Step, event: str, job_payload: Mapping[str, Any],
    lane_people: dict[str, list[str]] | None = None,
) -> list[str]:
    """Who a task's mail goes to: a named user (a claim that changed hands), the
    requester, or the lane's people (read once per batch into ``lane_people``)."""
    if event in PERSONAL:
        try:
            user = get_user(session, str(job_payload.get("user")))
        except NotFound:
            return []
        return [user.email] if user.email else []
    if record.requester_only:
        email = record.instance.requester_email
        return [email] if email else []
    if not record.role:
        return []
    known = lane_people if lane_people is not None else {}
    if record.role not in known:
        known.update(lanes(session, [record.role]))
    return list(known[record.role])


def _with_contact(to: list[str], inst: Request, data: Mapping[str, Any]) -> list[str]:
    """``to`` and the address the request's form names for it (the field meaning
    ``contact_email``), once: the form promises the meeting's details go there."""
    contact = versions.pack(inst.version).value(data, "contact_email")
    if isinstance(contact, str) and "@" in contact and "\n" not in contact:
        contact = contact.strip()
        if contact.casefold() not in {a.casefold() for a in to}:
            return [*to, contact]
    return to


def _wib(dt: datetime | None) -> str:
    return dt.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if dt else "-"


def _when(meeting: Mapping[str, Any]) -> str | None:
    """``02-12-2026 09:00–11:00 WIB`` from the meeting's start and end."""
    try:
        start = datetime.fromisoformat(str(meeting.get("start"))).astimezone(WIB)
        end = datetime.fromisoformat(str(meeting.get("end"))).astimezone(WIB)
    except ValueError:
        return None
    return f"{start:%d-%m-%Y %H:%M}–{end:%H:%M} WIB"


def _meeting_text(meeting: Mapping[str, Any]) -> str:
    lines = [f"Link: {meeting.get('join_url')}"]
    if meeting.get("passcode"):
        lines.append(f"Kode sandi: {meeting['passcode']}")
    if meeting.get("meeting_id"):
        lines.append(f"ID rapat: {meeting['meeting_id']}")
    return "\n".join(lines)


def _kind(record: Step, data: Mapping[str, Any], the_pack: Pack, event: str) -> str:
    if event in ("breach", *PERSONAL):
        return event
    if record.requester_only and returned_reason(the_pack, data) is not None:
        return "returned"
    return "task_ready"


def _values(inst: Request, data: Mapping[str, Any], the_pack: Pack) -> dict[str, Any]:
    """The placeholders every message may use (``engine.mailtexts.PLACEHOLDERS``)."""
    meeting = complete_meeting(data.get("meeting"), data, the_pack)
    return {
        "number": inst.number,
        "title": inst.kegiatan,
        "unit": inst.instansi,
        "reason": returned_reason(the_pack, data),
        "meeting": _meeting_text(meeting) if meeting else None,
        "when": _when(meeting) if meeting else None,
        "platform": PLATFORMS.get(str(meeting.get("provider")), meeting.get("provider"))
        if meeting else None,
    }


def compose(
    record: Step, data: Mapping[str, Any], base_url: str, event: str = "task_ready",
    extra: Mapping[str, Any] | None = None,
) -> tuple[str, str, bool]:
    """Subject, body, and whether the message carries the meeting invite, from the
    process's mail texts (``engine.mailtexts``)."""
    inst = record.instance
    the_pack = versions.pack(inst.version)
    kind = _kind(record, data, the_pack, event)
    entry = mailtexts.entry_for(the_pack.mail_texts(), kind, record.bpmn_id)
    values = {
        **_values(inst, data, the_pack),
        "step": record.name,
        "link": f"{base_url.rstrip('/')}/tugas/{record.task_id}",
        "due": f"\nBatas waktu: {_wib(record.due_at)}" if record.due_at else "",
        "target_minutes": (record.target_s or 0) // 60,
        "deadline": _wib(record.due_at),
        **(extra or {}),
    }
    subject = mailtexts.render(entry["subject"], values, data).replace("\n", " ")
    body = mailtexts.render(entry["body"], values, data)
    meeting = complete_meeting(data.get("meeting"), data, the_pack)
    return subject, body, bool(entry.get("invite")) and meeting is not None


@dataclass(frozen=True)
class Mail:
    """A mail to write into ``mail_messages`` (``write``): its columns but the status."""

    instance_id: str
    to: str
    subject_column: str | None
    text: str  # a ``packing.Text`` packed with its version's mail dictionary
    ics: bytes | None = None
    document_id: str | None = None


def task_mail(
    session: Session,
    record: Step,
    job_payload: Mapping[str, Any],
    now: datetime,
    *,
    base_url: str,
    mail_from: str,
    invite: InviteFactory | None,
    lane_people: dict[str, list[str]] | None = None,
) -> Mail | None:
    """The mail a task's job asks for (None: nobody to send it to)."""
    data = job_payload.get("data", {})
    event = str(job_payload.get("event", "task_ready"))
    to = _recipients(session, record, event, job_payload, lane_people)
    by = job_payload.get("by")
    subject, body, with_invite = compose(record, data, base_url, event, {"by": by})
    inst = record.instance
    if with_invite:  # the meeting's details also go where the form asked
        to = _with_contact(to, inst, data)
    if not to:
        return None
    ics = None
    if with_invite and invite is not None:
        ics = invite(
            complete_meeting(data["meeting"], data, versions.pack(inst.version)) or {},
            uid=f"{record.instance_id}@alur",
            summary=inst.kegiatan or inst.number,
            description=f"{inst.number}: {inst.kegiatan or '-'} ({inst.instansi or '-'})",
            organizer=mail_from,
            attendees=to,
            now=now,
        )
    # The "link ready" mail carries the pass's signed document (the FPVC), if one was made.
    document = _latest_document(session, record.instance_id) if with_invite else None
    return _mail(inst, to, subject, body, ics=ics, document_id=document)


def instance_mail(
    session: Session, row: Instance, job_payload: Mapping[str, Any], *, base_url: str,
) -> Mail | None:
    """A mail about the request itself (its cancellation) to its requester and the
    request's contact address (None: nobody to send it to)."""
    inst = Request.of(row)
    data = job_payload.get("data", {})
    the_pack = versions.pack(inst.version)
    kind = str(job_payload.get("event", "cancelled"))
    entry = mailtexts.entry_for(the_pack.mail_texts(), kind)
    values = {
        **_values(inst, data, the_pack),
        "reason": job_payload.get("reason"),
        "by": job_payload.get("by"),
        "link": f"{base_url.rstrip('/')}/permintaan/{inst.id}",
    }
    to = _with_contact([inst.requester_email] if inst.requester_email else [], inst, data)
    if not to:
        return None
    subject = mailtexts.render(entry["subject"], values, data).replace("\n", " ")
    body = mailtexts.render(entry["body"], values, data)
    return _mail(inst, to, subject, body)


def _mail(inst: Request, to: Sequence[str], subject: str, body: str, *,
          ics: bytes | None = None, document_id: str | None = None) -> Mail:
    subject_column, text = MailMessageRow.columns_of(subject, body)
    return Mail(inst.id, ", ".join(to), subject_column, versions.text(inst.version, "mail", text),
                ics, document_id)


_MAIL_TABLE = cast(Table, MailMessageRow.__table__)
_INSERT_MAIL = insert(_MAIL_TABLE)
_INSERT_MAIL_IDS = insert(_MAIL_TABLE).returning(_MAIL_TABLE.c.id, sort_by_parameter_order=True)


def write(session: Session, mails: Sequence[Mail], now: datetime, *, smtp: bool) -> None:
    """Write ``mails`` into the outbox with one INSERT, not through the session (nothing
    in the transaction reads them back); with an SMTP transport each also gets a
    ``send_mail`` job, queued with one more INSERT."""
    if not mails:
        return
    rows = [{"instance_id": m.instance_id, "to": m.to, "subject": m.subject_column,
             "body": m.text, "ics": m.ics, "document_id": m.document_id,
             "status": "queued" if smtp else "outbox", "created_at": now, "sent_at": None,
             "last_error": None} for m in mails]
    connection = session.connection()
    if not smtp:
        connection.execute(_INSERT_MAIL, rows)
        return
    ids = connection.execute(_INSERT_MAIL_IDS, rows).scalars().all()
    store.insert_jobs(session, [
        {"kind": "send_mail", "instance_id": m.instance_id, "payload": {"mail_id": mail_id}}
        for m, mail_id in zip(mails, ids, strict=True)
    ], now)
