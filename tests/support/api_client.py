"""Drive the JSON API as the people of each lane would: a token per user from
``alur users token``, one helper per SOP action, and the worker run inline.

Used by the API integration tests on SQLite and PostgreSQL; every call goes through the
Flask test client, so what passes here passes for a script with a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.db import make_sessionmaker
from tests.conftest import PASSWORD
from tests.support.journey import FPVC, Clock
from webui.cli import main
from webui.extensions import db, engine, utcnow

API = "/api/v1"


def cli_token(app: Flask, username: str) -> str:
    """A new API token, printed by ``alur users token NAME``."""
    result = app.test_cli_runner().invoke(main, ["users", "token", username])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@dataclass
class ApiUser:
    """A test client speaking JSON with one user's Bearer token."""

    client: FlaskClient
    token: str
    name: str

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def open(self, method: str, path: str, *, headers: dict[str, str] | None = None,
             **kw: Any) -> TestResponse:
        return self.client.open(API + path, method=method.upper(),
                                headers=self._headers(headers), **kw)

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.open("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        return self.open("POST", path, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """Call, assert the status, return the JSON body."""
        response = self.open(method, path, **kw)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json()


def api_users(app: Flask, names: tuple[str, ...]) -> dict[str, ApiUser]:
    """One ``ApiUser`` per name, each with its own client (no shared cookies)."""
    return {n: ApiUser(app.test_client(), cli_token(app, n), n) for n in names}


@dataclass(frozen=True)
class Started:
    """A request the requester has just sent: its id and the staff's ready task."""

    instance_id: str
    verify_task: str


@dataclass
class ApiJourney:
    """One request moving through the SOP through the API only.

    With a ``clock`` (one the test also put behind the API), each task takes ``step_s``
    seconds from ready to completed, so durations are known; without one, time is real.
    """

    app: Flask
    users: dict[str, ApiUser]
    clock: Clock | None = None
    step_s: float = 0.0
    password: str = PASSWORD
    instance_id: str = ""

    def now(self) -> datetime:
        return self.clock() if self.clock else utcnow()

    def start(self, **changes: Any) -> dict[str, Any]:
        body = self.users["pemohon"].ok(
            "post", "/instances", 201, json={"data": {**FPVC, **changes}}
        )
        self.instance_id = body["id"]
        return body  # type: ignore[no-any-return]

    def task_for(self, who: str, bpmn_id: str) -> str:
        tasks = self.users[who].ok("get", "/tasks")
        mine = [
            t for t in tasks if t["instance_id"] == self.instance_id and t["bpmn_id"] == bpmn_id
        ]
        assert mine, f"{who} has no {bpmn_id} for {self.instance_id}: {tasks}"
        return str(mine[0]["task_id"])

    def act(self, who: str, bpmn_id: str, data: dict[str, Any],
            **extra: Any) -> dict[str, Any]:
        task_id = self.task_for(who, bpmn_id)
        task = self.users[who].ok("get", f"/tasks/{task_id}")
        assert task["can_act"] and task["schema"] is not None
        if self.clock:
            self.clock.advance(self.step_s)
        return self.users[who].ok(  # type: ignore[no-any-return]
            "post", f"/tasks/{task_id}/complete", json={"data": data, **extra}
        )

    def revise(self, **changes: Any) -> dict[str, Any]:
        return self.act("pemohon", "Task_IsiFPVC", {**FPVC, **changes})

    def verify(self) -> dict[str, Any]:
        return self.act("staf", "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"})

    def decide(self, signed: bool, reason: str = "Jadwal bentrok") -> dict[str, Any]:
        if signed:  # signing asks the approver's password again, as the HTML page does
            return self.act("subkoor", "Task_Persetujuan", {"keputusan": "setuju"},
                            password=self.password)
        return self.act("subkoor", "Task_Persetujuan",
                        {"keputusan": "tidak_setuju", "alasan": reason})

    def run_worker(self) -> int:
        with self.app.app_context():
            return engine().run_jobs(make_sessionmaker(db.engine), self.now)

    def receive(self) -> dict[str, Any]:
        return self.act("pemohon", "Task_TerimaJadwal", {"diterima": True})

    def instance(self, who: str = "pemohon") -> dict[str, Any]:
        return self.users[who].ok(  # type: ignore[no-any-return]
            "get", f"/instances/{self.instance_id}"
        )

    def full(self, *, declines: int = 1) -> dict[str, Any]:
        """Start with data; decline ``declines`` times (the requester revises); sign; link;
        confirm receipt. Returns the finished instance as the requester sees it."""
        self.start()
        for _ in range(declines):
            self.verify()
            self.decide(False)
            self.revise(keterangan="Jadwal digeser")
        self.verify()
        self.decide(True)
        assert self.run_worker() >= 1
        assert self.instance()["meeting"]["join_url"]
        return self.receive()
