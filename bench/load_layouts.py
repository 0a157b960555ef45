"""The two layouts ``bench/load.py`` drives, started as an operator starts them and always
stopped again (also on Ctrl+C or an exception): no process or cluster outlives the run.

- ``postgres``: a throw-away PostgreSQL cluster in a temporary folder, ``alur db upgrade``
  and ``alur deploy``, then ``alur serve`` (gunicorn, gthread) and ``alur worker`` processes;
- ``embedded``: ``alur run`` on a SQLite file with its worker thread, the default.

Both make meeting links with the Jitsi provider (no network) and send their mail to an
SMTP server on loopback (aiosmtpd in this process). Users and API tokens are written
straight into the database before the server starts; each process logs to a file in the
run's folder, never to a pipe that a busy server could fill.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import passwords, tokens, users
from engine.db import make_engine
from engine.models import Job
from tests.support import postgres
from tests.support.live import free_port

ALUR = Path(sys.executable).with_name("alur")
ROLES = {"requesters": "pemohon", "staff": "staf_iidc", "approvers": "subkoor_iidc"}
START_TIMEOUT_S = 180


@dataclass
class People:
    """Usernames per kind and each one's API token; all share one password."""

    password: str
    names: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Running:
    """A layout that answers: its URL, its database and its folder (logs)."""

    label: str
    url: str
    database_url: str
    folder: Path
    people: People
    processes: Processes


class Mailbox:
    """An aiosmtpd handler that counts what it accepts."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def base_env(folder: Path, database_url: str, smtp_port: int, poll_s: float) -> dict[str, str]:
    """The environment of every ``alur`` process of a layout (none of the caller's ALUR_*
    settings leak in, but for the password hashing cost a test may lower)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALUR_") or k == "ALUR_PASSWORD_HASHING"}
    env.update({
        "ALUR_DATABASE_URL": database_url,
        "ALUR_SECRET_KEY": "beban-" + secrets.token_hex(16),
        "ALUR_UPLOAD_DIR": str(folder / "uploads"),
        "ALUR_WORKER_POLL_S": str(poll_s),
        "ALUR_CONFERENCE_PLATFORMS": "jitsi",
        "ALUR_JITSI_DOMAIN": "meet.beban.local",
        "ALUR_SMTP_HOST": "127.0.0.1",
        "ALUR_SMTP_PORT": str(smtp_port),
        "ALUR_SMTP_STARTTLS": "false",
        "ALUR_MAIL_FROM": "vicon@beban.local",
    })
    return env


def cli(env: dict[str, str], folder: Path, *args: str) -> None:
    done = subprocess.run([str(ALUR), *args], env=env, cwd=folder, capture_output=True,
                          text=True, check=False, timeout=START_TIMEOUT_S)
    if done.returncode:
        raise RuntimeError(f"alur {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def seed(database_url: str, counts: dict[str, int]) -> People:
    """The people, each with the lane's role, a password and an API token."""
    passwords.configure(os.environ.get("ALUR_PASSWORD_HASHING", passwords.DEFAULT))
    people = People(password="beban-" + secrets.token_hex(8))
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            for kind, count in counts.items():
                role = ROLES[kind]
                people.names[kind] = [f"{role}_{i}" for i in range(1, count + 1)]
                for name in people.names[kind]:
                    user = users.add_user(session, name, roles=[role], now=now,
                                          email=f"{name}@beban.local",
                                          password=people.password)
                    people.tokens[name] = tokens.issue_token(session, user, now)
            session.commit()
    finally:
        engine.dispose()
    return people


def job_counts(database_url: str) -> tuple[dict[str, int], int]:
    """Outbox jobs by status (pending, running, done, failed), and how many of them are
    due and not done (pending or running with ``run_after`` passed)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
            counts = {status: count for status, count in rows}
            due = session.scalar(select(func.count()).select_from(Job).where(
                Job.status.in_(("pending", "running")),
                Job.run_after <= datetime.now(UTC)))
            return counts, int(due or 0)
    finally:
        engine.dispose()


def drain(database_url: str, timeout: float) -> float | None:
    """Seconds until the outbox has no due job left (the worker caught up); None when it
    had not within ``timeout``."""
    started = time.monotonic()
    while job_counts(database_url)[1]:
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.1)
    return time.monotonic() - started


class Processes:
    """Child processes in their own sessions, stopped in reverse order with SIGTERM (their
    process group killed if they do not stop in time)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{args[0]}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([str(ALUR), *args], env=self.env, cwd=self.folder,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append((process, log))
        return process

    def check_alive(self) -> None:
        for process, log in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited "
                                   f"({process.returncode}):\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        for process, _log in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _log in reversed(self.started):
            try:
                process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            with suppress(ProcessLookupError):  # what it left in its group (gunicorn's)
                os.killpg(process.pid, signal.SIGKILL)

    def tracebacks(self) -> list[str]:
        """The tracebacks the processes logged so far (each cut to 40 lines)."""
        found = []
        for _process, log in self.started:
            for block in log.read_text(errors="replace").split("Traceback (most recent")[1:]:
                found.append("Traceback (most recent" + "\n".join(block.splitlines()[:40]))
        return found


def wait_ready(url: str, processes: Processes) -> None:
    """Until ``/readyz`` answers 200 (database, migrations and a worker seen)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        processes.check_alive()
        try:
            if requests.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/readyz not ready within {START_TIMEOUT_S} s")
        time.sleep(0.1)


@contextmanager
def postgres_layout(folder: Path, counts: dict[str, int], smtp_port: int, poll_s: float,
                    web_processes: int, job_workers: int) -> Iterator[Running]:
    bindir = postgres.find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries (pg_ctl, initdb) not found")
    with ExitStack() as stack:
        cluster = stack.enter_context(postgres.running_cluster(bindir))
        env = base_env(folder, cluster.url, smtp_port, poll_s)
        env["ALUR_WORKER"] = "off"
        cli(env, folder, "db", "upgrade")
        cli(env, folder, "deploy")
        people = seed(cluster.url, counts)
        processes = Processes(folder, env)
        stack.callback(processes.stop)
        port = free_port()
        processes.start("serve", "--workers", str(web_processes), "--bind", f"127.0.0.1:{port}")
        for _ in range(job_workers):
            processes.start("worker")
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, processes)
        label = (f"gunicorn + PostgreSQL ({web_processes} web processes x 4 threads, "
                 f"{job_workers} alur worker process{'es' if job_workers > 1 else ''})")
        yield Running(label, url, cluster.url, folder, people, processes)
        processes.check_alive()


@contextmanager
def embedded_layout(folder: Path, counts: dict[str, int], smtp_port: int,
                    poll_s: float) -> Iterator[Running]:
    database_url = f"sqlite:///{folder / 'alur.db'}"
    env = base_env(folder, database_url, smtp_port, poll_s)
    env["ALUR_WORKER"] = "thread"
    cli(env, folder, "db", "upgrade")
    cli(env, folder, "deploy")
    people = seed(database_url, counts)  # users exist: alur run seeds no demo users
    processes = Processes(folder, env)
    try:
        port = free_port()
        processes.start("run", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, processes)
        yield Running("alur run (embedded: SQLite, worker thread)", url, database_url, folder,
                      people, processes)
        processes.check_alive()
    finally:
        processes.stop()
