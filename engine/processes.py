"""The process owner's part of the facade: validate, preview, deploy and reactivate
versions, list them with their request counts, hand out a version's exact files, and move
waiting requests between versions. ``engine.facade.Alur`` inherits it; like the rest of the
facade every method takes the caller's ``Session`` and only flushes. Imports no web layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from engine import definitions, deploy, migration, packfiles, roles, store
from engine.definitions import CompiledDefinition
from engine.deploy import DeployResult, Preview
from engine.diagram import Diagram, parse
from engine.errors import Forbidden, NotFound
from engine.migration import MigrationCheck
from engine.models import ProcessVersion
from engine.users import Actor
from engine.views import VersionView

if TYPE_CHECKING:
    from engine.facade import EngineSettings
    from engine.outbox import Services


@dataclass(frozen=True)
class VersionRow:
    """A version with how many of its requests run (or wait on an incident), finished and
    were cancelled."""

    version: VersionView
    running: int
    completed: int
    cancelled: int


def files_of(row: ProcessVersion) -> dict[str, bytes]:
    """A stored version's pack files exactly as deployed; versions deployed before the
    exact texts were kept give their parsed JSON written out again."""
    texts = row.meta.get("files")
    if isinstance(texts, dict):
        return {name: str(text).encode("utf-8") for name, text in texts.items()}
    return {name: json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")
            for name, value in row.forms.items()}


def _admin(actor: Actor) -> None:
    if not actor.has("admin"):
        raise Forbidden("Hanya admin yang dapat mengelola versi proses.")


class ProcessVersions:
    settings: EngineSettings
    services: Services

    # -- definitions -------------------------------------------------------------------
    def compile_pack(
        self, source: packfiles.PackFiles, *, known_roles: Iterable[str] = ()
    ) -> CompiledDefinition:
        """Validate a pack; ``known_roles`` only name the roles in a lane's problem."""
        return definitions.compile_definition(
            source.bpmn,
            source.filename,
            files=source.files,
            known_roles=known_roles,
            operators=self.services.connectors.keys(),
        )

    def compile(self, data: bytes, filename: str) -> CompiledDefinition:
        """A BPMN file with the pack files of the server's ``processes/`` folder."""
        folder = self.settings.processes_dir
        files = {**packfiles.folder_files(folder / "forms"), **packfiles.folder_files(folder)}
        return self.compile_pack(packfiles.PackFiles(filename, data, files))

    def with_active_files(
        self, session: Session, source: packfiles.PackFiles
    ) -> packfiles.PackFiles:
        """An uploaded pack with the files it left out taken from its process's active
        version (an upload of the BPMN alone keeps the forms as they are)."""
        process_id = packfiles.process_id_of(source.bpmn)
        try:
            active = store.active_version(session, process_id) if process_id else None
        except NotFound:
            active = None
        if active is None:
            return source
        return packfiles.filled(source, files_of(active))

    def preview(self, session: Session, source: packfiles.PackFiles) -> Preview:
        """The validated candidate and its differences from the active version; stores
        nothing (``DefinitionError`` when it is refused)."""
        compiled = self.compile_pack(source, known_roles=roles.book(session).known)
        return deploy.preview(session, compiled)

    def deploy_pack(
        self, session: Session, source: packfiles.PackFiles, *, actor: str | None, now: datetime
    ) -> DeployResult:
        compiled = self.compile_pack(source, known_roles=roles.book(session).known)
        result = deploy.store_version(session, compiled, actor=actor, now=now)
        roles.forget()  # a deploy may declare a new role
        return result

    def deploy(
        self, session: Session, data: bytes, filename: str, *, actor: str | None, now: datetime
    ) -> DeployResult:
        result = deploy.store_version(session, self.compile(data, filename), actor=actor, now=now)
        roles.forget()
        return result

    def deploy_dir(
        self,
        session: Session,
        *,
        actor: str | None,
        now: datetime,
        files: Iterable[Path] | None = None,
    ) -> list[DeployResult]:
        """Each BPMN file (default: ``processes/*.bpmn``) with the pack files beside it."""
        paths = list(files) if files else sorted(self.settings.processes_dir.glob("*.bpmn"))
        return [self.deploy_pack(session, packfiles.from_folder(p), actor=actor, now=now)
                for p in paths]

    # -- versions ----------------------------------------------------------------------
    def versions(self, session: Session) -> list[VersionView]:
        return [VersionView.of(v) for v in store.versions(session)]

    def version_rows(self, session: Session, actor: Actor) -> list[VersionRow]:
        _admin(actor)
        counts = store.instance_counts(session)
        rows = []
        for v in store.versions(session):
            mine = counts.get(v.id, {})
            running = mine.get("running", 0) + mine.get("incident", 0)
            rows.append(VersionRow(VersionView.of(v), running, mine.get("completed", 0),
                                   mine.get("cancelled", 0)))
        return rows

    def version_pack(
        self, session: Session, process_id: str, version: int, actor: Actor
    ) -> packfiles.PackFiles:
        """A version's files exactly as deployed (the BPMN and its pack files)."""
        _admin(actor)
        row = store.version_of(session, process_id, version)
        return packfiles.PackFiles(row.filename, row.bpmn_xml.encode("utf-8"), files_of(row))

    def version_diagram(self, session: Session, process_id: str, version: int) -> Diagram:
        return parse(store.version_of(session, process_id, version).bpmn_xml)

    def reactivate(
        self, session: Session, process_id: str, version: int, actor: Actor, now: datetime
    ) -> VersionView:
        _admin(actor)
        return deploy.reactivate(session, process_id, version, actor=actor.username, now=now)

    # -- moving waiting requests -------------------------------------------------------
    def migration_check(
        self, session: Session, process_id: str, source: int, target: int, actor: Actor,
        *, ids: Iterable[str] | None = None,
    ) -> list[MigrationCheck]:
        _admin(actor)
        return migration.check(session, process_id, source, target, ids)

    def migrate(
        self, session: Session, process_id: str, source: int, target: int, actor: Actor,
        now: datetime, *, ids: Iterable[str] | None = None,
    ) -> list[MigrationCheck]:
        _admin(actor)
        return migration.migrate(session, process_id, source, target, ids=ids,
                                 actor=actor.username, now=now,
                                 max_passes=self.settings.max_passes)
