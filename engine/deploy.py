"""Storing process versions: a deploy keeps a new version only when the content changed,
and a refused file never touches the active version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine import store
from engine.definitions import CompiledDefinition
from engine.models import ProcessVersion
from engine.views import VersionView


@dataclass(frozen=True)
class DeployResult:
    version: VersionView
    created: bool


def store_version(
    session: Session, compiled: CompiledDefinition, *, actor: str | None, now: datetime
) -> DeployResult:
    latest = store.latest_version(session, compiled.process_id)
    if latest is not None and latest.sha256 == compiled.sha256 and latest.active:
        return DeployResult(VersionView.of(latest), created=False)
    store.deactivate_versions(session, compiled.process_id)
    row = ProcessVersion(
        process_id=compiled.process_id,
        version=(latest.version + 1) if latest else 1,
        sha256=compiled.sha256,
        filename=compiled.filename,
        name=compiled.name,
        bpmn_xml=compiled.xml,
        spec=compiled.spec,
        meta=compiled.meta,
        forms=compiled.forms,
        deployed_at=now,
        deployed_by=actor,
        active=True,
    )
    session.add(row)
    store.add_event(
        session,
        at=now,
        kind="process_deployed",
        actor=actor,
        detail={"process_id": row.process_id, "version": row.version, "sha256": row.sha256},
    )
    session.flush()
    return DeployResult(VersionView.of(row), created=True)
