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

from engine import store
from engine.documents import records as documents
from engine.meetings import complete_meeting
from engine.models import Instance, MailMessageRow, StepRecord
from engine.users import ROLE_LANES, users_with_role
from engine.views import request_number

WIB = ZoneInfo("Asia/Jakarta")
# The task data a notification reads, copied into the job when the task becomes ready so
# the worker never has to load the workflow to write mail.
DATA_KEYS = ("keputusan", "alasan", "meeting", "tanggal", "jam_mulai", "jam_selesai")
LANE_ROLES = {lane: role for role, lane in ROLE_LANES.items()}


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


def payload(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"event": event, "data": {k: data[k] for k in DATA_KEYS if k in data}}


def _recipients(session: Session, record: StepRecord) -> list[str]:
    if record.requester_only:
        email = record.instance.requester.email
        return [email] if email else []
    role = LANE_ROLES.get(record.lane or "")
    return [u.email for u in users_with_role(session, role) if u.email] if role else []


def _wib(dt: datetime | None) -> str:
    return dt.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if dt else "-"


def _meeting_text(meeting: Mapping[str, Any]) -> str:
    lines = [f"Tautan: {meeting.get('join_url')}"]
    if meeting.get("passcode"):
        lines.append(f"Kode sandi: {meeting['passcode']}")
    if meeting.get("meeting_id"):
        lines.append(f"ID rapat: {meeting['meeting_id']}")
    return "\n".join(lines)


def _breach(record: StepRecord, number: str, kegiatan: str, link: str) -> tuple[str, str, bool]:
    minutes = (record.target_s or 0) // 60
    subject = f"[{number}] Melewati target waktu: {record.name}"
    body = (
        f"Tugas '{record.name}' untuk permintaan {number} ({kegiatan}) belum selesai dan "
        f"sudah melewati target SOP {minutes} menit (batas {_wib(record.due_at)}).\n\n"
        f"Buka: {link}\n"
    )
    return subject, body, False


def compose(
    record: StepRecord, data: Mapping[str, Any], base_url: str, event: str = "task_ready"
) -> tuple[str, str, bool]:
    """Subject, body, and whether the message carries the meeting invite."""
    inst: Instance = record.instance
    number = request_number(inst.id)
    kegiatan = inst.kegiatan or "-"
    link = f"{base_url.rstrip('/')}/tugas/{record.task_id}"
    if event == "breach":
        return _breach(record, number, kegiatan, link)
    meeting = complete_meeting(data.get("meeting"), data)
    if record.requester_only and meeting:
        subject = f"[{number}] Link video conference siap: {kegiatan}"
        body = (
            f"Permintaan {number} ({kegiatan}) telah diproses.\n\n{_meeting_text(meeting)}\n\n"
            f"Mohon konfirmasi penerimaan di {link}\n"
        )
        return subject, body, True
    if record.requester_only and data.get("keputusan") == "tidak_setuju":
        reason = data.get("alasan") or "-"
        subject = f"[{number}] Permintaan tidak disetujui: mohon perbaiki"
        body = (
            f"Permintaan {number} ({kegiatan}) tidak ditandatangani.\n\nAlasan: {reason}\n\n"
            f"Perbaiki dan kirim ulang di {link}\n"
        )
        return subject, body, False
    subject = f"[{number}] Tugas baru: {record.name}"
    due = f"\nBatas waktu: {_wib(record.due_at)}" if record.due_at else ""
    body = (
        f"Tugas '{record.name}' untuk permintaan {number} ({kegiatan}, "
        f"{inst.instansi or '-'}) menunggu Anda.{due}\n\nBuka: {link}\n"
    )
    return subject, body, False


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
            complete_meeting(data["meeting"], data) or {},
            uid=f"{record.instance_id}@alur",
            summary=inst.kegiatan or request_number(inst.id),
            description=f"{request_number(inst.id)}: {inst.kegiatan or '-'} "
            f"({inst.instansi or '-'})",
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
