"""``alur db backup FILE`` and ``alur db restore FILE [--force]``: the whole database
copied out and back through ``engine.backup`` (SQLite's online backup API, or
``pg_dump``/``pg_restore`` on PostgreSQL). Registered on the ``db`` group of
``webui.cli``. The upload folder is not in the copy: see docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine import backup
from webui.cli import db_group
from webui.extensions import db


def _database_url() -> str:
    return str(db.engine.url.render_as_string(hide_password=False))


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(file: Path) -> None:
    """Copy the whole database into the new FILE (0600), safe while Alur runs."""
    try:
        backup.backup(_database_url(), file)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Cadangan basis data ditulis ke {file} ({file.stat().st_size} byte).")
    click.echo(f"Salin juga folder unggahan {current_app.config['UPLOAD_DIR']} "
               "(lihat docs/operations.md).")


@db_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that already holds data.")
@with_appcontext
def db_restore(file: Path, force: bool) -> None:
    """Restore the database from FILE made by `alur db backup`; stop Alur first."""
    db.engine.dispose()  # no connection of ours holds the file during the copy
    try:
        backup.restore(_database_url(), file, force=force)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Basis data dipulihkan dari {file}. Jalankan `alur db upgrade`, lalu "
               "`alur audit verify` untuk memeriksa rantai audit.")
