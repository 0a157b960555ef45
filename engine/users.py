"""Users, roles, passwords and API tokens.

Roles have fixed slugs; three of them are BPMN lanes (a lane's ``name`` in the diagram is
matched to ``ROLE_LANES``). Passwords are hashed with the standard library's scrypt, tokens
are stored only as SHA-256. Imports no web layer: Flask-Login wraps ``Actor`` in the UI.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import EngineError, NotFound
from engine.forms import N_
from engine.models import ApiToken, User, UserRole

ROLES = ("pemohon", "staf_iidc", "subkoor_iidc", "auditor", "admin")
ROLE_LANES = {
    "pemohon": "Pemohon",
    "staf_iidc": "Staf Seksi IIDC",
    "subkoor_iidc": "Sub Koordinator Infrastruktur Internet dan Data Center",
}
# Hash schemes by the prefix stored with each hash; "scrypt-test" costs microseconds and
# exists only so a test suite can sign people in thousands of times (ALUR_PASSWORD_COST).
_SCRYPT = {"scrypt": {"n": 2**14, "r": 8, "p": 1}, "scrypt-test": {"n": 2**4, "r": 8, "p": 1}}
PASSWORD_COSTS = {"standard": "scrypt", "test": "scrypt-test"}
_scheme = ["scrypt"]


class InvalidUser(EngineError):
    """A user could not be created or changed as asked (duplicate name, unknown role)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: what the engine needs to know about a user, and nothing more."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]

    def lanes(self) -> frozenset[str]:
        return frozenset(ROLE_LANES[r] for r in self.roles if r in ROLE_LANES)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


SYSTEM = Actor(0, "sistem", "Sistem", frozenset())


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, frozenset(r.role for r in user.roles))


def set_password_cost(cost: str) -> None:
    """``standard`` (the default) or ``test``; existing hashes verify either way."""
    _scheme[0] = PASSWORD_COSTS[cost]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    scheme = _scheme[0]
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT[scheme])
    return f"{scheme}$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(user: User, password: str) -> bool:
    if not user.password_hash or not user.active:
        return False
    try:
        scheme, salt_b64, digest_b64 = user.password_hash.split("$")
        params = _SCRYPT[scheme]
    except (ValueError, KeyError):
        return False
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), dklen=32, **params)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidUser(
            N_("Peran tidak dikenal: %(unknown)s (pilihan: %(roles)s)"),
            unknown=", ".join(unknown),
            roles=", ".join(ROLES),
        )
    return roles


def add_user(
    session: Session,
    username: str,
    *,
    roles: Iterable[str],
    now: datetime,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidUser("Nama pengguna wajib diisi (maksimal 64 karakter).")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidUser(N_("Nama pengguna '%(name)s' sudah dipakai."), name=username)
    user = User(
        username=username,
        display_name=display_name or username,
        email=check_email(email),
        password_hash=hash_password(password) if password else None,
        active=True,
        created_at=now,
        roles=[UserRole(role=r) for r in _check_roles(roles)],
    )
    session.add(user)
    session.flush()
    return user


def check_email(email: str | None) -> str | None:
    """The one rule for a user's email (admin page, ``alur users add``): optional, else
    one ``@`` with a name before it and a domain with a dot after it, no spaces, at most
    254 characters."""
    email = (email or "").strip() or None
    if email is not None:
        local, _, domain = email.partition("@")
        if (len(email) > 254 or not local or "." not in domain.strip(".") or "@" in domain
                or any(c.isspace() for c in email)):
            raise InvalidUser("Alamat email tidak valid.")
    return email


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    wanted = _check_roles(roles)
    user.roles = [r for r in user.roles if r.role in wanted]
    have = {r.role for r in user.roles}
    user.roles.extend(UserRole(role=r) for r in wanted if r not in have)
    session.flush()


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("Pengguna '%(name)s' tidak ditemukan."), name=username)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def users_with_role(session: Session, role: str) -> list[User]:
    stmt = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == role, User.active.is_(True))
        .order_by(User.username)
    )
    return list(session.scalars(stmt))


def issue_token(session: Session, user: User, now: datetime) -> str:
    """Create an API token; only its hash is stored, so this is the one time it is shown."""
    token = "alur_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    session.add(ApiToken(user_id=user.id, token_sha256=digest, created_at=now))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == digest, ApiToken.revoked.is_(False))
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return user


# -- sign-in and administration (the web UI's login page and admin area) ---------------------

MIN_PASSWORD_LENGTH = 8


@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a wrong name costs as much as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class UserView:
    """A user as the admin pages show it: no password hash, no ORM row."""

    user_id: int
    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            user.id,
            user.username,
            user.display_name,
            user.email,
            tuple(r.role for r in user.roles),
            user.active,
            user.created_at,
        )


def user_views(session: Session) -> list[UserView]:
    return [UserView.of(u) for u in list_users(session)]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        probe = User(password_hash=_dummy_hash(), active=True)
        check_password(probe, password)
        return None
    return user if check_password(user, password) else None


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser("Kata sandi minimal 8 karakter.")  # a literal: it is a gettext msgid


def set_password(session: Session, user: User, password: str) -> None:
    check_new_password(password)
    user.password_hash = hash_password(password)
    session.flush()


def set_active(session: Session, user: User, active: bool, *, actor: Actor) -> None:
    """Enable or disable sign-in; nobody can lock themselves out."""
    if not active and user.id == actor.user_id:
        raise InvalidUser("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    user.active = active
    session.flush()


def assign_roles(session: Session, user: User, roles: Iterable[str], *, actor: Actor) -> None:
    """``set_roles`` for the admin page: an admin cannot take their own admin role away."""
    wanted = set(roles)
    if user.id == actor.user_id and "admin" in actor.roles and "admin" not in wanted:
        raise InvalidUser("Anda tidak dapat mencabut peran admin Anda sendiri.")
    set_roles(session, user, wanted)


def update_profile(session: Session, user: User, *, display_name: str, email: str | None) -> None:
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise InvalidUser("Nama lengkap wajib diisi (maksimal 200 karakter).")
    user.display_name, user.email = display_name, check_email(email)
    session.flush()
