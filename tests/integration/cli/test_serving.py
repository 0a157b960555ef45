"""The serving commands as an operator meets them: ``alur run`` refuses a port it cannot
have before announcing anything, ``alur worker`` stops cleanly on SIGTERM and SIGINT and
counts every job it ran, ``alur users add`` obeys the web form's rules, and a new SQLite
database is readable by its owner only."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import text

from engine.db import make_engine
from engine.models import Job, User
from tests.support.live import ALUR, CLI_TIMEOUT_S, START_TIMEOUT_S
from webui.cli import main
from webui.extensions import db


def test_run_refuses_a_port_out_of_range(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["run", "--port", "99999"])
    assert result.exit_code == 2 and "99999 is not in the range 1<=x<=65535" in result.output
    assert "melayani" not in result.output


def test_run_on_a_busy_port_says_so_before_announcing_anything(app: Flask) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = app.test_cli_runner().invoke(main, ["run", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (f"Error: tidak dapat melayani di 127.0.0.1:{port} (Address already "
                             "in use); pilih --port lain atau hentikan program yang memakainya\n")


@pytest.mark.parametrize(("args", "password", "message"), [
    (["--email", "dewi@uji.go.id"], "abc", "Kata sandi minimal 8 karakter."),
    (["--email", "bukan email"], "rahasia-dewi", "Alamat email tidak valid."),
    (["--email", "dewi@localhost"], "rahasia-dewi", "Alamat email tidak valid."),
])
def test_users_add_applies_the_web_forms_rules(
    app: Flask, args: list[str], password: str, message: str
) -> None:
    result = app.test_cli_runner().invoke(
        main, ["users", "add", "dewi", "--role", "staf_iidc", *args, "--password-stdin"],
        input=password + "\n")
    assert result.exit_code == 1 and result.output == f"Error: {message}\n"
    with app.app_context():
        assert db.session.query(User).filter_by(username="dewi").count() == 0


def test_worker_once_counts_every_job_it_ran(app: Flask) -> None:
    """Notifications run as a batch in one transaction; each counts."""
    with app.app_context():
        now = datetime.now(UTC)
        db.session.add_all(Job(kind="notify", status="pending", attempts=0, payload={},
                               task_id=f"hilang-{n}", run_after=now, created_at=now)
                           for n in range(5))
        db.session.commit()
    result = app.test_cli_runner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 0 and result.output == "5 pekerjaan dijalankan.\n"
    with app.app_context():
        assert {j.status for j in db.session.query(Job)} == {"failed"}  # no such task


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_stops_cleanly_on_a_signal(tmp_path: Path, signum: int) -> None:
    env = {**os.environ, "ALUR_DATABASE_URL": f"sqlite:///{tmp_path / 'alur.db'}",
           "ALUR_SECRET_KEY": "x", "ALUR_WORKER_POLL_S": "0.1"}
    subprocess.run([str(ALUR), "db", "upgrade"], env=env, check=True, capture_output=True,
                   timeout=CLI_TIMEOUT_S)
    worker = subprocess.Popen([str(ALUR), "worker"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert worker.stdout is not None
        assert "berjalan" in worker.stdout.readline()  # the signal handlers are in place
        worker.send_signal(signum)
        out, err = worker.communicate(timeout=START_TIMEOUT_S)
    finally:
        worker.kill()
    assert worker.returncode == 0, err
    assert "Worker berhenti; 0 pekerjaan dijalankan." in out
    assert "Traceback" not in err


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'baru.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade"],
                                env={"ALUR_DATABASE_URL": url, "ALUR_SECRET_KEY": "x"})
    assert result.exit_code == 0, result.output
    database = make_engine(url)
    with database.begin() as conn:  # a writer open: the -wal and -shm files exist
        conn.execute(text("CREATE TABLE coba (x INTEGER)"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("baru.db*")}
    database.dispose()
    assert modes == {"baru.db": 0o600, "baru.db-wal": 0o600, "baru.db-shm": 0o600}
