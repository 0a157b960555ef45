"""Official letters attached to a request: how many may be stored, and which are dropped.

An upload is stored when the form is sent, before the form is checked, so a form sent
back with a mistake keeps its letter. Without limits that lets one person fill the disk
(60 invalid submissions of a 512 KiB PDF left 60 files). So: the same file sent again for
the same request is the attachment already stored; a letter replaced while its step is
still open (uploaded during it, never accepted) is deleted; and a request holds at most
``per_request`` letters, a person uploads at most ``per_user_day`` in 24 hours
(``TooManyLetters``, shown on the field). Imports no web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import store
from engine.errors import EngineError
from engine.forms import N_
from engine.models import Attachment, Instance
from engine.users import Actor


@dataclass(frozen=True)
class LetterLimits:
    per_request: int = 5
    per_user_day: int = 20


class TooManyLetters(EngineError):
    """No more letters may be stored for this request or by this person today."""


@dataclass(frozen=True)
class NewLetter:
    attachment_id: str
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def add(session: Session, inst: Instance, actor: Actor, letter: NewLetter, now: datetime,
        limits: LetterLimits) -> Attachment:
    """The attachment row for ``letter``: the one already stored when the request holds
    the same file (the caller then deletes its copy), else a new one within the limits."""
    same = session.scalar(select(Attachment).where(Attachment.instance_id == inst.id,
                                                   Attachment.sha256 == letter.sha256))
    if same is not None:
        return same
    _check_room(session, inst.id, actor.username, now, limits)
    row = Attachment(id=letter.attachment_id, instance_id=inst.id, filename=letter.filename,
                     stored_name=letter.stored_name, content_type=letter.content_type,
                     size=letter.size, sha256=letter.sha256, uploaded_by=actor.username,
                     uploaded_at=now)
    session.add(row)
    session.flush()
    return row


def _check_room(session: Session, instance_id: str, username: str, now: datetime,
                limits: LetterLimits) -> None:
    count = select(func.count()).select_from(Attachment)
    on_request = session.scalar(count.where(Attachment.instance_id == instance_id)) or 0
    if on_request >= limits.per_request:
        raise TooManyLetters(N_("Permintaan ini sudah memuat %(count)d surat, batas "
                                "maksimal. Pakai surat yang sudah diunggah."),
                             count=on_request)
    today = session.scalar(count.where(Attachment.uploaded_by == username,
                                       Attachment.uploaded_at > now - timedelta(days=1))) or 0
    if today >= limits.per_user_day:
        raise TooManyLetters(N_("Anda sudah mengunggah %(count)d surat dalam 24 jam terakhir, "
                                "batas maksimal. Coba lagi besok."), count=today)


def discard_pending(session: Session, task_id: str, attachment_id: str,
                    actor: Actor) -> str | None:
    """Delete a letter ``actor`` uploaded while task ``task_id`` is still open, now that a
    new one replaces it; its stored name (for the caller to delete), or None when the
    letter is not such a one (an accepted letter of an earlier pass is never deleted)."""
    record = store.step_by_task(session, task_id)
    row = session.get(Attachment, attachment_id)
    if (row is None or record.state != "ready" or record.ready_at is None
            or row.instance_id != record.instance_id or row.uploaded_by != actor.username
            or row.uploaded_at < record.ready_at):
        return None
    stored_name = row.stored_name
    session.delete(row)
    session.flush()
    return stored_name
