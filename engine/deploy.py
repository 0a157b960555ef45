"""Storing process versions: a deploy keeps a new version only when the content changed,
a refused file never touches the active version, an older version can be made active
again, and a candidate can be previewed (its differences from the active version) first.

Content equal to an older, inactive version (the same ``engine.identity`` hash) makes
that version active again instead of storing a copy under a new number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import dictionaries, flow, identity, packing, runtime, store, versions
from engine.definitions import NS, CompiledDefinition
from engine.errors import Conflict
from engine.models import ProcessVersion
from engine.versiondiff import Side, VersionDiff, compare
from engine.views import VersionView


@dataclass(frozen=True)
class DeployResult:
    version: VersionView
    created: bool
    reactivated: bool = False


@dataclass(frozen=True)
class Preview:
    """A candidate before it goes live: what it is, and what differs from the active one."""

    compiled: CompiledDefinition
    active: VersionView | None
    same_as: VersionView | None  # a stored version with exactly this content
    diff: VersionDiff


def _process_of(xml: str) -> object:
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    return root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)[0]


def side_of_version(row: ProcessVersion) -> Side:
    top, _subs = runtime.spec_objects(versions.key_of(row), lambda: row.spec)
    conditions = flow.conditions_of(_process_of(row.bpmn_xml))
    return Side(row.version, row.meta, row.forms, conditions, top)


def side_of_compiled(compiled: CompiledDefinition) -> Side:
    conditions = flow.conditions_of(_process_of(compiled.xml))
    return Side(None, compiled.meta, compiled.forms, conditions,
                runtime.restore_spec(compiled.spec))


def identity_of(row: ProcessVersion) -> str:
    """A stored version's identity; versions deployed before ``engine.identity`` (their
    meta keeps no ``files``, their ``sha256`` is over bytes) are hashed again the new way,
    so an upgrade does not turn the unchanged shipped file into a new version."""
    if "files" in row.meta:
        return row.sha256
    root = etree.fromstring(row.bpmn_xml.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    return identity.version_hash(root, row.forms)


def _same(rows: list[ProcessVersion], sha256: str) -> ProcessVersion | None:
    return next((r for r in rows if identity_of(r) == sha256), None)


def preview(session: Session, compiled: CompiledDefinition) -> Preview:
    rows = list(store.versions_of(session, compiled.process_id))
    active = next((r for r in rows if r.active), None)
    same = _same(rows, compiled.sha256)
    if active is None:
        diff = VersionDiff(None, ())
    else:
        diff = compare(side_of_version(active), side_of_compiled(compiled))
    return Preview(compiled, VersionView.of(active) if active else None,
                   VersionView.of(same) if same else None, diff)


def _activate(session: Session, row: ProcessVersion, actor: str | None, now: datetime) -> None:
    store.deactivate_versions(session, row.process_id)
    row.active = True
    store.add_event(session, at=now, kind="process_reactivated", actor=actor,
                    detail={"process_id": row.process_id, "version": row.version,
                            "sha256": row.sha256})
    session.flush()


def _dictionary_ids(session: Session) -> dict[bytes, bytes]:
    """The dictionaries of every version of the database, by id (a new version's ids
    must name no other dictionary: ``engine.packing``)."""
    return packing.ids_of(session.scalars(
        select(ProcessVersion.dictionaries).where(ProcessVersion.dictionaries.is_not(None))))


def store_version(
    session: Session, compiled: CompiledDefinition, *, actor: str | None, now: datetime
) -> DeployResult:
    rows = list(store.versions_of(session, compiled.process_id))
    same = _same(rows, compiled.sha256)
    if same is not None and same.active:
        return DeployResult(VersionView.of(same), created=False)
    if same is not None:
        _activate(session, same, actor, now)
        return DeployResult(VersionView.of(same), created=False, reactivated=True)
    latest = max(rows, key=lambda r: r.version, default=None)
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
        dictionaries=dictionaries.build(compiled.spec, compiled.meta, compiled.forms,
                                        _dictionary_ids(session)),
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


def reactivate(
    session: Session, process_id: str, version: int, *, actor: str | None, now: datetime
) -> VersionView:
    """Make an older version the one new requests use again (audited)."""
    row = store.version_of(session, process_id, version)
    if row.active:
        raise Conflict("Versi %(v)d sudah aktif.", v=version)
    _activate(session, row, actor, now)
    return VersionView.of(row)

