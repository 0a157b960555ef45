"""The official record of a request: ``/permintaan/<id>/rekaman.json`` (auditors and
admins download one request's whole record, ``engine.dossier``) and the ``alur audit``
commands (``verify`` walks the audit chain and stops at the first broken link, exit 1;
``export ID`` prints the record). Times in the document are ISO-8601 in WIB.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Blueprint, Response
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue

from engine.db import make_sessionmaker, make_snapshot_engine
from engine.errors import EngineError
from engine.users import Actor
from webui.api.payload import jsonable
from webui.auth import current_actor, roles_required
from webui.extensions import db, db_session, engine, utcnow

bp = Blueprint("record", __name__)
#: Who runs ``alur`` on the server holds the database already: the command reads as an admin.
CLI_ACTOR = Actor(0, "cli", "Baris perintah", frozenset({"admin"}))


def _document(record: dict[str, object]) -> str:
    return json.dumps(jsonable(record), ensure_ascii=False, indent=2, sort_keys=False)


@bp.get("/permintaan/<instance_id>/rekaman.json")
@roles_required("auditor", "admin")
def download(instance_id: str) -> ResponseReturnValue:
    record = engine().record(db_session(), instance_id[:64], current_actor(), utcnow())
    filename = f"rekaman-{record['instance']['number']}.json"
    return Response(_document(record), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (read-only)."""


@audit_group.command("verify")
@with_appcontext
def verify() -> None:
    """Walk the audit chain and the step records; exit 1 at the first broken link."""
    reader = make_snapshot_engine(db.engine.url.render_as_string(hide_password=False))
    try:
        with make_sessionmaker(reader)() as session:  # one snapshot, writers go on
            verdict = engine().verify_audit(session)
    finally:
        reader.dispose()
    if verdict.broken is not None:
        where = f"event #{verdict.broken.seq}" if verdict.broken.seq is not None \
            else "catatan langkah"
        click.echo(f"RUSAK pada {where}: {verdict.broken.problem}", err=True)
        click.echo(f"Bagian yang utuh: {verdict.events} event, sampai #{verdict.head_seq} "
                   f"{verdict.head_hash}", err=True)
        raise SystemExit(1)
    click.echo(f"Utuh: {verdict.events} event, {verdict.records} catatan langkah selesai.")
    click.echo(f"Ujung rantai: #{verdict.head_seq} {verdict.head_hash}")
    click.echo("Catat ujung ini di luar basis data untuk membandingkannya nanti.")


@audit_group.command("export")
@click.argument("instance_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@with_appcontext
def export(instance_id: str, output: Path | None) -> None:
    """Print the whole record of request INSTANCE_ID as JSON."""
    with make_sessionmaker(db.engine)() as session:
        try:
            record = engine().record(session, instance_id, CLI_ACTOR, utcnow())
        except EngineError as err:
            raise click.ClickException(str(err)) from None
    text = _document(record)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Rekaman ditulis ke {output}.")
