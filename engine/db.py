"""Database engines and sessions for the CLI, the worker, tests and benchmarks.

SQLite is the embedded default: WAL, foreign keys on, a busy timeout, and every transaction
begun IMMEDIATE so two writers queue up instead of failing on a stale read snapshot.
PostgreSQL needs nothing special. The web layer builds its own session through
Flask-SQLAlchemy but with the same ``engine_options``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker


def engine_options(url: str) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` that suit the database behind ``url``."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def create_private(path: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does (with
    the umask's 0644); its -wal and -shm files take the database file's mode."""
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    with contextlib.suppress(FileNotFoundError):  # a missing folder: SQLite's own error
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def configure_engine(engine: Engine) -> Engine:
    """Install the SQLite pragmas and IMMEDIATE transactions; a no-op for other databases.
    A new SQLite file is created private to its owner."""
    if engine.dialect.name != "sqlite":
        return engine
    create_private(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str) -> Engine:
    return configure_engine(create_engine(url, **engine_options(url)))


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_snapshot_engine(url: str) -> Engine:
    """An engine for long read-only walks (``alur audit verify``): each transaction reads
    one consistent snapshot and never blocks writers. SQLite: a deferred ``BEGIN`` in WAL
    mode (the default engine's ``BEGIN IMMEDIATE`` would hold the write lock throughout);
    PostgreSQL: ``REPEATABLE READ`` (``READ COMMITTED`` would see each statement's own)."""
    if not url.startswith("sqlite"):
        return create_engine(url, isolation_level="REPEATABLE READ", **engine_options(url))
    engine = create_engine(url, **engine_options(url))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``outer`` or a savepoint inside it: what a rollback of
    ``outer`` undoes (``engine.audit``'s queued events, ``engine.rowwrites``' rows)."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
