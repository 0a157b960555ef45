"""Configuration as the operator gives it: the defaults that matter, and every mistake a
one-line message naming the variable, what is wrong and how to fix it (exit code 1)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine import passwords, users
from tests.conftest import CHEAP_HASHING
from tests.support.live import ALUR, CLI_TIMEOUT_S, free_port
from webui import create_app
from webui.cli import main


@pytest.fixture
def cost() -> Iterator[None]:
    yield
    passwords.configure(CHEAP_HASHING)  # what tests/conftest.py set for the session


def test_the_app_hashes_at_the_standard_cost_unless_told(cost: None, tmp_path: Path) -> None:
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "SECRET_KEY": "x",
                "PASSWORD_HASHING": passwords.DEFAULT})
    assert users.hash_password("rahasia").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def alur(tmp_path: Path, *args: str, **env: str) -> Result:
    """``alur`` in-process with the operator's environment (configuration read from it)."""
    base = {"ALUR_DATABASE_URL": f"sqlite:///{tmp_path / 'alur.db'}", "ALUR_SECRET_KEY": "x",
            "ALUR_WORKER": "off"}
    return CliRunner().invoke(main, list(args), env={**base, **env})


MISTAKES = [
    ({"ALUR_OFFICE_HOURS": "garbage"}, "ALUR_OFFICE_HOURS: 'garbage' tidak terbaca"),
    ({"ALUR_HOLIDAYS": "17-08-2025"}, "ALUR_HOLIDAYS: '17-08-2025' tidak terbaca"),
    ({"ALUR_CONFERENCE_DEFAULT": "zoom"},
     "ALUR_CONFERENCE_DEFAULT: 'zoom' tidak termasuk ALUR_CONFERENCE_PLATFORMS (jitsi)"),
    ({"ALUR_CONFERENCE_PLATFORMS": "jitsi,skype"},
     "ALUR_CONFERENCE_PLATFORMS: unknown platform(s) skype"),
    ({"ALUR_SMTP_HOST": "mail.uji", "ALUR_SMTP_PORT": "99999"}, "ALUR_SMTP_PORT: must be"),
    ({"ALUR_DATABASE_URL": "postgresql+psycopg2://alur@localhost/alur"},
     "ALUR_DATABASE_URL: PostgreSQL dipakai melalui psycopg 3"),
    ({"ALUR_DATABASE_URL": "mysql://alur@localhost/alur"}, "ALUR_DATABASE_URL: basis data"),
    ({"ALUR_JOB_LEASE_S": "lama"},
     "ALUR_JOB_LEASE_S: 'lama' bukan angka; isi angka paling kecil 1."),
    ({"ALUR_MAX_PASSES": "0"}, "ALUR_MAX_PASSES: '0' terlalu kecil; isi paling kecil 1."),
    ({"ALUR_WORKER": "process"}, "ALUR_WORKER: 'process' tidak dikenal; pilih salah satu"),
    ({"ALUR_PASSWORD_HASHING": "low"}, "ALUR_PASSWORD_HASHING: 'low' tidak terbaca"),
]


@pytest.mark.parametrize(("env", "message"), MISTAKES, ids=[m[1][:24] for m in MISTAKES])
@pytest.mark.parametrize("command", [("deploy",), ("run", "--port", "5000"), ("worker",)])
def test_a_configuration_mistake_is_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str, command: tuple[str, ...]
) -> None:
    result = alur(tmp_path, *command, **env)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith(f"Error: {message}"), result.output
    assert "Traceback" not in result.output


def test_a_sqlite_file_in_a_missing_folder_says_which_folder_to_create(tmp_path: Path) -> None:
    missing = tmp_path / "tidak" / "ada"
    result = alur(tmp_path, "db", "upgrade", ALUR_DATABASE_URL=f"sqlite:///{missing}/alur.db")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: ALUR_DATABASE_URL: folder {missing} tidak ada; buat foldernya "
        f"(mkdir -p {missing}) atau pilih path lain.")


def test_postgresql_without_psycopg_installed_says_how_to_install_it(tmp_path: Path) -> None:
    """A real interpreter where ``import psycopg`` fails, as on a machine without the
    ``postgres`` extra (a package shadowing it that cannot be imported)."""
    (tmp_path / "psycopg").mkdir()
    (tmp_path / "psycopg" / "__init__.py").write_text("raise ImportError('no psycopg')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "ALUR_SECRET_KEY": "x",
           "ALUR_DATABASE_URL": "postgresql+psycopg://alur@127.0.0.1/alur"}
    done = subprocess.run([str(ALUR), "db", "upgrade"], capture_output=True, text=True, env=env,
                          timeout=CLI_TIMEOUT_S)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: ALUR_DATABASE_URL: PostgreSQL butuh paket psycopg, yang belum terpasang; "
        "pasang dengan: pip install 'alur[postgres]'.")


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = alur(tmp_path, "db", "upgrade",
                  ALUR_DATABASE_URL=f"postgresql+psycopg://alur@127.0.0.1:{port}/alur")
    assert result.exit_code == 1
    assert result.output.startswith("Error: basis data tidak dapat dihubungi (OperationalError)")
    assert len(result.output.strip().splitlines()) == 1


def test_version_and_help_are_alurs_own(tmp_path: Path) -> None:
    version = alur(tmp_path, "--version")
    assert version.exit_code == 0 and version.output == f"alur {metadata.version('alur')}\n"
    helped = alur(tmp_path, "--help")
    assert helped.exit_code == 0 and "worker" in helped.output
    for flask_option in ("--app", "--env-file", "--debug"):
        assert flask_option not in helped.output
