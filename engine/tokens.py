"""API tokens: issued once (only the SHA-256 is stored), valid for a lifetime (90 days
unless asked otherwise), listed without the secret, revoked one by one or all at once;
``last_used_at`` is noted (to the minute, not a write on every call). Imports no web layer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.forms import N_
from engine.models import ApiToken, User

TOKEN_LIFETIME = timedelta(days=90)
_LAST_USED_GRANULARITY = timedelta(minutes=1)  # not a write on every API call


def issue_token(session: Session, user: User, now: datetime,
                lifetime: timedelta | None = TOKEN_LIFETIME) -> str:
    """Create an API token valid for ``lifetime`` (None: until revoked); only its hash is
    stored, so this is the one time it is shown."""
    token = "alur_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    expires = now + lifetime if lifetime is not None else None
    session.add(ApiToken(user_id=user.id, token_sha256=digest, created_at=now,
                         expires_at=expires))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user of a valid (not revoked, not expired) token; notes when it was used."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == digest, ApiToken.revoked.is_(False))
    )
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_GRANULARITY:
        row.last_used_at = now
    return user


@dataclass(frozen=True)
class TokenView:
    """An API token as the admin page and ``alur users tokens`` show it (never the token)."""

    token_id: int
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    def state(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def token_views(session: Session, user: User) -> list[TokenView]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [TokenView(r.id, r.created_at, r.expires_at, r.last_used_at, r.revoked) for r in rows]


def revoke_tokens(session: Session, user: User, token_id: int | None = None) -> int:
    """Revoke one of ``user``'s tokens (or all with ``token_id=None``); how many were live."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    rows = list(session.scalars(stmt))
    if token_id is not None and not rows:
        raise NotFound(N_("Token %(token)s milik %(name)s tidak ditemukan atau sudah dicabut."),
                       token=token_id, name=user.username)
    for row in rows:
        row.revoked = True
    session.flush()
    return len(rows)


