"""The ``alur`` command: a click group whose commands run inside the app built by
``create_app`` (Flask's ``ScriptInfo``, without Flask's own ``--app``/``--env-file``/
``--debug`` options). User and configuration mistakes, and a database that cannot be
reached, end with a one-line message on stderr and exit code 1, never a traceback.
``run``, ``serve`` and ``worker`` live in ``webui.cli_serve``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from engine import migrate, packfiles, users
from engine.db import make_sessionmaker
from engine.errors import DefinitionError, EngineError
from engine.input_text import is_broken, shown
from webui import create_app, versions_cli
from webui.config_check import ConfigError
from webui.extensions import db, engine, utcnow
from webui.record import audit_group
from webui.reports.cli import report_group


@contextmanager
def transaction() -> Iterator[Session]:
    """A session for one command; user mistakes become ``click.ClickException``."""
    session = make_sessionmaker(db.engine)()
    try:
        yield session
        session.commit()
    except DefinitionError as err:
        session.rollback()
        raise click.ClickException(_definition_message(err)) from None
    except EngineError as err:
        session.rollback()
        raise click.ClickException(str(err)) from None
    finally:
        session.close()


def _definition_message(err: DefinitionError) -> str:
    return f"{err.filename} ditolak:\n" + "\n".join(f"  - {p}" for p in err.problems)


def load_app() -> Flask:
    """The app for a command; a configuration mistake becomes its one-line message."""
    try:
        return create_app()
    except ConfigError as err:
        raise click.ClickException(str(err)) from None


class AlurGroup(click.Group):
    """Commands run with the app; a database that cannot be reached is one line too, and
    so is an argument that is no text (below)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Every argument of every subcommand passes here first. Bytes that are not UTF-8
        reach Python as lone surrogates (``surrogateescape``), which no database, page or
        terminal can hold; a NUL (only a caller in Python can pass one) PostgreSQL refuses.
        Either is refused before any command runs, so nothing is half done."""
        for arg in args:
            if "\x00" in arg or is_broken(arg):
                raise click.ClickException(
                    f"argumen '{shown(arg)}' bukan teks yang sah (byte bukan UTF-8 atau NUL); "
                    "ketik ulang tanpa karakter itu")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as err:
            raise click.ClickException(
                f"basis data tidak dapat dihubungi ({type(err.orig).__name__}); periksa "
                "ALUR_DATABASE_URL dan apakah server basis data berjalan"
            ) from None


@click.group(cls=AlurGroup)
@click.version_option(metadata.version("alur"), prog_name="alur", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Alur: Standard Operating Procedures as executable BPMN."""
    if ctx.obj is None:  # the test runner brings its own ScriptInfo
        ctx.obj = ScriptInfo(create_app=load_app, set_debug_flag=False)


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply all Alembic migrations."""

    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Skema basis data mutakhir.")


@main.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def validate(file: Path) -> None:
    """Check a BPMN file with the forms beside it (its folder and forms/), deploying nothing."""
    try:
        compiled = engine().compile_pack(packfiles.from_folder(file))
    except DefinitionError as err:
        raise click.ClickException(_definition_message(err)) from None
    click.echo(f"{file.name}: valid ({compiled.process_id}, sha256 {compiled.sha256[:12]})")


@main.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="Print the validation report or the changes against the active version.")
@with_appcontext
def deploy(files: tuple[Path, ...], dry_run: bool) -> None:
    """Deploy BPMN files with the forms beside them (default: every file in processes/)."""
    with transaction() as session:
        if dry_run:
            processes_dir = Path(current_app.config["PROCESSES_DIR"])
            for text in versions_cli.dry_run(session, files, processes_dir):
                click.echo(text)
            session.rollback()
            return
        results = engine().deploy_dir(session, actor="cli", now=utcnow(), files=files or None)
    for result in results:
        v = result.version
        state = ("versi baru" if result.created else
                 "diaktifkan lagi" if result.reactivated else "tidak berubah")
        click.echo(f"{v.process_id} v{v.version} ({state}, sha256 {v.sha256[:12]})")


@main.group("users")
def users_group() -> None:
    """Users, roles and API tokens."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="Repeat for several roles: auditor, admin, or a role a deployed process's lane "
    "declares.",
)
@click.option("--email")
@click.option("--display-name")
@click.option("--nip", help="Civil servant number (18 digits), printed under a signature.")
@click.option("--jabatan", help="Position, printed under a signature.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_add(
    name: str,
    roles: tuple[str, ...],
    email: str | None,
    display_name: str | None,
    nip: str | None,
    jabatan: str | None,
    password_stdin: bool,
) -> None:
    """Create a user with one or more roles."""
    password = _stdin_line() if password_stdin else None
    with transaction() as session:
        if password is not None:
            users.check_new_password(password)  # the web form's rules, not a copy
        users.add_user(
            session,
            name,
            roles=roles,
            now=utcnow(),
            email=email,
            display_name=display_name,
            password=password,
            nip=nip,
            jabatan=jabatan,
        )
    click.echo(f"Pengguna {name} dibuat ({', '.join(roles)}).")


def _stdin_line() -> str:
    """One line of standard input, the password rules' to judge (bytes that are not UTF-8
    arrive as lone surrogates or, with a strict decoder, as this message)."""
    try:
        return sys.stdin.readline().rstrip("\r\n")
    except UnicodeDecodeError:
        raise click.ClickException("masukan standar bukan teks UTF-8 yang sah") from None


main.add_command(report_group)
main.add_command(versions_cli.migrate_command)
main.add_command(audit_group)

# Registered by import: ``run``, ``serve`` and ``worker``; ``users token/tokens/revoke``;
# ``db backup/restore``.
from webui import cli_backup, cli_serve, cli_tokens  # noqa: E402

__all__ = ["cli_backup", "cli_serve", "cli_tokens", "main", "transaction", "users_group"]
