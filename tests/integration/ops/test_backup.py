"""``alur db backup`` and ``alur db restore`` on SQLite (online backup API) and on a real
PostgreSQL (pg_dump/pg_restore): a backup taken while a writer keeps completing tasks
restores into a fresh database whose audit chain verifies and whose events are the
source's up to the moment of the copy; a copy taken at rest restores row for row; a
database with data is never overwritten without ``--force``; an edited event row in the
restored copy makes ``alur audit verify`` fail."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from engine import backup
from engine.db import make_engine, make_sessionmaker
from engine.models import Base
from tests.conftest import app_config
from tests.support import postgres
from tests.support.journey import Clock, FakeConference, Journey, People, make_alur, seed
from webui import create_app
from webui.cli import main
from webui.extensions import db

WRITER_TIMEOUT_S = 120.0  # generous: a loaded host


@dataclass
class Database:
    url: str
    fresh: Any  # () -> the URL of a new, empty database on the same server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database(sqlite_url, lambda: f"sqlite:///{tmp_path / uuid.uuid4().hex}.db")
        return
    url: str = request.getfixturevalue("pg_url")
    with ExitStack() as made:
        yield Database(url, lambda: made.enter_context(postgres.database(url, prefix="r")))


class Writer(threading.Thread):
    """Completes whole requests, step by step, until told to stop; counts the steps."""

    def __init__(self, url: str, people: People) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.journey = Journey(make_sessionmaker(self.engine), make_alur(FakeConference()),
                               Clock(), people)
        self.steps = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.progress = threading.Condition()

    def run(self) -> None:
        j = self.journey
        try:
            while not self.stop.is_set():
                for step in (j.start, j.submit, j.verify, lambda: j.decide(True),
                             j.run_worker, j.receive):
                    step()
                    with self.progress:
                        self.steps += 1
                        self.progress.notify_all()
        except BaseException as err:  # reported by the test
            self.error = err
        finally:
            self.engine.dispose()

    def wait_past(self, steps: int) -> int:
        with self.progress:
            assert self.progress.wait_for(lambda: self.steps > steps or self.error is not None,
                                          WRITER_TIMEOUT_S), "the writer made no progress"
        assert self.error is None, repr(self.error)
        return self.steps


def cli(url: str, tmp_path: Path, *args: str) -> Any:
    app: Flask = create_app(app_config(url, tmp_path))
    try:
        return app.test_cli_runner().invoke(main, list(args))
    finally:
        with app.app_context():
            db.engine.dispose()


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the models (and the schema version), by primary key."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = {name: [tuple(r) for r in conn.execute(
                        select(t).order_by(*(t.primary_key.columns or t.columns)))]
                     for name, t in Base.metadata.tables.items()}
            found["alembic_version"] = [tuple(r) for r in conn.execute(
                text("SELECT version_num FROM alembic_version"))]
            return found
    finally:
        engine.dispose()


def chain(url: str) -> list[tuple[int, bytes]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r.seq, bytes(r.hash)) for r in conn.execute(
                text("SELECT seq, hash FROM events ORDER BY seq"))]
    finally:
        engine.dispose()


@contextmanager
def held_open(url: str) -> Iterator[None]:
    """A connection that stays open throughout, as a running server's does: on SQLite the
    last commits then stay in the -wal file (no checkpoint on close), where a plain file
    copy would miss them."""
    if not url.startswith("sqlite"):
        yield
        return
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        yield


def test_backup_under_writes_restores_and_verifies(database: Database, tmp_path: Path) -> None:
    with held_open(database.url):
        people = populate(database.url, journeys=2)
        hot, committed = backup_while_writing(database.url, tmp_path, people)
        restored = database.fresh()
        result = cli(restored, tmp_path, "db", "restore", str(hot))
        assert result.exit_code == 0, result.output
        verdict = cli(restored, tmp_path, "audit", "verify")
        assert verdict.exit_code == 0 and "Utuh:" in verdict.output, verdict.output
        copied, source = chain(restored), chain(database.url)
        assert len(committed) <= len(copied) < len(source) and copied == source[:len(copied)]

        cold = tmp_path / "dingin.alurbak"
        assert cli(database.url, tmp_path, "db", "backup", str(cold)).exit_code == 0
        at_rest = database.fresh()
        assert cli(at_rest, tmp_path, "db", "restore", str(cold)).exit_code == 0
        assert rows(at_rest) == rows(database.url)

        refused = cli(database.url, tmp_path, "db", "restore", str(hot))
        assert refused.exit_code == 1 and "--force" in refused.output
        assert "sudah berisi data" in refused.output and "Traceback" not in refused.output
        assert chain(database.url) == source
        forced = cli(database.url, tmp_path, "db", "restore", "--force", str(hot))
        assert forced.exit_code == 0, forced.output
        assert chain(database.url) == copied and rows(database.url) == rows(restored)


def populate(url: str, journeys: int) -> People:
    """The SOP's users, and ``journeys`` whole requests (one decline each) completed."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    alur, clock = make_alur(FakeConference()), Clock()
    people = seed(sessions, alur, clock)
    for _ in range(journeys):
        Journey(sessions, alur, clock, people).full(declines=1)
    engine.dispose()
    return people


def backup_while_writing(url: str, tmp_path: Path,
                         people: People) -> tuple[Path, list[tuple[int, bytes]]]:
    """``alur db backup`` while a writer completes tasks; the backup and the chain as it
    stood before the backup began."""
    writer = Writer(url, people)
    writer.start()
    try:
        writer.wait_past(0)
        committed = chain(url)
        hot = tmp_path / "panas.alurbak"
        result = cli(url, tmp_path, "db", "backup", str(hot))
        assert result.exit_code == 0, result.output
        writer.wait_past(writer.steps + 1)  # two more steps, begun after the copy ended
    finally:
        writer.stop.set()
        writer.join(WRITER_TIMEOUT_S)
    assert writer.error is None, repr(writer.error)
    assert hot.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".alur-cadangan-")]
    again = cli(url, tmp_path, "db", "backup", str(hot))
    assert again.exit_code == 1 and "sudah ada" in again.output
    return hot, committed


def test_an_edited_event_in_the_restored_copy_fails_verify(database: Database,
                                                           tmp_path: Path) -> None:
    populate(database.url, journeys=1)
    dump = tmp_path / "cadangan.alurbak"
    assert cli(database.url, tmp_path, "db", "backup", str(dump)).exit_code == 0
    restored = database.fresh()
    assert cli(restored, tmp_path, "db", "restore", str(dump)).exit_code == 0
    assert cli(restored, tmp_path, "audit", "verify").exit_code == 0
    editor = create_engine(restored)
    with editor.begin() as conn:
        seq = conn.execute(text("SELECT seq FROM events WHERE kind = 'task_completed' "
                                "ORDER BY seq LIMIT 1")).scalar_one()
        conn.execute(text("UPDATE events SET actor = 'orang-lain' WHERE seq = :s"), {"s": seq})
    editor.dispose()
    result = cli(restored, tmp_path, "audit", "verify")
    assert result.exit_code == 1 and f"event #{seq}" in result.output, result.output


def test_a_backup_of_something_else_is_refused(database: Database, tmp_path: Path) -> None:
    other = database.fresh()  # an empty database, not Alur's
    assert cli(other, tmp_path, "db", "backup", str(tmp_path / "lain.bak")).exit_code == 0
    result = cli(database.fresh(), tmp_path, "db", "restore", str(tmp_path / "lain.bak"))
    assert result.exit_code == 1 and "bukan cadangan basis data Alur" in result.output, \
        result.output
    garbage = tmp_path / "acak.bak"
    garbage.write_bytes(b"bukan cadangan" * 100)
    result = cli(database.fresh(), tmp_path, "db", "restore", str(garbage))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "rusak" in result.output or "pg_restore gagal" in result.output, result.output


def test_a_missing_file_or_tool_is_one_plain_line(sqlite_url: str, tmp_path: Path) -> None:
    result = cli(sqlite_url, tmp_path, "db", "restore", "--force", str(tmp_path / "tidak.bak"))
    assert result.exit_code == 1 and "tidak ada" in result.output
    not_sqlite = tmp_path / "bukan.bak"
    not_sqlite.write_bytes(b"bukan basis data" * 100)
    result = cli(sqlite_url, tmp_path, "db", "restore", "--force", str(not_sqlite))
    assert result.exit_code == 1 and "rusak" in result.output, result.output
    result = cli(sqlite_url, tmp_path, "db", "backup", str(tmp_path / "tidak" / "ada.bak"))
    assert result.exit_code == 1 and "tidak ada; buat dulu" in result.output, result.output
    with pytest.raises(backup.BackupError, match="pg_tidak_ada tidak ditemukan; pasang"):
        backup.find_pg_tool("pg_tidak_ada")


def test_the_password_travels_in_the_environment_only() -> None:
    from sqlalchemy.engine import make_url

    env = backup.libpq_environment(make_url(
        "postgresql+psycopg://alur:rahasia@db.internal:5433/alur?sslmode=require"))
    assert env == {"PGHOST": "db.internal", "PGPORT": "5433", "PGUSER": "alur",
                   "PGPASSWORD": "rahasia", "PGDATABASE": "alur", "PGSSLMODE": "require"}
