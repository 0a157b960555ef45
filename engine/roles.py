"""The roles an installation knows: the system's own (``auditor``, ``admin``) and those the
deployed process packs declare on their lanes.

Nothing here names an SOP's role: a pack's lane says ``role=staf_iidc`` and that role
exists from its deploy on. ``book`` reads every deployed version's lane roles (their meta is
cached per version, ``engine.versions``), so a role of an older version a request still
runs on stays known. The answer is kept a few seconds per process: roles change only when
a process is deployed, and a deploy in this process forgets it at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine import store, versions
from engine.pack import SYSTEM_ROLES

_TTL_S = 10.0
_LOCK = threading.Lock()
_CACHE: dict[str, tuple[float, RoleBook]] = {}


@dataclass(frozen=True)
class RoleBook:
    labels: dict[str, str]  # role -> the name of its lane (a process text)
    starters: frozenset[str]  # initiator-lane roles: may start a request of some process
    workers: frozenset[str]  # other lanes' roles: see every request of their process
    operators: frozenset[str]  # operator lanes' roles: incidents, host links, cancelling

    @property
    def known(self) -> tuple[str, ...]:
        """Every role a user may hold, the process roles in the order they were declared."""
        return (*self.labels, *SYSTEM_ROLES)

    def sees_everything(self, roles: frozenset[str]) -> bool:
        return bool(roles & (self.workers | set(SYSTEM_ROLES)))


def book(session: Session) -> RoleBook:
    key = str(session.get_bind().engine.url)
    found = _CACHE.get(key)
    if found is not None and time.monotonic() - found[0] < _TTL_S:
        return found[1]
    labels: dict[str, str] = {}
    starters: set[str] = set()
    workers: set[str] = set()
    operators: set[str] = set()
    for version in store.versions(session):
        pack = versions.pack(version)
        for lane, role in (pack.meta.get("lane_roles") or {}).items():
            labels.setdefault(role, lane)
        if pack.initiator_role:
            starters.add(pack.initiator_role)
        workers.update(pack.worker_roles)
        operators.update(pack.operator_roles)
    result = RoleBook(labels, frozenset(starters), frozenset(workers), frozenset(operators))
    with _LOCK:
        _CACHE[key] = (time.monotonic(), result)
    return result


def forget() -> None:
    """Drop the cached answers (a process was deployed here)."""
    with _LOCK:
        _CACHE.clear()
