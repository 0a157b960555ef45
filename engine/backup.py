"""Whole-database backups and restores, for ``alur db backup`` and ``alur db restore``.

SQLite: Python's ``sqlite3`` online backup API (``Connection.backup``) copies every page in
one step, reading one snapshot: in WAL mode the web processes and workers go on writing
meanwhile and the copy is consistent (a stepwise copy would restart at every write and
might never finish). A restore uses the same API the other way round, so the live file's
``-wal``/``-shm`` stay coherent. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore``, with the connection passed through libpq's environment (``PGHOST``,
``PGPASSWORD`` …), never on the command line where ``ps`` would show the password.

A backup is written in a private temporary folder beside the target, made 0600 and then
renamed into place: no half-written file ever carries the target's name, and no other
user can read it at any time. A restore refuses a database that already holds rows unless
``force`` is given. Messages are Indonesian (the CLI prints them as they are).
Imports no web layer.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, table
from sqlalchemy.engine import URL, make_url

from engine.errors import EngineError

#: How long a SQLite copy waits for a writer's lock before giving up (seconds).
SQLITE_TIMEOUT_S = 30.0
#: Libpq variables taken from ``ALUR_DATABASE_URL``'s query string (``?sslmode=require``).
_LIBPQ_QUERY = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "host": "PGHOST",
                "port": "PGPORT", "options": "PGOPTIONS"}


class BackupError(EngineError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def backup(database_url: str, target: Path) -> None:
    """Copy the whole database behind ``database_url`` into the new file ``target``."""
    if target.exists():
        raise BackupError("%(file)s sudah ada; pilih nama lain atau hapus berkas itu dulu",
                          file=str(target))
    if not target.parent.is_dir():
        raise BackupError("folder %(folder)s tidak ada; buat dulu atau pilih folder lain",
                          folder=str(target.parent))
    url = make_url(database_url)
    try:
        with _private_file(target) as scratch:
            if url.get_backend_name() == "sqlite":
                _sqlite_backup(_sqlite_path(url), scratch)
            else:
                _run_pg("pg_dump", url, ["--format=custom", f"--file={scratch}"])
    except (OSError, sqlite3.Error) as err:
        raise BackupError("cadangan %(file)s gagal: %(why)s", file=str(target),
                          why=getattr(err, "strerror", None) or str(err)) from None


def restore(database_url: str, source: Path, *, force: bool = False) -> None:
    """Replace the database behind ``database_url`` by the backup ``source``: checked to be
    an intact backup of Alur first, and refused when the database holds rows, unless
    ``force``."""
    if not source.is_file():
        raise BackupError("berkas cadangan %(file)s tidak ada", file=str(source))
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        _sqlite_readable(source)
    else:
        _pg_readable(url, source)
    if not force and has_data(database_url):
        raise BackupError(
            "basis data tujuan sudah berisi data; pemulihan akan menimpanya. Ulangi dengan "
            "--force bila memang itu maksudnya (buat cadangannya dulu)")
    if sqlite:
        _sqlite_restore(source, _sqlite_path(url))
    else:
        # --dbname is the name only (pg_restore wants one); host, user, password in env
        _run_pg("pg_restore", url, [f"--dbname={url.database}", "--clean", "--if-exists",
                                    "--no-owner", "--no-privileges", "--single-transaction",
                                    "--exit-on-error", str(source)])


def has_data(database_url: str) -> bool:
    """Whether any table of the database (the schema version apart) holds a row."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return False  # and do not create it (with the umask's mode) by looking
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
            return any(conn.execute(select(1).select_from(table(n)).limit(1)).first()
                       for n in names)
    finally:
        engine.dispose()


# -- SQLite --------------------------------------------------------------------------------
def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("cadangan hanya untuk basis data SQLite dalam berkas biasa")
    return Path(url.database)


def _sqlite_backup(source: Path, scratch: Path) -> None:
    if not source.is_file():
        raise BackupError("basis data %(file)s tidak ada", file=str(source))
    with contextlib.closing(sqlite3.connect(source, timeout=SQLITE_TIMEOUT_S)) as src, \
            contextlib.closing(sqlite3.connect(scratch)) as dst:
        src.backup(dst)  # pages=-1: all at once, from one read snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable
        _check(dst, scratch)                       # from a read-only medium too


def _sqlite_readable(source: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
        _check(src, source)
        if not _is_alur(src):
            raise BackupError("%(file)s bukan cadangan basis data Alur", file=str(source))


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        _create_private(target)
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(target, timeout=SQLITE_TIMEOUT_S)) as dst:
            src.backup(dst)
    except (OSError, sqlite3.Error) as err:
        raise BackupError("pemulihan dari %(file)s gagal: %(why)s", file=str(source),
                          why=getattr(err, "strerror", None) or str(err)) from None


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError:
        verdict = "bukan basis data SQLite"
    if verdict != "ok":
        raise BackupError("%(file)s rusak: %(why)s", file=str(path), why=verdict)


def _is_alur(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name "
                         "IN ('alembic_version', 'events')").fetchone()[0]
    return bool(found == 2)


def _create_private(path: Path) -> None:
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


# -- files ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _private_file(target: Path) -> Iterator[Path]:
    """A path in a new 0700 folder beside ``target``; renamed to ``target`` (0600) when the
    block ends without error, removed with its folder otherwise."""
    folder = Path(tempfile.mkdtemp(prefix=".alur-cadangan-", dir=target.parent))
    scratch = folder / "cadangan"
    try:
        _create_private(scratch)
        yield scratch
        os.chmod(scratch, 0o600)
        os.replace(scratch, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- PostgreSQL ----------------------------------------------------------------------------
def find_pg_tool(name: str) -> Path:
    """``pg_dump``/``pg_restore`` on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0, reverse=True)
    if not candidates:
        raise BackupError("%(tool)s tidak ditemukan; pasang klien PostgreSQL (paket "
                          "postgresql-client) atau tambahkan foldernya ke PATH", tool=name)
    return Path(candidates[0])


def _pg_readable(url: URL, source: Path) -> None:
    listing = _run_pg("pg_restore", url, ["--list", str(source)])
    if not all(f"TABLE public {name} " in listing for name in ("alembic_version", "events")):
        raise BackupError("%(file)s bukan cadangan basis data Alur", file=str(source))


def libpq_environment(url: URL) -> dict[str, str]:
    """The libpq variables for ``url``: the password travels here, not in argv."""
    env = {"PGHOST": url.host, "PGPORT": str(url.port) if url.port else None,
           "PGUSER": url.username, "PGPASSWORD": url.password, "PGDATABASE": url.database}
    for key, variable in _LIBPQ_QUERY.items():
        value = url.query.get(key)
        if isinstance(value, str):
            env[variable] = value
    return {k: v for k, v in env.items() if v}


def _run_pg(tool: str, url: URL, args: list[str]) -> str:
    """Run ``tool`` with the connection in its environment; its standard output."""
    env = {**os.environ, **libpq_environment(url)}  # PGSSLMODE, PGPASSFILE … as psycopg
    # argv is the tool found here and fixed options; the connection travels in env
    done = subprocess.run([str(find_pg_tool(tool)), *args], env=env,  # noqa: S603
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error:" in line] or lines  # not the hints
        raise BackupError("%(tool)s gagal: %(why)s", tool=tool,
                          why=errors[0] if errors else f"kode keluar {done.returncode}")
    return done.stdout
