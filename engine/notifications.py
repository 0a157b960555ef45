"""Notification mail: who hears about what, and the text they read (Indonesian).

A ``notify`` job becomes rows in ``mail_messages`` (the outbox admins can read). When an
SMTP transport is configured each row also gets a ``send_mail`` job, retried on failure;
mail never blocks or rolls back the process. The calendar invite is made by an injected
``InviteFactory`` (``connectors.invite.build_invite``), so the engine stays free of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from engine import mailtexts, store, versions
from engine.errors import NotFound
from engine.mailrows import Request, Step, lanes, latest_document
from engine.meetings import complete_meeting
from engine.models import Instance, MailMessageRow
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
    document = latest_document(session, record.instance_id) if with_invite else None
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
    ``send_mail`` job, queued with one more INSERT. The ids come back in the mails' order
    (``sort_by_parameter_order``): PostgreSQL's one INSERT sorts them; on SQLite, with no
    sentinel column to sort by, SQLAlchemy writes the mails one INSERT each."""
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
