"""The serving commands of ``alur``: ``run`` (the embedded set-up: migrate, deploy, seed
demo users, serve with the worker in a thread), ``serve`` (production: gunicorn with N
processes, ``alur worker`` processes beside it) and ``worker``. Each binds or checks
first and announces after, and stops cleanly on Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import logging
import secrets
import signal
import socket
from pathlib import Path
from types import FrameType
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from engine import users
from engine.db import make_sessionmaker
from engine.roles import book as role_book
from webui.cli import main, transaction
from webui.extensions import db, engine, utcnow
from webui.worker import WorkerLoop, WorkerThread, worker_id

PORT = click.IntRange(1, 65535)


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
            display = f"{book.labels.get(role) or role.title()} (demo)"
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
    path = demo_file(app)
    path.write_text("".join(f"{n}\t{p}\t{r}\n" for n, p, r in created))
    path.chmod(0o600)
    return created


def demo_file(app: Flask) -> Path:
    return Path(app.instance_path) / "demo-users.txt"


def _prepare(app: Flask) -> None:
    """``alur run``'s set-up: schema, processes/, demo users (printed once)."""
    from engine import migrate

    migrate.upgrade(app.config["DATABASE_URL"])
    with transaction() as session:
        for result in engine().deploy_dir(session, actor="alur run", now=utcnow()):
            click.echo(f"Proses {result.version.process_id} v{result.version.version} aktif.")
    demo = seed_demo_users(app)
    if demo:
        click.echo("\n*** PENGGUNA DEMO (hanya untuk mencoba; jangan dipakai di produksi) ***")
        for name, password, roles in demo:
            click.echo(f"  {name:<10} sandi: {password:<14} peran: {roles}")
        click.echo(f"  (disimpan di {demo_file(app)})\n")


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or the one-line reason why not."""
    listener = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as err:
        if listener is not None:
            listener.close()
        raise click.ClickException(
            f"tidak dapat melayani di {host}:{port} ({err.strerror}); pilih --port lain "
            "atau hentikan program yang memakainya"
        ) from None
    return listener


def _interrupt_on_sigterm() -> None:
    """SIGTERM (a service manager stopping us) ends like Ctrl+C."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=PORT)
@with_appcontext
def run(host: str, port: int) -> None:
    """Upgrade the database, deploy processes/, seed demo users, serve with the worker."""
    from werkzeug.serving import make_server

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    listener = _bind(host, port)  # before anything is announced
    server = make_server(host, port, app, threaded=True, fd=listener.fileno())
    listener.close()  # the server holds its own copy of the socket
    _prepare(app)
    worker = WorkerThread(engine(), db.engine, float(app.config["WORKER_POLL_S"]))
    if app.config["WORKER"] == "thread":
        worker.start()
    _interrupt_on_sigterm()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # alur.request logs each request
    click.echo(f"Alur melayani di http://{host}:{server.port}/ (Ctrl+C untuk berhenti)")
    try:
        server.serve_forever()  # returns on Ctrl+C, having closed the socket
    finally:
        if worker.is_alive():
            worker.stop()
        note = f" Sandi pengguna demo ada di {demo_file(app)}." if demo_file(app).exists() else ""
        click.echo(f"Alur berhenti.{note}")


@main.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs, then exit.")
@with_appcontext
def worker(once: bool) -> None:
    """Run outbox jobs (service tasks, notifications, mail) until Ctrl+C or SIGTERM."""
    if once:
        done = engine().run_jobs(make_sessionmaker(db.engine), utcnow, worker_id=worker_id())
        click.echo(f"{done} pekerjaan dijalankan.")
        return
    loop = WorkerLoop(engine(), db.engine, float(current_app.config["WORKER_POLL_S"]),
                      worker_id())

    def stop(signum: int, frame: FrameType | None) -> None:
        if loop.stopping.is_set():  # asked twice: go now; the lease frees the job soon
            raise SystemExit(1)
        click.echo("Berhenti setelah pekerjaan yang sedang berjalan selesai…", err=True)
        loop.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Worker {loop.name} berjalan; Ctrl+C untuk berhenti.")
    loop.run()
    click.echo(f"Worker berhenti; {loop.ran} pekerjaan dijalankan.")


@main.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True,
              help="HOST:PORT for gunicorn (a reverse proxy in front).")
@click.option("--workers", "processes", default=2, show_default=True,
              type=click.IntRange(1, 64), help="Web processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per web process.")
@with_appcontext
def serve(bind: str, processes: int, threads: int) -> None:
    """Production: serve the app on gunicorn (run `alur worker` processes beside it)."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        raise click.ClickException(
            "gunicorn belum terpasang; pasang dengan: pip install 'alur[prod]'") from None
    from webui import create_app

    class Gunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn with its settings from here; each web process builds its own app."""

        def load_config(self) -> None:
            # No control socket: Alur does not use it, and gunicorn 27 puts it at one
            # path per user (~/.gunicorn/gunicorn.ctl), shared by every server of that user.
            options: dict[str, Any] = {"bind": bind, "workers": processes, "threads": threads,
                                       "worker_class": "gthread", "accesslog": None,
                                       "graceful_timeout": 30, "timeout": 60,
                                       "control_socket_disable": True}
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app()

    Gunicorn().run()  # gunicorn says "Listening at" once bound, or why it could not
