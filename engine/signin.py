"""Signing in with a password, throttled: after ``max_failures`` failed attempts for one
username, or from one address, within ``window``, further attempts are refused (nothing is
checked, not even a right password) until the oldest of those failures leaves the window.

The count lives in the database, as audit events (``sign_in_failed``; ``signed_in`` for
a success), not in the web process's memory: every process serving the site (several
WSGI workers, ``alur run`` after a restart) sees the same count, so more processes do not
mean more guesses, and the admin has the attempts on record with their address. A success
starts a username's count again; an address's count never is (signing in to one's own
account must not buy more guesses at someone else's). The refusal reads the same whether
the username exists or not.

Counting and recording are one step: on PostgreSQL each attempt first takes a transaction
advisory lock per username and per address (held until the caller commits), so parallel
guesses queue up instead of all reading the same count; SQLite's ``BEGIN IMMEDIATE``
already serialises them. The signing password (``engine.signature``) is throttled and
recorded with the same functions. Imports no web layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from engine import audit, store, users
from engine.errors import EngineError
from engine.forms import N_
from engine.models import Event, User

FAILED = "sign_in_failed"
SUCCEEDED = "signed_in"


@dataclass(frozen=True)
class SignInPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


SIGN_IN_REFUSED = N_("Terlalu banyak percobaan masuk yang gagal. Demi keamanan akun, coba "
                     "lagi dalam %(minutes)d menit.")


class TooManyAttempts(EngineError):
    """Too many failed attempts for this username or from this address; ``until`` says
    when the next attempt will be considered."""

    def __init__(self, until: datetime, now: datetime, template: str = SIGN_IN_REFUSED) -> None:
        self.until = until
        self.retry_after_s = max(1, int((until - now).total_seconds() + 0.999))
        super().__init__(template, minutes=max(1, -(-self.retry_after_s // 60)))


def serialise(session: Session, *keys: str) -> None:
    """Make attempts on the same ``keys`` wait for each other until the transaction ends
    (PostgreSQL advisory locks, always taken in the same order so two never deadlock)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE holds the write lock from the first statement
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})


def attempt(
    session: Session,
    username: str,
    password: str,
    *,
    address: str | None,
    now: datetime,
    policy: SignInPolicy,
) -> User | None:
    """The active user with this name and password, or None (recorded as a failure);
    ``TooManyAttempts`` while the username or the address is refused."""
    username = username.strip()[:64]
    serialise(session, f"{FAILED}:user:{username}",
              *([f"{FAILED}:addr:{address}"] if address else []))
    until = refused_until(session, username, address, now, policy)
    if until is not None:
        raise TooManyAttempts(until, now)
    user = users.authenticate(session, username, password)
    store.add_event(session, at=now, kind=SUCCEEDED if user else FAILED, actor=username,
                    remote_addr=address)
    session.flush()
    return user


def refused_until(
    session: Session, username: str, address: str | None, now: datetime, policy: SignInPolicy
) -> datetime | None:
    """When attempts for ``username`` / from ``address`` will be considered again, or None
    when they are now."""
    since = now - policy.window
    last_success = session.scalar(
        select(func.max(Event.at)).where(audit.of_kind(SUCCEEDED), Event.actor == username,
                                         Event.at > since))
    counts = [failures(session, FAILED, Event.actor == username, last_success or since)]
    if address:
        counts.append(failures(session, FAILED, Event.remote_addr == address, since))
    return until_of(counts, now, policy)


def until_of(counts: list[list[datetime]], now: datetime, policy: SignInPolicy) -> datetime | None:
    """When the oldest failure that makes a count reach the limit leaves the window."""
    ends = [times[-policy.max_failures] + policy.window
            for times in counts if len(times) >= policy.max_failures]
    until = max(ends, default=None)
    return until if until is not None and until > now else None


def failures(
    session: Session, kind: str, whose: ColumnElement[bool], since: datetime
) -> list[datetime]:
    """When each failure of ``kind`` matching ``whose`` after ``since`` happened, in order."""
    stmt = (select(Event.at).where(audit.of_kind(kind), whose, Event.at > since)
            .order_by(Event.at))
    return list(session.scalars(stmt))
