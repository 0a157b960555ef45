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
    bad_role = invoke(app, "users", "add", "xena", "--role", "raja")
    assert bad_role.exit_code == 1 and "raja" in bad_role.output and "staf_iidc" in bad_role.output


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
    for name in ("pemohon", "staf_iidc", "subkoor_iidc", "auditor", "admin"):
        assert re.search(rf"^\s+{name}\s+sandi: \S+", server.output, re.M), server.output


def test_validate_refuses_a_condition_that_would_run_code(app: Flask, tmp_path: Path) -> None:
    written = tmp_path / "ditulis"
    condition = f'keputusan == "setuju" and not __import__("pathlib").Path("{written}")'
    broken = tmp_path / "rce.bpmn"
    broken.write_bytes(
        BPMN.read_bytes().replace(
            b'keputusan == "setuju"',
            (condition + '.write_text("x")').replace('"', "&quot;").encode(),
        )
    )
    for command in ("validate", "deploy"):
        result = invoke(app, command, str(broken))
        assert result.exit_code == 1, result.output
        assert "alur 'Flow_Ditandatangani'" in result.output
        assert "fungsi '__import__' tidak diizinkan" in result.output
        assert "atribut 'write_text' tidak diizinkan" in result.output
    assert not written.exists()


def test_users_add_records_the_nip_and_position_printed_under_a_signature(app: Flask) -> None:
    result = invoke(app, "users", "add", "budi", "--role", "subkoor_iidc", "--nip",
                    "197301041997031001", "--jabatan", "Sub Koordinator IIDC")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = users.get_user(db.session, "budi")
        assert (user.nip, user.jabatan) == ("197301041997031001", "Sub Koordinator IIDC")
    wrong = invoke(app, "users", "add", "budi2", "--role", "subkoor_iidc", "--nip", "12345")
    assert wrong.exit_code == 1 and "NIP harus 18 angka." in wrong.output
    assert "Traceback" not in wrong.output
def test_validate_and_deploy_read_the_forms_beside_the_file(app: Flask, tmp_path: Path) -> None:
    from tests.support.revision import write_revised

    revised = write_revised(tmp_path / "revisi")
    result = invoke(app, "validate", str(revised))
    assert result.exit_code == 0, result.output  # telaah.schema.json exists only beside it
    alone = tmp_path / "sendiri" / revised.name
    alone.parent.mkdir()
    alone.write_bytes(revised.read_bytes())
    result = invoke(app, "validate", str(alone))
    assert result.exit_code == 1 and "telaah.schema.json" in result.output


def test_deploy_dry_run_prints_the_changes_and_deploys_nothing(
    app: Flask, tmp_path: Path
) -> None:
    from tests.support.revision import write_revised

    revised = write_revised(tmp_path)
    result = invoke(app, "deploy", "--dry-run", str(revised))
    assert result.exit_code == 0, result.output
    assert "dibanding versi aktif 1" in result.output
    assert "Langkah baru: Menelaah kelengkapan surat (Task_Telaah)" in result.output
    assert "Target waktu berubah" in result.output and "2 mnt → 3 mnt" in result.output
    assert "Isian berganti nama: verifikasi.schema.json: catatan_verifikasi → catatan" in (
        result.output)
    assert "v2" not in invoke(app, "deploy", "--dry-run").output
    result = invoke(app, "deploy", "--dry-run", str(BPMN))
    assert "sama dengan versi 1 (aktif)" in result.output
    result = invoke(app, "deploy", str(revised))
    assert result.exit_code == 0 and "v2 (versi baru" in result.output
    result = invoke(app, "deploy", str(BPMN))  # the old content: v1 is active again
    assert result.exit_code == 0 and "v1 (diaktifkan lagi" in result.output


def test_migrate_checks_then_moves_waiting_requests(app: Flask, tmp_path: Path) -> None:
    from engine.users import actor_of, get_user
    from tests.support.revision import write_revised
    from webui.extensions import engine

    with app.app_context():
        requester = actor_of(users.add_user(db.session, "pindah", roles=["pemohon"],
                                            now=datetime.now(UTC)))
        started = engine().start(db.session, requester, datetime.now(UTC))
        db.session.commit()
        assert get_user(db.session, "pindah")
    assert invoke(app, "deploy", str(write_revised(tmp_path))).exit_code == 0
    result = invoke(app, "migrate", "--from-version", "1", "--to-version", "2", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"dapat dipindahkan: {started.id}" in result.output
    result = invoke(app, "migrate", "--from-version", "1", "--to-version", "2",
                    "--instance", started.id)
    assert result.exit_code == 0 and f"dipindahkan: {started.id}" in result.output
    assert "1 dipindahkan ke versi 2" in result.output
    result = invoke(app, "migrate", "--from-version", "2", "--to-version", "2")
    assert result.exit_code == 1 and "Versi asal dan tujuan sama" in result.output
    result = invoke(app, "migrate", "--from-version", "1", "--to-version", "9")
    assert result.exit_code == 1 and "Traceback" not in result.output
