"""The production layout for real: ``alur serve`` (gunicorn, several processes) and
``alur worker`` processes on PostgreSQL, started as an operator starts them, and a client
speaking HTTP to them. ``Layout`` starts, stops and kills the processes; ``HttpJourney``
moves a request through the SOP over the JSON API. ``sqlite_layout`` is the same on the
embedded database (``alur run``), and ``any_layout`` runs a test on both."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from engine import users
from engine.db import make_engine
from tests.conftest import PASSWORD, ROLE_USERS, make_app, now
from tests.support.journey import FPVC
from tests.support.live import ALUR, START_TIMEOUT_S, free_port, wait_for
from webui.extensions import db


@dataclass
class Layout:
    """Processes sharing one PostgreSQL database and one environment."""

    env: dict[str, str]
    folder: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        with (self.folder / f"{args[0]}-{len(self.processes)}.log").open("w") as log:
            process = subprocess.Popen([str(ALUR), *args], env={**self.env, **env}, text=True,
                                       stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        self.processes.append(process)
        return process

    def serve(self, workers: int = 2) -> str:
        port = free_port()
        self.start("serve", "--workers", str(workers), "--bind", f"127.0.0.1:{port}")
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", timeout=START_TIMEOUT_S)
        return url

    def run(self) -> str:
        """``alur run`` (the embedded layout: SQLite, its worker as ``ALUR_WORKER`` says)."""
        port = free_port()
        self.start("run", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", timeout=START_TIMEOUT_S)
        return url

    @property
    def database_url(self) -> str:
        return self.env["ALUR_DATABASE_URL"]

    @property
    def on_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def web(self, workers: int = 2) -> str:
        """The web server of this database's layout: gunicorn with ``workers`` processes on
        PostgreSQL, ``alur run`` on SQLite (one process, one writer at a time)."""
        return self.run() if self.on_sqlite else self.serve(workers)

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL ``process`` and every process it started (gunicorn's workers), at once:
        no process of it gets to finish anything."""
        doomed = [process.pid, *descendants(process.pid)]
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=60)
        for pid in doomed[1:]:  # not our children: gone once /proc forgets them
            eventually(lambda pid=pid: not Path(f"/proc/{pid}").exists()
                       or "Z" in _state(pid))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def output(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.folder.glob("*.log")))


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "Z"


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (children, their children ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


def layout_env(database_url: str, folder: Path) -> dict[str, str]:
    return {**os.environ, "ALUR_DATABASE_URL": database_url, "ALUR_SECRET_KEY": "uji-produksi",
            "ALUR_WORKER": "off", "ALUR_WORKER_POLL_S": "0.1",
            "ALUR_JITSI_DOMAIN": "meet.uji.id", "ALUR_UPLOAD_DIR": str(folder / "uploads")}


@pytest.fixture
def layout(pg_url: str, tmp_path: Path) -> Iterator[Layout]:
    """A database with processes/ deployed and the role users; nothing running yet."""
    app = make_app(pg_url, tmp_path)
    with app.app_context():
        db.engine.dispose()
    running = Layout(layout_env(pg_url, tmp_path), tmp_path)
    yield running
    running.stop()


@pytest.fixture
def sqlite_layout(ready_sqlite: Path, tmp_path: Path) -> Iterator[Layout]:
    """``layout`` on SQLite: a copy of the deployed database with the role users."""
    path = tmp_path / "alur.db"
    shutil.copyfile(ready_sqlite, path)
    running = Layout(layout_env(f"sqlite:///{path}", tmp_path), tmp_path)
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_layout(request: pytest.FixtureRequest) -> Layout:
    """``sqlite_layout``, then ``layout`` (PostgreSQL)."""
    name = "sqlite_layout" if request.param == "sqlite" else "layout"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def add_people(database_url: str, people: dict[str, list[str]]) -> dict[str, str]:
    """Add users (name: roles, password ``PASSWORD``) and an API token for each of them and
    for the role users; name: token."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        for name, roles in people.items():
            users.add_user(session, name, roles=roles, now=now(), password=PASSWORD,
                           display_name=name.title(), email=f"{name}@uji.go.id")
        session.flush()
        tokens = {n: users.issue_token(session, users.get_user(session, n), now())
                  for n in [*ROLE_USERS, *people]}
        session.commit()
    engine.dispose()
    return tokens


def eventually(check: Callable[[], Any], timeout: float = START_TIMEOUT_S) -> Any:
    """``check()``'s first truthy answer; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (answer := check()):
        assert time.monotonic() < deadline, f"not within {timeout}s"
        time.sleep(0.1)
    return answer


@dataclass
class HttpJourney:
    """One request through the SOP over HTTP with each role's API token."""

    url: str
    tokens: dict[str, str]
    instance_id: str = ""

    def call(self, who: str, method: str, path: str, status: int = 200,
             **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/api/v1{path}", timeout=60,
                                    headers={"Authorization": f"Bearer {self.tokens[who]}"},
                                    **kwargs)
        assert response.status_code == status, response.text[:500]
        assert response.headers["X-Request-Id"]
        return response.json()

    def start(self, **changes: Any) -> None:
        body = self.call("pemohon", "POST", "/instances", 201,
                         json={"data": {**FPVC, **changes}})
        self.instance_id = body["id"]

    def act(self, who: str, bpmn_id: str, data: dict[str, Any], **extra: Any) -> Any:
        task = eventually(lambda: [t for t in self.call(who, "GET", "/tasks")
                                   if t["instance_id"] == self.instance_id
                                   and t["bpmn_id"] == bpmn_id])[0]
        return self.call(who, "POST", f"/tasks/{task['task_id']}/complete",
                         json={"data": data, **extra})

    def approve(self, **changes: Any) -> None:
        self.start(**changes)
        self.act("staf", "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"})
        self.act("subkoor", "Task_Persetujuan", {"keputusan": "setuju"}, password=PASSWORD)

    def meeting(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
        """The meeting once a worker made it."""
        return eventually(  # type: ignore[no-any-return]
            lambda: self.call("pemohon", "GET", f"/instances/{self.instance_id}")["meeting"],
            timeout)


@pytest.fixture
def journey(layout: Layout) -> Callable[[str], HttpJourney]:
    def make(url: str) -> HttpJourney:
        return HttpJourney(url, add_people(layout.database_url, {}))

    return make
