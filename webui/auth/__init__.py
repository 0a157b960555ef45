"""Sign-in: Flask-Login sessions for people, ``Authorization: Bearer`` tokens for scripts.

``current_actor()`` is how views learn who acts; ``roles_required`` guards a view by role.
Every route states its rule with one of these (or ``public``) so the authorization tests
can prove it route by route. The pages of this blueprint (sign in and out, the language
switch, the home redirect) are in ``webui.auth.views``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, request, session
from flask_login import UserMixin, current_user, login_required

from engine import users
from engine.models import User
from engine.roles import book as role_book
from engine.users import Actor
from webui.extensions import db_session, login_manager, utcnow

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class LoginUser(UserMixin):  # type: ignore[misc]
    def __init__(self, actor: Actor, email: str | None) -> None:
        self.actor = actor
        self.id = str(actor.user_id)
        self.email = email

    @property
    def username(self) -> str:
        return self.actor.username

    @property
    def display_name(self) -> str:
        return self.actor.display_name

    def has(self, *roles: str) -> bool:
        return self.actor.has(*roles)


def _wrap(user: User | None) -> LoginUser | None:
    if user is None or not user.active:
        return None
    return LoginUser(users.actor_of(user), user.email)


EPOCH_KEY = "epoch"  # the user's session epoch when this session signed in


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    """The session's user, unless the session was ended on the server (sign-out, a new
    password): its epoch is then older than the user's, and a copied cookie is refused."""
    if not user_id.isdigit():
        return None
    user = db_session().get(User, int(user_id))
    if user is None or session.get(EPOCH_KEY) != user.session_epoch:
        return None
    return _wrap(user)


@login_manager.request_loader
def _load_from_token(req: Any) -> LoginUser | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = users.user_for_token(db_session(), header[7:].strip(), utcnow())
    if db_session().dirty:
        db_session().commit()  # when the token was last used (noted at most once a minute)
    return _wrap(user)


def current_actor() -> Actor:
    return cast(LoginUser, current_user).actor


def sees_everything() -> bool:
    """Auditors, admins and whoever works a lane of a deployed process read every request."""
    return role_book(db_session()).sees_everything(current_actor().roles)


def everything_readers_only(view: F) -> F:
    """Signed in and reading every request (``sees_everything``); otherwise 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not sees_everything():
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Signed in and holding one of ``roles``; otherwise 401/redirect or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_actor().has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def public(view: F) -> F:
    """Marks a view as reachable without signing in (login page, static, health)."""
    view.__dict__["alur_public"] = True
    return view


def is_api_request() -> bool:
    return request.path.startswith("/api/")


from webui.auth import views  # noqa: E402  (registers the routes on ``bp``)

__all__ = ["EPOCH_KEY", "LoginUser", "bp", "current_actor", "is_api_request", "public",
           "roles_required", "views"]
