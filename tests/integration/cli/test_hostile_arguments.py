"""Attack replay for the ``alur`` command: arguments holding bytes that are not UTF-8
(Python keeps them as lone surrogates, ``surrogateescape``), a password on standard input
that is no text, numbers beyond a database ``INTEGER``. Each once ended in a traceback from
the database driver (or wrote a user or a backup first); now each is one line naming what
is wrong, a non-zero exit and nothing written. A real argv goes through the operating
system's decoding in real subprocesses (one of each kind); the other arguments are handed
to the command in the process, as Python decodes them (``os.fsdecode``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from engine import users
from tests.support.journey import PROCESSES
from tests.support.live import ALUR, CLI_TIMEOUT_S
from webui.cli import main
from webui.extensions import db

BAD = b"ab\xff"  # what a Latin-1 terminal sends for "abÿ"
HUGE = b"99999999999999999999999"


def alur(app: Flask, *args: bytes, stdin: bytes = b"",
         **env: str) -> subprocess.CompletedProcess[bytes]:
    environ = {**os.environ, "ALUR_DATABASE_URL": app.config["DATABASE_URL"],
               "ALUR_SECRET_KEY": "x", "ALUR_WORKER": "off",
               "ALUR_UPLOAD_DIR": app.config["UPLOAD_DIR"], **env}
    return subprocess.run([os.fsencode(ALUR), *args], input=stdin, capture_output=True,
                          env=environ, timeout=CLI_TIMEOUT_S, check=False)


def run(app: Flask, *args: bytes) -> Result:
    """``alur`` in this process, its arguments as Python decodes a real argv."""
    return app.test_cli_runner().invoke(main, [os.fsdecode(a) for a in args])


def said(result: Result) -> str:
    """What a command run in the process said: one line, no exception escaped."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("Usage:"), result.output
    return lines[-1]


def one_line(done: subprocess.CompletedProcess[bytes]) -> str:
    err = done.stderr.decode("utf-8")  # the message itself is valid UTF-8
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("Usage:"), err
    return lines[-1]


def usernames(app: Flask) -> set[str]:
    with app.app_context():
        names = {u.username for u in users.user_views(db.session)}
        db.session.remove()
        return names


ARGUMENTS = [
    [b"users", b"add", BAD, b"--role", b"pemohon"],
    [b"users", b"add", b"budi", b"--role", BAD],
    [b"users", b"add", b"budi", b"--role", b"pemohon", b"--email", b"budi" + BAD + b"@uji.go.id"],
    [b"users", b"add", b"budi", b"--role", b"pemohon", b"--display-name", b"Budi " + BAD],
    [b"users", b"add", b"budi", b"--role", b"pemohon", b"--nip", BAD],
    [b"users", b"add", b"budi", b"--role", b"pemohon", b"--jabatan", b"Kepala " + BAD],
    [b"users", b"token", BAD],
    [b"users", b"tokens", BAD],
    [b"users", b"revoke", BAD, b"1"],
    [b"report", b"durations", b"--instansi", b"Dinas " + BAD],
    [b"migrate", b"--from-version", b"1", b"--to-version", b"2", b"--process", BAD],
    [b"audit", b"export", BAD],
]


@pytest.mark.parametrize("args", ARGUMENTS, ids=lambda a: b" ".join(a[:3]).decode("latin-1"))
def test_an_argument_that_is_not_utf_8_is_one_line_and_nothing_is_written(
    app: Flask, args: list[bytes]
) -> None:
    before = usernames(app)
    result = run(app, *args)
    assert result.exit_code == 1
    shown = next(a for a in args if BAD in a).replace(BAD, b"ab\\xff").decode()
    assert said(result) == (f"Error: argumen '{shown}' bukan teks yang sah (byte bukan UTF-8 "
                            "atau NUL); ketik ulang tanpa karakter itu")
    assert usernames(app) == before


def test_a_real_argv_that_is_not_utf_8_is_refused_the_same(app: Flask) -> None:
    done = alur(app, b"users", b"add", BAD, b"--role", b"pemohon")
    assert done.returncode == 1
    assert one_line(done) == ("Error: argumen 'ab\\xff' bukan teks yang sah (byte bukan UTF-8 "
                              "atau NUL); ketik ulang tanpa karakter itu")
    assert "ab\udcff" not in usernames(app)


def test_a_backup_or_deploy_to_a_path_that_is_not_utf_8_writes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    target = os.fsencode(tmp_path) + b"/cadangan-" + BAD + b".db"
    done = alur(app, b"db", b"backup", target)
    assert done.returncode == 1 and "bukan teks yang sah" in one_line(done)
    assert list(tmp_path.glob("cadangan-*")) == []
    bpmn = os.fsencode(tmp_path) + b"/proses-" + BAD + b".bpmn"
    Path(os.fsdecode(bpmn)).write_bytes(b"<x/>")
    done = alur(app, b"deploy", bpmn)
    assert done.returncode == 1 and "bukan teks yang sah" in one_line(done)


def test_a_processes_folder_holding_a_file_name_that_is_not_utf_8_is_refused_by_name(
    app: Flask, tmp_path: Path
) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(PROCESSES, folder)
    sop = next(folder.glob("*.bpmn"))
    os.rename(sop, os.fsencode(folder) + b"/sop-" + BAD + b".bpmn")
    done = alur(app, b"deploy", ALUR_PROCESSES_DIR=str(folder))
    assert done.returncode == 1
    assert "sop-ab\\xff.bpmn ditolak" in done.stderr.decode()
    assert "nama berkas memuat byte yang bukan UTF-8" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize(("password", "message"), [
    (b"sandi-" + BAD + b"-panjang\n", "Unicode rusak"),
    (b"sandi-\x00-panjang\n", "karakter kendali"),
    (b"sandi-\x1b[31m-panjang\n", "karakter kendali"),
])
def test_a_password_on_stdin_that_is_no_text_creates_no_user(
    app: Flask, password: bytes, message: str
) -> None:
    done = alur(app, b"users", b"add", b"budi", b"--role", b"pemohon", b"--password-stdin",
                stdin=password)
    assert done.returncode == 1 and message in one_line(done)
    assert "budi" not in usernames(app)


def test_a_strictly_decoded_stdin_that_is_not_utf_8_is_one_line(app: Flask) -> None:
    done = alur(app, b"users", b"add", b"budi", b"--role", b"pemohon", b"--password-stdin",
                stdin=b"sandi-" + BAD + b"-panjang\n", PYTHONIOENCODING="utf-8:strict")
    assert done.returncode == 1
    assert one_line(done) == "Error: masukan standar bukan teks UTF-8 yang sah"
    assert "budi" not in usernames(app)


@pytest.mark.parametrize(("args", "message"), [
    ([b"--display-name", b"Budi\r\nBcc: semua@evil.example"], "hanya satu baris"),
    ([b"--display-name", b"x" * 201], "maksimal 200 karakter"),
    ([b"--jabatan", b"Kepala\nBagian"], "hanya satu baris"),
    ([b"--jabatan", b"j" * 201], "Jabatan maksimal 200 karakter"),  # not cut to 200
    ([b"--email", b"budi\x01@uji.go.id"], "Alamat email tidak valid"),
    ([b"--nip", "１９８７０１０１２０１００１２００１".encode()], "NIP harus 18 angka"),
])
def test_text_that_is_not_one_line_is_refused_by_its_field(
    app: Flask, args: list[bytes], message: str
) -> None:
    result = run(app, b"users", b"add", b"budi", b"--role", b"pemohon", *args)
    assert result.exit_code == 1 and message in said(result)
    assert "budi" not in usernames(app)


@pytest.mark.parametrize("args", [
    [b"migrate", b"--from-version", b"1", b"--to-version", HUGE],
    [b"migrate", b"--from-version", "²".encode(), b"--to-version", b"1"],
    [b"users", b"revoke", b"pemohon", HUGE],
    [b"report", b"durations", b"--version", HUGE],
])
def test_a_number_beyond_an_integer_is_a_usage_error(app: Flask, args: list[bytes]) -> None:
    result = run(app, *args)
    assert result.exit_code == 2
    assert "bukan bilangan bulat 0–2147483647" in said(result)


def test_a_nul_from_a_python_caller_is_refused_too(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["users", "add", "bu\x00di", "--role",
                                                 "pemohon"])
    assert result.exit_code == 1
    assert "argumen 'bu\\x00di' bukan teks yang sah" in result.output
