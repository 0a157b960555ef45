"""The web layer: ``create_app`` is the single wiring point (configuration, database,
extensions, the engine facade, blueprints, error pages). Views stay thin: parse, one
engine call, commit, respond.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from engine.db import configure_engine, engine_options
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
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    config_check.check(app.config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:  # the client's address (sign-in throttling, audit log) from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
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
