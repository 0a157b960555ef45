"""The web layer: ``create_app`` is the single wiring point (configuration, database,
extensions, the engine facade, blueprints, error pages). Views stay thin: parse, one
engine call, commit, respond.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from engine.db import configure_engine, engine_options
from engine.input_text import MAX_INTEGER
from webui import config, config_check
from webui.extensions import babel, csrf, db, login_manager
from webui.pending import PendingDeploys
from webui.wiring import build_alur, build_letters, build_office_hours

BLUEPRINTS = ("auth", "requests", "inbox", "tasks", "admin", "reports", "api", "verify", "sop",
              "record", "health")


def _locale() -> str:
    """Bahasa Indonesia unless the user switched to English: a government service speaks
    its own language first, whatever the browser's default happens to be."""
    return "en" if session.get("lang") == "en" else "id"


class RowIntegerConverter(IntegerConverter):
    """``<int:…>`` in a route: a number a database column can hold (a larger one is a 404,
    never an overflow in the database driver)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(url_map, *args, **kwargs)


if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class AddressOrPeer:
    """Inside ``ProxyFix``: a forwarded "address" that is none (what a client wrote, passed
    on by a proxy that replaces ``X-Forwarded-For`` instead of appending to it; ``unknown``;
    200 characters) would be stored with every sign-in attempt and audit event
    (``varchar(64)``: a 500 on PostgreSQL). The proxy's own address is kept instead."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        if not _is_address(environ.get("REMOTE_ADDR")):
            environ["REMOTE_ADDR"] = environ.get("werkzeug.proxy_fix.orig", {}).get(
                "REMOTE_ADDR", environ.get("REMOTE_ADDR"))
        return self.app(environ, start_response)


def _is_address(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 45:  # the longest IPv6 text form
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    config_check.check(app.config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:  # the client's address (sign-in throttling, audit log) from X-Forwarded-For
        app.wsgi_app = ProxyFix(AddressOrPeer(app.wsgi_app), x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["DATABASE_URL"]))
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        app.extensions["alur"] = build_alur(app.config, db.engine)
    app.extensions["alur.letters"] = build_letters(app.config)
    app.extensions["alur.pending"] = PendingDeploys(Path(app.instance_path) / "pending-deploys")
    app.extensions["alur.office_hours"] = build_office_hours(app.config)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    babel.init_app(app, locale_selector=_locale, timezone_selector=lambda: "Asia/Jakarta")
    app.url_map.converters["int"] = RowIntegerConverter
    for name in BLUEPRINTS:
        module = import_module(f"webui.{name}")
        app.register_blueprint(module.bp)
    import_module("webui.errors").register(app)
    import_module("webui.templating").register(app)
    import_module("webui.headers").register(app)
    import_module("webui.requestlog").register(app)
    import_module("webui.outage").register(app)
    return app
