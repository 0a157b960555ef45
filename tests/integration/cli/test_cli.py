"""The ``alur`` command: each subcommand does its job, and a user mistake ends with a
readable message on stderr and exit code 1, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from engine import users
from engine.models import Job
from tests.support.journey import PROCESSES
from tests.support.live import ALUR, CLI_TIMEOUT_S, START_TIMEOUT_S, alur_server, wait_for
from webui.cli import main
from webui.extensions import db

BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"


def invoke(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


def test_validate_accepts_the_sop_and_refuses_a_broken_copy(app: Flask, tmp_path: Path) -> None:
    result = invoke(app, "validate", str(BPMN))
    assert result.exit_code == 0 and "valid" in result.output
    broken = tmp_path / "rusak.bpmn"
    broken.write_bytes(BPMN.read_bytes().replace(b'value="PT3M"', b'value="3 menit"'))
    result = invoke(app, "validate", str(broken))
    assert result.exit_code == 1
    assert "rusak.bpmn ditolak" in result.output and "Task_IsiFPVC" in result.output
    assert "Traceback" not in result.output


def test_deploy_is_idempotent(app: Flask) -> None:
    result = invoke(app, "deploy")
    assert result.exit_code == 0 and "tidak berubah" in result.output


def test_users_add_with_password_from_stdin_and_a_token(app: Flask) -> None:
    result = invoke(
        app,
        "users",
        "add",
        "dewi",
        "--role",
        "staf_iidc",
        "--role",
        "auditor",
        "--email",
        "dewi@uji.go.id",
        "--password-stdin",
        input="rahasia-dewi\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = users.get_user(db.session, "dewi")
        assert users.check_password(user, "rahasia-dewi")
        assert sorted(r.role for r in user.roles) == ["auditor", "staf_iidc"]
    result = invoke(app, "users", "token", "dewi")
    token = result.output.strip()
    assert result.exit_code == 0 and re.fullmatch(r"alur_[\w-]{40,}", token)
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_user_mistakes_are_one_line_errors(app: Flask) -> None:
    duplicate = invoke(app, "users", "add", "staf", "--role", "staf_iidc")
    assert duplicate.exit_code == 1 and "sudah dipakai" in duplicate.output
    unknown = invoke(app, "users", "token", "siapa")
    assert unknown.exit_code == 1 and "tidak ditemukan" in unknown.output
    bad_role = invoke(app, "users", "add", "x", "--role", "raja")
    assert bad_role.exit_code == 2 and "raja" in bad_role.output


def test_worker_once_runs_due_jobs(app: Flask) -> None:
    with app.app_context():
        now = datetime.now(UTC)
        db.session.add(
            Job(
                kind="nothing",
                status="pending",
                attempts=0,
                payload={},
                run_after=now,
                created_at=now,
            )
        )
        db.session.commit()
    result = invoke(app, "worker", "--once")
    assert result.exit_code == 0 and "1 pekerjaan" in result.output


def test_the_console_script_reports_errors_on_stderr(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ALUR_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "ALUR_SECRET_KEY": "x",
        "ALUR_WORKER": "off",
    }
    missing = subprocess.run(
        [str(ALUR), "validate", str(tmp_path / "tidak-ada.bpmn")],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    broken = tmp_path / "rusak.bpmn"
    broken.write_bytes(b"<bpmn:definitions")
    result = subprocess.run(
        [str(ALUR), "validate", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
    )
    assert result.returncode == 1
    assert "XML tidak valid" in result.stderr and "Traceback" not in result.stderr


def test_alur_run_starts_quickly_with_demo_users(tmp_path: Path) -> None:
    with alur_server(tmp_path) as server:
        assert "csrf_token" in wait_for(f"{server.url}/masuk", timeout=START_TIMEOUT_S)
        assert server.started_in < 30  # the real figure (well under 2 s) is in bench/
    assert "PENGGUNA DEMO" in server.output
    for name in ("pemohon", "staf", "subkoor", "auditor", "admin"):
        assert re.search(rf"^\s+{name}\s+sandi: \S+", server.output, re.M), server.output
