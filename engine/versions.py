"""What the engine reads of a deployed process version, kept once per process.

A version's content never changes after deploy (only its ``active`` flag does), so its
step metadata, form schemas and restored Spiff spec are read from the database once and
shared by every instance and thread. Keys carry the content hash, so a fresh database
that reuses an id can never get another version's content.
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import object_session

from engine import packing, runtime
from engine.models import ProcessVersion
from engine.pack import Pack

_CACHE: dict[str, VersionInfo] = {}
#: Per database (engine): a version's dictionaries are what that database stores.
_DICTIONARIES: weakref.WeakKeyDictionary[Any, dict[str, dict[str, packing.Dictionary]]] = (
    weakref.WeakKeyDictionary())
_LOCK = threading.Lock()


@dataclass(frozen=True)
class VersionInfo:
    key: str
    meta: dict[str, Any]
    forms: dict[str, Any]

    def step(self, bpmn_id: str) -> dict[str, Any]:
        steps: dict[str, Any] = self.meta["steps"]
        return steps.get(bpmn_id) or {}

    def form_of(self, bpmn_id: str) -> tuple[str | None, dict[str, Any] | None]:
        name = self.step(bpmn_id).get("form")
        return name, (self.forms.get(name) if name else None)

    @functools.cached_property
    def pack(self) -> Pack:
        """Built once per version (its content never changes)."""
        return Pack(self.meta, self.forms)


def key_of(version: ProcessVersion) -> str:
    return f"{version.id}:{version.sha256}"


def info(version: ProcessVersion) -> VersionInfo:
    key = key_of(version)
    found = _CACHE.get(key)
    if found is None:
        with _LOCK:
            found = _CACHE.setdefault(key, VersionInfo(key, version.meta, version.forms))
    return found


def pack(version: ProcessVersion) -> Pack:
    """What the version's pack declares (roles, meanings, decisions, mail texts)."""
    return info(version).pack


def new_workflow(version: ProcessVersion) -> Any:
    return runtime.start_workflow(key_of(version), lambda: version.spec)


def load_workflow(version: ProcessVersion, state: dict[str, Any]) -> Any:
    return runtime.load_workflow(state, key_of(version), lambda: version.spec)


def dictionary(version: ProcessVersion, section: str) -> packing.Dictionary | None:
    """The version's compression dictionary for ``section`` (``engine.dictionaries``);
    None for a version that has none."""
    session = object_session(version)
    if session is None:  # a version no session holds: written without a dictionary
        return None
    bind = session.get_bind()
    known = _DICTIONARIES.setdefault(getattr(bind, "engine", bind), {})
    key = key_of(version)
    found = known.get(key)
    if found is None:
        with session.no_autoflush:  # a writer's pending changes stay pending
            stored = version.dictionaries  # deferred: one query per process and version
        found = packing.decode_sections(stored) if stored is not None else {}
        known[key] = found
    return found.get(section)


def document(version: ProcessVersion, section: str, value: Any) -> packing.Document:
    """``value`` to be stored packed with the version's ``section`` dictionary."""
    return packing.Document(value, dictionary(version, section))


def text(version: ProcessVersion, section: str, value: str) -> packing.Text:
    return packing.Text(value, dictionary(version, section))
