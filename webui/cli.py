"""The ``alur`` command: a Flask CLI group. User mistakes end with a one-line message on
stderr and exit code 1, never a traceback."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.orm import Session

from engine import migrate, packfiles, users
from engine.db import make_sessionmaker
from engine.errors import DefinitionError, EngineError
from engine.roles import book as role_book
from webui import create_app, versions_cli
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


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def main() -> None:
    """Alur: Standard Operating Procedures as executable BPMN."""


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
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("Kata sandi kosong.")
    with transaction() as session:
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


@main.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs, then exit.")
@with_appcontext
def worker(once: bool) -> None:
    """Run outbox jobs (service tasks, notifications, mail)."""
    from webui.worker import WorkerThread

    if once:
        done = engine().run_jobs(make_sessionmaker(db.engine), utcnow)
        click.echo(f"{done} pekerjaan dijalankan.")
        return
    thread = WorkerThread(engine(), db.engine, float(current_app.config["WORKER_POLL_S"]))
    click.echo("Worker berjalan; Ctrl+C untuk berhenti.")
    try:
        thread.run()
    except KeyboardInterrupt:
        thread.stop()


def seed_demo_users(app: Flask) -> list[tuple[str, str, str]]:
    """On an empty database, one demo user per role (the deployed packs' lane roles,
    auditor, admin), named after the role; returns (name, password, roles)."""
    created = []
    with transaction() as session:
        if users.list_users(session):
            return []
        book = role_book(session)
        for role in book.known:
            name, roles = role, [role]
            label = str(book.labels.get(role) or role.title())
            display = f"{label} (demo)"
            password = secrets.token_urlsafe(9)
            users.add_user(
                session,
                name,
                roles=roles,
                now=utcnow(),
                display_name=display,
                email=f"{name}@demo.alur.local",
                password=password,
            )
            created.append((name, password, ", ".join(roles)))
    path = Path(app.instance_path) / "demo-users.txt"
    path.write_text("".join(f"{n}\t{p}\t{r}\n" for n, p, r in created))
    path.chmod(0o600)
    return created


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run(host: str, port: int) -> None:
    """Upgrade the database, deploy processes/, seed demo users, serve with the worker."""
    from werkzeug.serving import run_simple

    from webui.worker import WorkerThread

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    migrate.upgrade(app.config["DATABASE_URL"])
    with transaction() as session:
        for result in engine().deploy_dir(session, actor="alur run", now=utcnow()):
            click.echo(f"Proses {result.version.process_id} v{result.version.version} aktif.")
    demo = seed_demo_users(app)
    if demo:
        click.echo("\n*** PENGGUNA DEMO (hanya untuk mencoba; jangan dipakai di produksi) ***")
        for name, password, roles in demo:
            click.echo(f"  {name:<10} sandi: {password:<14} peran: {roles}")
        click.echo(f"  (disimpan di {Path(app.instance_path) / 'demo-users.txt'})\n")
    if app.config["WORKER"] == "thread":
        WorkerThread(engine(), db.engine, float(app.config["WORKER_POLL_S"])).start()
    click.echo(f"Alur melayani di http://{host}:{port}/")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


main.add_command(report_group)
main.add_command(versions_cli.migrate_command)
main.add_command(audit_group)

from webui import cli_tokens  # noqa: E402  (registers ``users token/tokens/revoke``)

__all__ = ["cli_tokens", "main", "transaction", "users_group"]
