"""The worker's ``document`` job: render the captured snapshot, sign it when a signer is
configured, keep the bytes in the upload directory and record the document.

Rendering and signing run with no transaction open (a remote signer is an outside call);
the row is written in one more short transaction. A signer that fails is retried with
the outbox's backoff; when retries are spent the document is kept unsigned (it still has
its signature block and verification code) and the failure is logged as an event, so the
requester is never left without the record of the decision.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.documents import layout, records
from engine.documents.config import DocumentSettings
from engine.errors import ConnectorError
from engine.models import Document, Job
from engine.outbox import Clock, Services, backoff, done, finish, retry

log = logging.getLogger(__name__)


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verifikasi/{code}"


def prepare(session: Session, services: Services, job: Job) -> bool:
    """Whether the claimed job still has work; finishes it when not."""
    snap = job.payload
    now = job.locked_at or job.created_at
    if services.documents is None:
        done(job, now, error="no document directory configured")
        return False
    if records.exists(session, job.instance_id or "", int(snap["pass_no"]), str(snap["kind"])):
        done(job, now, error="document already made")
        return False
    return True


def _sign(
    settings: DocumentSettings, rendered: layout.RenderedPdf, snap: dict[str, Any]
) -> bytes:
    assert settings.signer is not None
    decision = snap["decision"]
    reason = "Disetujui" if decision["approved"] else "Tidak disetujui"
    if decision.get("reason"):
        reason += f": {decision['reason']}"
    return settings.signer.sign(
        rendered.data, signer_name=str(decision["signer"]), reason=reason, box=rendered.box
    )


def _write(settings: DocumentSettings, stored_name: str, data: bytes) -> None:
    settings.directory.mkdir(parents=True, exist_ok=True)
    partial = settings.directory / f".{stored_name}.part"
    partial.write_bytes(data)
    os.replace(partial, settings.directory / stored_name)


def produce(sessions: sessionmaker[Session], services: Services, job: Job, clock: Clock) -> None:
    settings = services.documents
    assert settings is not None
    snap = job.payload
    try:
        rendered = layout.render(
            snap, settings.letterhead, verify_url(services.settings.base_url, snap["code"])
        )
    except Exception as err:  # a layout bug fails this job alone, for the admin to see
        log.exception("rendering document %s failed", snap.get("number"))
        with sessions.begin() as session:
            finish(session, job, clock(), "failed", f"{type(err).__name__}: {err}")
        return
    data, failure = rendered.data, None
    if settings.signer is not None:
        try:
            data = _sign(settings, rendered, snap)
        except ConnectorError as err:
            failure = err
    if failure is not None and _retry(sessions, services, job, failure, clock()):
        return
    stored_name = f"{snap['document_id']}.pdf"
    _write(settings, stored_name, data)
    _record(sessions, job, snap, stored_name, data, signed=settings.signer is not None
            and failure is None, now=clock(), failure=failure)


def _retry(
    sessions: sessionmaker[Session], services: Services, job: Job, err: ConnectorError,
    now: datetime,
) -> bool:
    """Put the job back in line when the signer may still succeed; False to go unsigned."""
    log.warning("signing document failed (attempt %s): %s", job.attempts, err.describe())
    if not err.retryable or job.attempts >= services.settings.max_attempts:
        return False
    with sessions.begin() as session:
        delay = backoff(services.settings, job.attempts, err.retry_after)
        retry(session, job, now, delay, err.describe())
    return True


def _record(
    sessions: sessionmaker[Session], job: Job, snap: dict[str, Any], stored_name: str,
    data: bytes, *, signed: bool, now: datetime, failure: ConnectorError | None,
) -> None:
    decision, digest = snap["decision"], hashlib.sha256(data).hexdigest()
    with sessions.begin() as session:
        if records.exists(session, job.instance_id or "", int(snap["pass_no"]), snap["kind"]):
            finish(session, job, now, error="document already made")
            return
        session.add(Document(
            id=snap["document_id"], instance_id=job.instance_id, pass_no=int(snap["pass_no"]),
            kind=snap["kind"], number=snap["number"], code=snap["code"], sha256=digest,
            stored_name=stored_name, size=len(data), approved=bool(decision["approved"]),
            decision="Disetujui" if decision["approved"] else "Tidak disetujui",
            signer_name=decision["signer"], signer_jabatan=decision.get("jabatan"),
            decided_at=datetime.fromisoformat(decision["at"]), signed=signed, created_at=now,
        ))
        detail: dict[str, object] = {"number": snap["number"], "sha256": digest, "signed": signed}
        if failure is not None:
            detail["signing_error"] = failure.describe()
        store.add_event(session, at=now, kind="document_created", actor="sistem",
                        instance_id=job.instance_id, task_id=job.task_id, detail=detail)
        finish(session, job, now, error=None if failure is None else failure.describe())
