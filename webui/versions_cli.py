"""The process owner's commands: ``alur deploy --dry-run`` output, and ``alur migrate``.

The texts are Indonesian like the rest of the ``alur`` command; the change labels are the
engine's (``engine.versiondiff.KIND_LABELS``), the ones the preview page shows.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from engine import packfiles
from engine.deploy import Preview
from engine.migration import MigrationCheck
from engine.users import Actor
from engine.versiondiff import KIND_LABELS, Change
from webui.cli_args import WHOLE_NUMBER
from webui.extensions import engine, utcnow

#: The command line acts as the process owner (it runs on the server, as its operator).
CLI_ACTOR = Actor(0, "cli", "Baris perintah", frozenset({"admin"}))


def _change_line(change: Change) -> str:
    label = KIND_LABELS.get(change.kind, change.kind)
    where = change.element if change.name == change.element else f"{change.name} ({change.element})"
    values = ""
    if change.before is not None or change.after is not None:
        values = f": {change.before or '–'} → {change.after or '–'}"
    return f"  - {label}: {where}{values}"


def preview_text(preview: Preview) -> str:
    """What ``alur deploy --dry-run`` prints for one valid file."""
    c = preview.compiled
    head = f"{c.filename}: valid ({c.process_id}, sha256 {c.sha256[:12]})"
    if preview.same_as is not None:
        state = "aktif" if preview.same_as.active else "tidak aktif"
        same = preview.same_as.version
        return f"{head}\n  sama dengan versi {same} ({state}); tidak ada versi baru"
    if preview.active is None:
        return f"{head}\n  belum ada versi; akan menjadi versi 1"
    lines = [f"{head}\n  dibanding versi aktif {preview.active.version}:"]
    changes = [_change_line(ch) for ch in preview.diff.changes]
    lines += changes or ["  (tidak ada perbedaan langkah)"]
    return "\n".join(lines)


def dry_run(session: Session, files: tuple[Path, ...], processes_dir: Path) -> list[str]:
    paths = list(files) or sorted(processes_dir.glob("*.bpmn"))
    return [preview_text(engine().preview(session, packfiles.from_folder(p))) for p in paths]


def _check_line(check: MigrationCheck) -> str:
    what = f"{check.instance_id} ({check.kegiatan or '–'}, {check.current_step or '–'})"
    if check.migrated:
        return f"  dipindahkan: {what}"
    if check.ok:
        return f"  dapat dipindahkan: {what}"
    return f"  ditolak: {what}: " + "; ".join(str(r) for r in check.reasons)


@click.command("migrate")
@click.option("--from-version", "source", type=WHOLE_NUMBER, required=True)
@click.option("--to-version", "target", type=WHOLE_NUMBER, required=True)
@click.option("--instance", "ids", multiple=True, help="Only these requests (repeat).")
@click.option("--process", "process_id", help="Default: the active process.")
@click.option("--dry-run", is_flag=True, help="Check only; change nothing.")
@with_appcontext
def migrate_command(source: int, target: int, ids: tuple[str, ...], process_id: str | None,
                    dry_run: bool) -> None:
    """Move waiting requests from one process version to another."""
    from engine import store
    from webui.cli import transaction

    with transaction() as session:
        pid = process_id or store.active_version(session).process_id
        if dry_run:
            checks = engine().migration_check(session, pid, source, target, CLI_ACTOR,
                                              ids=ids or None)
        else:
            checks = engine().migrate(session, pid, source, target, CLI_ACTOR, utcnow(),
                                      ids=ids or None)
    moved = sum(c.migrated for c in checks)
    refused = sum(not c.ok for c in checks)
    for check in checks:
        click.echo(_check_line(check))
    click.echo(f"{len(checks)} permintaan versi {source}: {moved} dipindahkan ke versi "
               f"{target}, {refused} ditolak.")
    if refused and ids:
        raise SystemExit(1)
