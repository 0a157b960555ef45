"""The production layout for real: ``alur serve`` (gunicorn, several processes) and
``alur worker`` processes on PostgreSQL, started as an operator starts them, and a client
speaking HTTP to them. ``Layout`` starts and stops the processes; ``HttpJourney`` moves a
request through the SOP over the JSON API."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from engine import users
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


@pytest.fixture
def layout(pg_url: str, tmp_path: Path) -> Iterator[Layout]:
    """A database with processes/ deployed and the role users; nothing running yet."""
    app = make_app(pg_url, tmp_path)
    with app.app_context():
        db.engine.dispose()
    env = {**os.environ, "ALUR_DATABASE_URL": pg_url, "ALUR_SECRET_KEY": "uji-produksi",
           "ALUR_WORKER": "off", "ALUR_WORKER_POLL_S": "0.1", "ALUR_JITSI_DOMAIN": "meet.uji.id",
           "ALUR_UPLOAD_DIR": str(tmp_path / "uploads")}
    running = Layout(env, tmp_path)
    yield running
    running.stop()


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
        from sqlalchemy.orm import Session

        from engine.db import make_engine

        engine = make_engine(layout.env["ALUR_DATABASE_URL"])
        with Session(engine) as session:
            tokens = {n: users.issue_token(session, users.get_user(session, n), now())
                      for n in ROLE_USERS}
            session.commit()
        engine.dispose()
        return HttpJourney(url, tokens)

    return make
