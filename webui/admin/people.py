"""Users and roles for the process owner: list, create, edit name and email, assign roles,
disable or enable, reset a password (which ends the user's sessions and revokes their
API tokens), and list or revoke API tokens. The engine's ``users`` module checks the rules
(unique names, known roles, password length, no locking yourself out).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine import tokens, users
from engine.models import User
from engine.roles import book as role_book
from engine.users import InvalidUser
from webui.admin import bp
from webui.auth import current_actor, roles_required
from webui.errors import message_of
from webui.extensions import db_session, utcnow


def _roles() -> list[str]:
    return [r for r in request.form.getlist("roles") if r in _known()]


def _known() -> tuple[str, ...]:
    return role_book(db_session()).known


def _list(form: dict[str, object] | None = None, error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    page = render_template("admin/users.html", people=users.user_views(db_session()),
                           roles=_known(), form=form or {}, error=error)
    return page, status


@bp.get("/pengguna")
@roles_required("admin")
def people() -> ResponseReturnValue:
    return _list()


@bp.post("/pengguna")
@roles_required("admin")
def create_person() -> ResponseReturnValue:
    form = {key: request.form.get(key, "")[:254].strip()
            for key in ("username", "display_name", "email")}
    roles = _roles()
    password = request.form.get("password", "")[:1024]
    try:
        if not roles:
            raise InvalidUser("Pilih paling sedikit satu peran.")
        users.check_new_password(password)
        users.add_user(db_session(), form["username"], roles=roles, now=utcnow(),
                       display_name=form["display_name"] or None,
                       email=form["email"] or None, password=password)
    except InvalidUser as err:
        db_session().rollback()
        return _list({**form, "roles": roles}, message_of(err), 422)
    db_session().commit()
    flash(gettext("Pengguna %(name)s dibuat.", name=form["username"]), "success")
    return redirect(url_for("admin.people"))


@bp.get("/pengguna/<username>")
@roles_required("admin")
def person(username: str) -> ResponseReturnValue:
    user = users.get_user(db_session(), username[:64])
    return render_template("admin/user.html", person=users.UserView.of(user), roles=_known(),
                           tokens=users.token_views(db_session(), user), now=utcnow())


def _change(username: str, apply: Callable[[User], None],
            done: str) -> ResponseReturnValue:
    """Apply one change to a user, then back to the user's page with what happened."""
    user = users.get_user(db_session(), username[:64])
    try:
        apply(user)
    except InvalidUser as err:
        db_session().rollback()
        flash(message_of(err), "error")
    else:
        db_session().commit()
        flash(done, "success")
    return redirect(url_for("admin.person", username=user.username))


@bp.post("/pengguna/<username>/profil")
@roles_required("admin")
def set_profile(username: str) -> ResponseReturnValue:
    name, email = request.form.get("display_name", "")[:254], request.form.get("email", "")[:254]
    return _change(username, lambda user: users.update_profile(
        db_session(), user, display_name=name, email=email), gettext("Nama dan email disimpan."))


@bp.post("/pengguna/<username>/peran")
@roles_required("admin")
def set_roles(username: str) -> ResponseReturnValue:
    roles, actor = _roles(), current_actor()
    return _change(username, lambda user: users.assign_roles(
        db_session(), user, roles, actor=actor), gettext("Peran disimpan."))


@bp.post("/pengguna/<username>/aktif")
@roles_required("admin")
def set_active(username: str) -> ResponseReturnValue:
    active, actor = request.form.get("active") == "1", current_actor()
    done = gettext("Akun diaktifkan.") if active else gettext("Akun dinonaktifkan.")
    return _change(username, lambda user: users.set_active(
        db_session(), user, active, actor=actor), done)


@bp.post("/pengguna/<username>/token/<int:token_id>/cabut")
@roles_required("admin")
def revoke_token(username: str, token_id: int) -> ResponseReturnValue:
    user = users.get_user(db_session(), username[:64])
    tokens.revoke_tokens(db_session(), user, token_id)  # NotFound: 404
    db_session().commit()
    flash(gettext("Token API %(token)s dicabut.", token=token_id), "success")
    return redirect(url_for("admin.person", username=user.username))


@bp.post("/pengguna/<username>/sandi")
@roles_required("admin")
def set_password(username: str) -> ResponseReturnValue:
    password = request.form.get("password", "")[:1024]
    return _change(username, lambda user: users.set_password(db_session(), user, password),
                   gettext("Kata sandi baru disimpan."))
