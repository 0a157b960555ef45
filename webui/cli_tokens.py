"""``alur users token NAME [--days N]``, ``alur users tokens NAME`` and
``alur users revoke NAME (TOKEN_ID | --all)``: API tokens are issued with an expiry,
listed without their secret, and revoked. Registered on the ``users`` group of
``webui.cli``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext

from engine import tokens, users
from webui.cli import transaction, users_group
from webui.cli_args import WHOLE_NUMBER
from webui.extensions import utcnow
from webui.templating import WIB

STATES = {"active": "aktif", "expired": "kedaluwarsa", "revoked": "dicabut"}


@users_group.command("token")
@click.argument("name")
@click.option("--days", type=click.IntRange(min=0, max=3650), default=90, show_default=True,
              help="Days the token is valid; 0: until revoked.")
@with_appcontext
def users_token(name: str, days: int) -> None:
    """Print a new API token for NAME (shown once)."""
    lifetime = timedelta(days=days) if days else None
    with transaction() as session:
        token = users.issue_token(session, users.get_user(session, name), utcnow(), lifetime)
    click.echo(token)


def _when(value: datetime | None) -> str:
    return value.astimezone(WIB).strftime("%Y-%m-%d %H:%M") if value else "-"


@users_group.command("tokens")
@click.argument("name")
@with_appcontext
def users_tokens(name: str) -> None:
    """List NAME's API tokens: id, state, created, expires, last used (WIB)."""
    now = utcnow()
    with transaction() as session:
        views = users.token_views(session, users.get_user(session, name))
    if not views:
        click.echo(f"{name} tidak memiliki token API.")
        return
    click.echo(f"{'id':>5}  {'status':<12} {'dibuat':<16}  {'berlaku s.d.':<16}  terakhir dipakai")
    for v in views:
        click.echo(f"{v.token_id:>5}  {STATES[v.state(now)]:<12} {_when(v.created_at):<16}  "
                   f"{_when(v.expires_at):<16}  {_when(v.last_used_at)}")


@users_group.command("revoke")
@click.argument("name")
@click.argument("token_id", type=WHOLE_NUMBER, required=False)
@click.option("--all", "every", is_flag=True, help="Revoke every token of NAME.")
@with_appcontext
def users_revoke(name: str, token_id: int | None, every: bool) -> None:
    """Revoke one API token of NAME (its id from ``alur users tokens``), or --all."""
    if (token_id is None) == (not every):
        raise click.UsageError("Sebutkan satu TOKEN_ID atau --all.")
    with transaction() as session:
        count = tokens.revoke_tokens(session, users.get_user(session, name), token_id)
    click.echo(f"{count} token milik {name} dicabut.")
