"""A throw-away PostgreSQL cluster for the tests: initdb in a temporary folder, a server on
a free loopback port, one database; stopped and removed at the end of the session.

As root (CI, this machine) the server runs as the ``postgres`` system user, because
``initdb`` refuses root. Missing binaries skip the tests locally and fail them in CI.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


def find_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # /usr/local/bin may link only pg_ctl, not createdb
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def require_bindir() -> Path:
    """The PostgreSQL binaries; a test without them is skipped here, failed in CI."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL binaries not found; CI must test PostgreSQL for real")
        pytest.skip("PostgreSQL binaries not found")
    return bindir


@contextmanager
def database(server: str, template: str | None = None, prefix: str = "t") -> Iterator[str]:
    """A throw-away database on the cluster of ``server`` (a URL), empty or a copy of the
    database named ``template``; yields its URL and drops it after."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def name_of(url: str) -> str:
    """The database name of a URL made by ``database``."""
    return url.rsplit("/", 1)[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Cluster:
    """A running cluster that a test may stop and start again (a database outage)."""

    url: str
    pg_ctl: list[str]

    def stop(self) -> None:
        subprocess.run(_as_postgres([*self.pg_ctl, "-m", "fast", "-w", "stop"]),
                       check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(_as_postgres([*self.pg_ctl, "-w", "start"]), check=True,
                       capture_output=True)


@contextmanager
def cluster(bindir: Path) -> Iterator[str]:
    """Yields a SQLAlchemy URL (psycopg 3) of an empty database on a new cluster."""
    with running_cluster(bindir) as handle:
        yield handle.url


@contextmanager
def running_cluster(bindir: Path) -> Iterator[Cluster]:
    """A new cluster with one empty database, stopped and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="alur-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = _free_port()

    def run(*cmd: str) -> None:
        subprocess.run(_as_postgres(list(cmd)), check=True, capture_output=True, text=True)

    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "alur",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log")]
    run(*pg_ctl, "-w", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "alur", "alur")
        yield Cluster(f"postgresql+psycopg://alur@127.0.0.1:{port}/alur", pg_ctl)
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
