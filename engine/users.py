"""Users, roles, passwords and API tokens.

Roles are slugs: ``auditor`` and ``admin`` are the system's own, the others are declared by
the process packs' lanes (``engine.roles``). Passwords are hashed by ``engine.passwords``
(argon2id), tokens are stored only as SHA-256 (``engine.tokens``, re-exported here); a
per-user session epoch ends browser sessions on sign-out and password change. Imports no web
layer: Flask-Login wraps ``Actor`` in the UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine import passwords
from engine.errors import EngineError, NotFound
from engine.forms import N_
from engine.input_text import text_problem
from engine.models import User, UserRole
from engine.passwords import hash_password as hash_password  # re-exported (bench, tests)
from engine.roles import book
from engine.tokens import TokenView as TokenView  # the token functions, re-exported
from engine.tokens import issue_token as issue_token
from engine.tokens import revoke_tokens
from engine.tokens import token_views as token_views
from engine.tokens import user_for_token as user_for_token


class InvalidUser(EngineError):
    """A user could not be created or changed as asked (duplicate name, unknown role)."""


# A username is part of URLs (``/admin/pengguna/<name>``), of audit events and of mail:
# lower-case letters, digits, dot, dash and underscore, starting with a letter or digit,
# 2 to 64 characters, no ``..``. ``tata/usaha`` or ``..`` could sign in but had no admin
# page, so they could not be disabled.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
USERNAME_RULE = N_("Nama pengguna 2–64 karakter: huruf kecil, angka, titik, tanda hubung atau "
                   "garis bawah, diawali huruf atau angka, tanpa '..'.")


def check_username(username: str) -> str:
    """``username`` when it follows the one rule for usernames (web form, CLI, engine)."""
    if not username or len(username) > 64:
        raise InvalidUser("Nama pengguna wajib diisi (maksimal 64 karakter).")
    if not USERNAME.fullmatch(username) or ".." in username:
        raise InvalidUser(USERNAME_RULE)
    return username


@dataclass(frozen=True)
class Actor:
    """Who is acting: what the engine needs to know about a user, and nothing more."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


SYSTEM = Actor(0, "sistem", "Sistem", frozenset())


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, frozenset(r.role for r in user.roles))


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is the active ``user``'s. The hash is computed even for a
    disabled user or one without a password, so the answer takes as long either way
    (a quick "no" would tell which accounts are disabled)."""
    right = verify_password(user.password_hash or passwords.dummy_hash(), password)
    return right and bool(user.password_hash) and user.active


def verify_password(stored: str, password: str) -> bool:
    return passwords.verify(stored, password)


def _check_roles(session: Session, roles: Iterable[str]) -> list[str]:
    roles, known = sorted(set(roles)), list(book(session).known)
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise InvalidUser(
            N_("Peran tidak dikenal: %(unknown)s (pilihan: %(roles)s). Peran sebuah lajur "
               "ada setelah proses yang menyebutnya dideploy (alur deploy)."),
            unknown=", ".join(unknown),
            roles=", ".join(known),
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
    nip: str | None = None,
    jabatan: str | None = None,
) -> User:
    username = check_username(username.strip())
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidUser(N_("Nama pengguna '%(name)s' sudah dipakai."), name=username)
    user = User(
        username=username,
        display_name=check_display_name(display_name) if display_name else username,
        email=check_email(email),
        password_hash=passwords.hash_password(password) if password else None,
        nip=_check_nip(nip),
        jabatan=_check_jabatan(jabatan),
        active=True,
        created_at=now,
        roles=[UserRole(role=r) for r in _check_roles(session, roles)],
    )
    session.add(user)
    session.flush()
    return user


def _check_nip(nip: str | None) -> str | None:
    """A civil servant's NIP (18 digits, printed under their signature), or None."""
    nip = (nip or "").replace(" ", "") or None
    if nip is not None and not (len(nip) == 18 and nip.isascii() and nip.isdigit()):
        raise InvalidUser("NIP harus 18 angka.")
    return nip


def _check_jabatan(jabatan: str | None) -> str | None:
    """Printed under the person's signature: refused when too long, never cut short."""
    jabatan = (jabatan or "").strip() or None
    if jabatan is not None and len(jabatan) > 200:
        raise InvalidUser("Jabatan maksimal 200 karakter.")
    if jabatan is not None and text_problem(jabatan):
        raise InvalidUser("Jabatan hanya satu baris, tanpa karakter kendali atau Unicode rusak.")
    return jabatan


def check_display_name(display_name: str) -> str:
    """The one rule for a person's full name (admin page, ``alur users add``): one line of
    at most 200 characters; it is shown on every page and in mail and signed documents."""
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise InvalidUser("Nama lengkap wajib diisi (maksimal 200 karakter).")
    if text_problem(display_name):
        raise InvalidUser("Nama lengkap hanya satu baris, tanpa karakter kendali atau Unicode "
                          "rusak.")
    return display_name


def check_email(email: str | None) -> str | None:
    """The one rule for a user's email (admin page, ``alur users add``): optional, else
    one ``@`` with a name before it and a domain with a dot after it, no spaces, at most
    254 characters."""
    email = (email or "").strip() or None
    if email is not None:
        local, _, domain = email.partition("@")
        if (len(email) > 254 or not local or "." not in domain.strip(".") or "@" in domain
                or any(c.isspace() for c in email) or text_problem(email)):
            raise InvalidUser("Alamat email tidak valid.")
    return email


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    wanted = _check_roles(session, roles)
    user.roles = [r for r in user.roles if r.role in wanted]
    have = {r.role for r in user.roles}
    user.roles.extend(UserRole(role=r) for r in wanted if r not in have)
    session.flush()


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("Pengguna '%(name)s' tidak ditemukan."), name=username)
    return user


def users_named(session: Session, usernames: Iterable[str]) -> dict[str, User]:
    """The users of ``usernames`` that exist, by username, in one query."""
    names = sorted(set(usernames))
    if not names:
        return {}
    return {u.username: u for u in session.scalars(_USERS_NAMED, {"names": names})}


#: ``users_named``'s statement, built once (building an IN of literals costs more than
#: running it; an expanding parameter is compiled once and cached).
_USERS_NAMED = select(User).where(User.username.in_(bindparam("names", expanding=True)))


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


def end_sessions(session: Session, user: User) -> None:
    """Every browser session of ``user`` signed in until now stops working."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


# -- sign-in and administration (the web UI's login page and admin area) ---------------------

MIN_PASSWORD_LENGTH = 8


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
        verify_password(passwords.dummy_hash(), password)
        return None
    if not check_password(user, password):
        return None
    if passwords.needs_rehash(user.password_hash or ""):  # an older or cheaper hash
        user.password_hash = passwords.hash_password(password)
    return user


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser("Kata sandi minimal 8 karakter.")  # a literal: it is a gettext msgid
    if text_problem(password):  # no sign-in form could send it back
        raise InvalidUser("Kata sandi tidak boleh memuat karakter kendali atau Unicode rusak.")


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends the user's sessions and revokes their API tokens: whoever held
    the old password may have taken them."""
    check_new_password(password)
    user.password_hash = passwords.hash_password(password)
    end_sessions(session, user)
    revoke_tokens(session, user)


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
    user.display_name, user.email = check_display_name(display_name), check_email(email)
    session.flush()
