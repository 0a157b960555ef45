"""Readiness, as ``/readyz`` reports it: the database answers, its schema is at the newest
migration, and a worker was seen recently. Cheap (three small queries), and it says only
yes or no per check, never a version, a host or an error text. Imports no web library.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine import workers


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrations: bool
    worker: bool

    @property
    def ready(self) -> bool:
        return self.database and self.migrations and self.worker


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migrations (read once; alembic is imported only here, not at start-up)."""
    from alembic.script import ScriptDirectory

    from engine.migrate import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def readiness(session: Session, now: datetime, worker_within: timedelta) -> Readiness:
    """Raises the database's own error when it cannot be reached (the caller answers 503)."""
    current = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    seen = workers.last_seen(session)
    return Readiness(
        database=True,
        migrations=current == head_revisions(),
        worker=seen is not None and now - seen <= worker_within,
    )
