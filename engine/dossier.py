"""The official record of one request as one document, for auditors: the request, every
step record with what its pass submitted and its digest, every event with its place in
the audit chain (``seq``, ``prev_hash``: the hash of the event before it in the chain,
``hash``; ``problem`` for one whose stored detail no longer reads, shown empty), the
attachments' names and SHA-256, and the documents generated for it.

Each event's hash can be checked from the document alone (``audit.link_hash`` over
``prev_hash``, ``seq`` and the body digest); the chain as a whole, with the events of
other requests in between, is checked where the database is (``alur audit verify``),
whose head the document names. The meeting's host link is left out for readers without
``engine.meetings.host_roles`` (then the record digests of those steps cannot be recomputed from the
document, and ``withheld`` says so). Times are aware datetimes; the caller formats them.
Imports no web layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import audit, store, versions
from engine.errors import Forbidden
from engine.meetings import host_roles, without_host_link
from engine.models import Event, Instance, StepRecord, UnreadableDetail
from engine.users import Actor

FORMAT = "alur.rekaman/1"
READERS = ("auditor", "admin")


def _instance(row: Instance) -> dict[str, Any]:
    return {
        "id": row.id, "number": row.number, "process_id": row.version.process_id,
        "version": row.version.version, "version_sha256": row.version.sha256,
        "status": row.status, "requester": row.requester.username,
        "requester_name": row.requester.display_name, "pass_count": row.pass_count,
        "created_at": row.created_at, "completed_at": row.completed_at,
    }


def _step(record: StepRecord, host_links: bool) -> dict[str, Any]:
    data = record.data
    if data is not None and not host_links and not isinstance(data, UnreadableDetail):
        data = without_host_link(data)
    step = {
        "task_id": record.task_id, "bpmn_id": record.bpmn_id, "name": record.name,
        "lane": record.lane, "step": record.step, "kind": record.kind, "pass": record.pass_no,
        "state": record.state, "ready_at": record.ready_at, "due_at": record.due_at,
        "target_s": record.target_s, "opened_at": record.opened_at,
        "opened_by": record.opened_by, "completed_at": record.completed_at,
        "completed_by": record.completed_by, "completed_by_name": record.completed_by_name,
        "data": data,
        "record_sha256": audit.record_digest(record) if record.state == "completed" else None,
    }
    if isinstance(record.data, UnreadableDetail):  # its stored bytes were changed
        step["problem"] = "data tidak terbaca (diubah)"
    return step


def _event(row: Event, prev_hash: str | None) -> dict[str, Any]:
    exported = {
        "seq": row.seq, "prev_hash": prev_hash, "hash": row.hash.hex(), "at": row.at,
        "kind": row.kind, "actor": row.actor, "task_id": row.task_id, "detail": row.detail,
        "remote_addr": row.remote_addr,
    }
    if isinstance(row.detail, UnreadableDetail):  # its stored bytes were changed
        exported["problem"] = audit.UNREADABLE
    return exported


def export(session: Session, instance_id: str, actor: Actor, now: datetime) -> dict[str, Any]:
    """The whole record of one request; auditors and admins only."""
    if not actor.has(*READERS):
        raise Forbidden("Hanya auditor atau admin yang dapat mengunduh rekaman permintaan.")
    row = store.instance(session, instance_id)
    host_links = actor.has(*host_roles(versions.pack(row.version)))
    events = store.events_of(session, row.id)
    before = audit.hashes_before(session, [e.seq for e in events])  # each one's prev_hash
    return {
        "format": FORMAT,
        "exported_at": now,
        "exported_by": actor.username,
        "withheld": [] if host_links else ["host_url"],
        "instance": _instance(row),
        "steps": [_step(r, host_links) for r in store.steps_of(session, row.id)],
        "events": [_event(e, before[e.seq]) for e in events],
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type,
             "size": a.size, "sha256": a.sha256, "uploaded_by": a.uploaded_by,
             "uploaded_at": a.uploaded_at}
            for a in store.attachment_rows(session, row.id)
        ],
        "documents": [],  # generated documents (the FPVC) with their hashes join here
        "chain": {"scope": "global", "head": audit.head(session)},
    }
