"""Notification mail: who hears about what, and the text they read (Indonesian).

A ``notify`` job becomes rows in ``mail_messages`` (the outbox admins can read). When an
SMTP transport is configured each row also gets a ``send_mail`` job, retried on failure;
mail never blocks or rolls back the process. The calendar invite is made by an injected
``InviteFactory`` (``connectors.invite.build_invite``), so the engine stays free of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine import mailtexts, store, versions
from engine.documents import records as documents
from engine.meetings import complete_meeting
from engine.models import Instance, MailMessageRow, StepRecord
from engine.pack import Pack, returned_reason
from engine.users import users_with_role

WIB = ZoneInfo("Asia/Jakarta")


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


def _recipients(session: Session, record: StepRecord) -> list[str]:
    if record.requester_only:
        email = record.instance.requester.email
        return [email] if email else []
    return [u.email for u in users_with_role(session, record.role) if u.email] \
        if record.role else []


def _wib(dt: datetime | None) -> str:
    return dt.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if dt else "-"


def _meeting_text(meeting: Mapping[str, Any]) -> str:
    lines = [f"Link: {meeting.get('join_url')}"]
    if meeting.get("passcode"):
        lines.append(f"Kode sandi: {meeting['passcode']}")
    if meeting.get("meeting_id"):
        lines.append(f"ID rapat: {meeting['meeting_id']}")
    return "\n".join(lines)


def _kind(record: StepRecord, data: Mapping[str, Any], the_pack: Pack, event: str) -> str:
    if event == "breach":
        return "breach"
    if record.requester_only and returned_reason(the_pack, data) is not None:
        return "returned"
    return "task_ready"


def compose(
    record: StepRecord, data: Mapping[str, Any], base_url: str, event: str = "task_ready"
) -> tuple[str, str, bool]:
    """Subject, body, and whether the message carries the meeting invite, from the
    process's mail texts (``engine.mailtexts``)."""
    inst: Instance = record.instance
    the_pack = versions.pack(inst.version)
    kind = _kind(record, data, the_pack, event)
    entry = mailtexts.entry_for(the_pack.mail_texts(), kind, record.bpmn_id)
    meeting = complete_meeting(data.get("meeting"), data, the_pack)
    values = {
        "number": inst.number,
        "step": record.name,
        "link": f"{base_url.rstrip('/')}/tugas/{record.task_id}",
        "due": f"\nBatas waktu: {_wib(record.due_at)}" if record.due_at else "",
        "title": inst.kegiatan,
        "unit": inst.instansi,
        "reason": returned_reason(the_pack, data),
        "meeting": _meeting_text(meeting) if meeting else None,
        "target_minutes": (record.target_s or 0) // 60,
        "deadline": _wib(record.due_at),
    }
    subject = mailtexts.render(entry["subject"], values, data).replace("\n", " ")
    body = mailtexts.render(entry["body"], values, data)
    return subject, body, bool(entry.get("invite")) and meeting is not None


def write_mail(
    session: Session,
    record: StepRecord,
    job_payload: Mapping[str, Any],
    now: datetime,
    *,
    base_url: str,
    mail_from: str,
    invite: InviteFactory | None,
    smtp: bool,
) -> list[MailMessageRow]:
    """Write the mail a job asks for; returns the rows written."""
    data = job_payload.get("data", {})
    to = _recipients(session, record)
    if not to:
        return []
    event = str(job_payload.get("event", "task_ready"))
    subject, body, with_invite = compose(record, data, base_url, event)
    ics = None
    if with_invite and invite is not None:
        inst = record.instance
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
    document = documents.latest_of(session, record.instance_id) if with_invite else None
    row = MailMessageRow(
        instance_id=record.instance_id,
        to=", ".join(to),
        subject=subject,
        body=body,
        ics=ics,
        document_id=document.id if document is not None else None,
        status="queued" if smtp else "outbox",
        created_at=now,
    )
    session.add(row)
    session.flush()
    if smtp:
        store.add_job(
            session,
            kind="send_mail",
            now=now,
            instance_id=record.instance_id,
            payload={"mail_id": row.id},
        )
    return [row]
