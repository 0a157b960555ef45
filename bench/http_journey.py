"""Full SOP journeys through the JSON API of a real ``alur run`` server, against the same
journeys through the engine facade in-process: what HTTP, Flask, auth and JSON cost.

    .venv/bin/python bench/http_journey.py [--n 30] [--poll 0.05]

The server runs as a subprocess on a free port with a fresh SQLite file and its worker
thread (``ALUR_WORKER=thread``); users and tokens come from the ``alur`` CLI beforehand, so
``alur run`` seeds no demo users (and writes no ``instance/demo-users.txt``). One
``requests.Session`` drives N journeys one after another, each with one "not signed" pass:
start with the form data, verify, decline, revise, verify, sign (password asked again),
poll until the worker has made the Jitsi link, confirm receipt. Each action is the inbox,
the task, the completion, as a person clicks. The facade side does the same calls in the
same order on its own SQLite file, with the worker run inline after signing.

The last line reads ``ratio http/engine: X.XX`` (HTTP instances/s ÷ facade instances/s).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import migrate, users  # noqa: E402
from engine.db import make_sessionmaker  # noqa: E402
from engine.facade import Alur  # noqa: E402
from engine.users import Actor  # noqa: E402
from tests.support.journey import FPVC  # noqa: E402
from webui import create_app  # noqa: E402
from webui.extensions import db, engine, utcnow  # noqa: E402

ALUR = Path(sys.executable).with_name("alur")
PASSWORD = "bench-kata-sandi"
PEOPLE = {"pemohon": "pemohon", "staf": "staf_iidc", "subkoor": "subkoor_iidc"}
DECLINE = {"keputusan": "tidak_setuju", "alasan": "Jadwal bentrok"}
CONFIG = {"CONFERENCE_PLATFORMS": "jitsi", "JITSI_DOMAIN": "meet.bench.local"}


@dataclass
class Result:
    seconds: float = 0.0
    submits: list[float] = field(default_factory=list)  # start with the first form (one POST)
    completions: list[float] = field(default_factory=list)  # each later task completion
    link_waits: list[float] = field(default_factory=list)

    def rate(self, n: int) -> float:
        return n / self.seconds


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def timed(call: Callable[[], Any], into: list[float]) -> Any:
    t0 = time.perf_counter()
    out = call()
    into.append(time.perf_counter() - t0)
    return out


# -- the server ----------------------------------------------------------------------------
def server_env(folder: Path, poll_s: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALUR_")}
    env.update({f"ALUR_{k}": v for k, v in CONFIG.items()})
    env.update({
        "ALUR_DATABASE_URL": f"sqlite:///{folder / 'http.db'}",
        "ALUR_SECRET_KEY": "bench-" + secrets.token_hex(16),
        "ALUR_UPLOAD_DIR": str(folder / "uploads"),
        "ALUR_WORKER": "thread",
        "ALUR_WORKER_POLL_S": str(poll_s),
    })
    return env


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([str(ALUR), *args], env=env, input=stdin, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"alur {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def make_tokens(env: dict[str, str]) -> dict[str, str]:
    cli(env, "db", "upgrade")
    cli(env, "deploy")  # the lanes' roles exist once the process is deployed
    for name, role in PEOPLE.items():
        cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    return {name: cli(env, "users", "token", name).splitlines()[-1] for name in PEOPLE}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path) -> tuple[subprocess.Popen[bytes],
                                                                       float]:
    """``alur run`` in the background; returns it and the seconds until it answered."""
    t0 = time.perf_counter()
    with log.open("wb") as out:
        server = subprocess.Popen([str(ALUR), "run", "--port", str(port)], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    deadline = t0 + 60
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"alur run exited early:\n{log.read_text()}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/processes", timeout=1)
            return server, time.perf_counter() - t0
        except requests.ConnectionError:
            time.sleep(0.02)
    server.terminate()
    raise SystemExit("alur run did not answer within 60 s")


# -- journeys through HTTP -----------------------------------------------------------------
@dataclass
class HttpClient:
    base: str
    tokens: dict[str, str]
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, who: str, method: str, path: str, body: Any = None,
             expect: int = 200) -> Any:
        response = self.http.request(method, self.base + path, json=body, timeout=30,
                                     headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if response.status_code != expect:
            raise SystemExit(f"{method} {path} as {who}: {response.status_code} {response.text}")
        return response.json()

    def act(self, who: str, instance_id: str, bpmn_id: str, data: dict[str, Any],
            into: list[float], **extra: Any) -> dict[str, Any]:
        """Find the task in the inbox, open it, complete it (the completion is timed)."""
        task = next(t for t in self.call(who, "GET", "/tasks")
                    if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id)
        path = f"/tasks/{task['task_id']}"
        self.call(who, "GET", path)
        done: dict[str, Any] = timed(
            lambda: self.call(who, "POST", f"{path}/complete", {"data": data, **extra}), into)
        return done

    def wait_for_link(self, instance_id: str) -> None:
        while not self.call("pemohon", "GET", f"/instances/{instance_id}")["meeting"]:
            time.sleep(0.005)

    def journey(self, result: Result) -> None:
        started = timed(lambda: self.call("pemohon", "POST", "/instances", {"data": FPVC}, 201),
                        result.submits)
        iid, tasks = started["id"], result.completions
        self.act("staf", iid, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"}, tasks)
        self.act("subkoor", iid, "Task_Persetujuan", DECLINE, tasks)
        self.act("pemohon", iid, "Task_IsiFPVC", FPVC, tasks)
        self.act("staf", iid, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"}, tasks)
        self.act("subkoor", iid, "Task_Persetujuan", {"keputusan": "setuju"}, tasks,
                 password=PASSWORD)
        timed(lambda: self.wait_for_link(iid), result.link_waits)
        done = self.act("pemohon", iid, "Task_TerimaJadwal", {"diterima": True}, tasks)
        assert done["status"] == "completed", done["status"]


def through_http(n: int, folder: Path, poll_s: float) -> tuple[Result, float]:
    env = server_env(folder, poll_s)
    tokens = make_tokens(env)
    port = free_port()
    server, start_s = start_server(env, port, folder / "server.log")
    try:
        client = HttpClient(f"http://127.0.0.1:{port}/api/v1", tokens)
        client.journey(Result())  # warm-up: first requests load specs and caches
        result = Result()
        t0 = time.perf_counter()
        for _ in range(n):
            client.journey(result)
        result.seconds = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=10)
    return result, start_s


# -- the same journeys through the facade --------------------------------------------------
@dataclass
class FacadeClient:
    alur: Alur
    sessions: Any
    people: dict[str, Actor]

    def submit(self) -> str:
        with self.sessions.begin() as s:
            view = self.alur.start(s, self.people["pemohon"], utcnow())
            task_id = next(st.task_id for st in view.steps if st.state == "ready")
            return self.alur.complete(s, task_id, self.people["pemohon"], FPVC, utcnow()).id

    def act(self, who: str, instance_id: str, bpmn_id: str, data: dict[str, Any],
            into: list[float]) -> Any:
        actor = self.people[who]
        with self.sessions.begin() as s:
            task_id = next(i.step.task_id for i in self.alur.inbox(s, actor)
                           if i.instance.id == instance_id and i.step.bpmn_id == bpmn_id)
        with self.sessions.begin() as s:
            self.alur.open_task(s, task_id, actor, utcnow())

        def complete() -> Any:
            with self.sessions.begin() as s:  # the signer's password, checked when signing
                return self.alur.complete(s, task_id, actor, data, utcnow(), password=PASSWORD)

        return timed(complete, into)

    def journey(self, result: Result) -> None:
        iid, tasks = timed(self.submit, result.submits), result.completions
        self.act("staf", iid, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"}, tasks)
        self.act("subkoor", iid, "Task_Persetujuan", DECLINE, tasks)
        self.act("pemohon", iid, "Task_IsiFPVC", FPVC, tasks)
        self.act("staf", iid, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"}, tasks)
        self.act("subkoor", iid, "Task_Persetujuan", {"keputusan": "setuju"}, tasks)
        timed(lambda: self.alur.run_jobs(self.sessions, utcnow), result.link_waits)
        done = self.act("pemohon", iid, "Task_TerimaJadwal", {"diterima": True}, tasks)
        self.alur.run_jobs(self.sessions, utcnow)  # the mail the server's worker also sends
        assert done.summary.status == "completed", done.summary.status


def through_facade(n: int, folder: Path) -> Result:
    url = f"sqlite:///{folder / 'facade.db'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WORKER": "off",
                      "UPLOAD_DIR": str(folder / "uploads"), **CONFIG})
    with app.app_context():
        sessions = make_sessionmaker(db.engine)
        with sessions.begin() as s:
            engine().deploy_dir(s, actor="bench", now=utcnow())
            people = {name: users.actor_of(users.add_user(s, name, roles=[role], now=utcnow(),
                                                          password=PASSWORD))
                      for name, role in PEOPLE.items()}
        client = FacadeClient(engine(), sessions, people)
        client.journey(Result())  # warm-up, as on the HTTP side
        result = Result()
        t0 = time.perf_counter()
        for _ in range(n):
            client.journey(result)
        result.seconds = time.perf_counter() - t0
        db.engine.dispose()
    return result


def ms(values: list[float]) -> str:
    return f"mean {1000 * sum(values) / len(values):6.1f} ms, p95 {1000 * p95(values):6.1f} ms"


def line(label: str, n: int, result: Result) -> str:
    """Journeys per second; a start with its first form (one POST); each later task
    completion (the POST only, without the inbox read and the task page before it); and the
    wait from signing to the link."""
    link = 1000 * sum(result.link_waits) / len(result.link_waits)
    return (f"{label:<26} {result.rate(n):7.2f} instances/s\n"
            f"  start with the form:      {ms(result.submits)}\n"
            f"  task completion (x6):     {ms(result.completions)}\n"
            f"  sign -> link:             mean {link:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="journeys per side")
    parser.add_argument("--poll", type=float, default=0.05,
                        help="server worker poll interval in seconds (alur run's default: 0.5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alur-bench-") as tmp:
        http, start_s = through_http(args.n, Path(tmp), args.poll)
        facade = through_facade(args.n, Path(tmp))
    print(f"journeys: {args.n} per side (7 user tasks + the link each, one 'not signed' "
          f"pass); SQLite; server worker poll {args.poll} s")
    print(f"server start (alur run until it answers): {start_s:.2f} s")
    print(line("HTTP API (alur run)", args.n, http))
    print(line("engine facade in-process", args.n, facade))
    print(f"ratio http/engine: {http.rate(args.n) / facade.rate(args.n):.2f}")


if __name__ == "__main__":
    main()
