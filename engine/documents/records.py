"""The documents' queries (the engine's store for ``documents``) and their frozen view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Document, ProcessVersion


@dataclass(frozen=True)
class DocumentView:
    id: str
    instance_id: str
    pass_no: int
    kind: str
    number: str
    code: str
    sha256: str
    stored_name: str
    size: int
    approved: bool
    decision: str
    signer_name: str
    signer_jabatan: str | None
    decided_at: datetime
    signed: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Document) -> DocumentView:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    @property
    def filename(self) -> str:
        return self.number.replace("/", "-") + ".pdf"


def of_instance(session: Session, instance_id: str) -> Sequence[Document]:
    stmt = (
        select(Document)
        .where(Document.instance_id == instance_id)
        .order_by(Document.pass_no, Document.created_at, Document.kind)  # one order: latest_of
    )
    return session.scalars(stmt).all()


def latest_of(session: Session, instance_id: str) -> Document | None:
    found = of_instance(session, instance_id)
    return found[-1] if found else None


def by_id(session: Session, document_id: str) -> Document:
    row = session.get(Document, document_id)
    if row is None:
        raise NotFound("Dokumen tidak ditemukan.")
    return row


def by_code(session: Session, code: str) -> Document:
    row = session.scalar(select(Document).where(Document.code == code))
    if row is None:
        raise NotFound("Dokumen tidak ditemukan.")
    return row


def exists(session: Session, instance_id: str, pass_no: int, kind: str) -> bool:
    stmt = select(Document.id).where(
        Document.instance_id == instance_id, Document.pass_no == pass_no, Document.kind == kind
    )
    return session.scalar(stmt) is not None


def process_version(session: Session, process_id: str, version: int) -> ProcessVersion:
    stmt = select(ProcessVersion).where(
        ProcessVersion.process_id == process_id, ProcessVersion.version == version
    )
    row = session.scalar(stmt)
    if row is None:
        raise NotFound("Versi proses tidak ditemukan.")
    return row
