"""The sign-in pages: ``/masuk`` (throttled by ``engine.signin``: 429 after repeated
failures) and ``/keluar``, the language switch ``/bahasa/<lang>`` and ``/``, which sends
each person to where their work is. Also what an anonymous visitor of a protected page
gets: the login page (with a way back) or, for the API, 401 JSON.
"""

from __future__ import annotations

from itertools import chain

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from engine import signin, users
from engine.roles import book as role_book
from webui import display
from webui.auth import EPOCH_KEY, LoginUser, bp, current_actor, is_api_request, public
from webui.errors import message_of
from webui.extensions import db_session, engine, login_manager, utcnow
from webui.redirects import safe_next

LANGUAGES = ("id", "en")
SESSION_USER_KEY = "_user_id"  # where Flask-Login keeps a cookie session's user


@bp.before_app_request
def _refuse_nul_bytes() -> ResponseReturnValue | None:
    """No page needs a NUL character, and PostgreSQL refuses them in text: a typed or
    pasted one becomes a plain 400 here instead of a database error later. In an API path
    it names no resource (404, as ``payload.checked_id`` says of any id it cannot be); the
    API's query strings and bodies are checked where they are read (``webui.api.payload``).
    """
    if is_api_request():
        if "\x00" in request.path:
            abort(404)
        return None
    fields = chain(request.args.listvalues(), request.form.listvalues())
    if "\x00" in request.path or any("\x00" in v for values in fields for v in values):
        abort(400)
    return None


@login_manager.unauthorized_handler
def _unauthorized() -> ResponseReturnValue:
    if is_api_request():
        return jsonify({"error": gettext("Silakan masuk terlebih dahulu.")}), 401
    flash(gettext("Silakan masuk terlebih dahulu."), "info")
    return redirect(url_for("auth.login", next=display.here()))


@bp.get("/masuk")
@public
def login() -> ResponseReturnValue:
    return render_template("auth/login.html", username="", error=None,
                           next=safe_next(request.args.get("next"), ""))


@bp.post("/masuk")
@public
def login_submit() -> ResponseReturnValue:
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:1024]
    back = safe_next(request.form.get("next"), "")
    try:
        user = signin.attempt(db_session(), username, password, address=request.remote_addr,
                              now=utcnow(), policy=engine().settings.sign_in) \
            if username and password else None
    except signin.TooManyAttempts as err:
        page = render_template("auth/login.html", username=username, error=message_of(err),
                               next=back)
        return page, 429, {"Retry-After": str(err.retry_after_s)}
    db_session().commit()  # the attempt is on record, whatever its outcome
    if user is None:
        error = gettext("Nama pengguna atau kata sandi salah, atau akun tidak aktif.")
        page = render_template("auth/login.html", username=username, error=error, next=back)
        return page, 401
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in (no fixation)
    if lang:
        session["lang"] = lang
    login_user(LoginUser(users.actor_of(user), user.email))
    session[EPOCH_KEY] = user.session_epoch
    return redirect(back or "/")


@bp.post("/keluar")
@public
def logout() -> ResponseReturnValue:
    """Signing out ends the account's sessions on the server too: a copy of the cookie
    (another tab, another device, a stolen one) stops working as well."""
    lang = session.get("lang")
    if current_user.is_authenticated and SESSION_USER_KEY in session:
        users.end_sessions(db_session(), users.get_user(db_session(), current_actor().username))
        db_session().commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.post("/bahasa/<lang>")
@public
def language(lang: str) -> ResponseReturnValue:
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    actor = current_actor()
    if actor.has(*role_book(db_session()).workers):
        return redirect(url_for("inbox.index"))
    if actor.has("auditor"):
        return redirect(url_for("requests.everything"))
    if actor.has("admin"):
        return redirect(url_for("admin.index"))
    return redirect(url_for("requests.mine"))
