"""What the UI asks of documents: a request's documents for someone who may see the
request, one document's stored file, and the public verification of a code (which tells
only the number, the decision, the signer's name and position, the time and the hash)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine import instances
from engine.documents import records, soplayout, sopsheet
from engine.documents.config import DocumentSettings
from engine.documents.records import DocumentView
from engine.documents.snapshot import CODE_LENGTH, normalize_code
from engine.errors import NotFound
from engine.users import Actor


@dataclass(frozen=True)
class PublicDocument:
    """The verification page's whole content: nothing of the request's data."""

    code: str
    number: str
    decision: str
    signer_name: str
    signer_jabatan: str | None
    decided_at: datetime
    sha256: str
    signed: bool

    def matches(self, data: bytes) -> bool:
        return hmac.compare_digest(hashlib.sha256(data).hexdigest(), self.sha256)


class DocumentDesk:
    def __init__(self, settings: DocumentSettings | None) -> None:
        self.settings = settings

    def of_instance(self, session: Session, instance_id: str, actor: Actor) -> list[DocumentView]:
        inst = instances.get_visible(session, instance_id, actor)
        return [DocumentView.of(r) for r in records.of_instance(session, inst.id)]

    def file(
        self, session: Session, instance_id: str, document_id: str, actor: Actor
    ) -> tuple[DocumentView, Path]:
        """A document of a request the actor may see, and its stored file."""
        inst = instances.get_visible(session, instance_id, actor)
        row = records.by_id(session, document_id)
        path = self.settings.path_of(row.stored_name) if self.settings else None
        if row.instance_id != inst.id or path is None:
            raise NotFound("Dokumen tidak ditemukan.")
        return DocumentView.of(row), path

    def verification(self, session: Session, code: str) -> PublicDocument:
        code = normalize_code(code)
        if len(code.replace("-", "")) != CODE_LENGTH:
            raise NotFound("Dokumen tidak ditemukan.")
        row = records.by_code(session, code)
        return PublicDocument(
            code=row.code,
            number=row.number,
            decision=row.decision,
            signer_name=row.signer_name,
            signer_jabatan=row.signer_jabatan,
            decided_at=row.decided_at,
            sha256=row.sha256,
            signed=row.signed,
        )

    def sop_sheet(self, session: Session, process_id: str, version: int) -> sopsheet.SopSheet:
        """The SOP sheet of a deployed version, from its stored BPMN file alone."""
        row = records.process_version(session, process_id, version)
        return sopsheet.build(row.bpmn_xml, row.process_id, row.version)

    def sop_pdf(self, session: Session, process_id: str, version: int) -> bytes:
        return soplayout.render(self.sop_sheet(session, process_id, version))
