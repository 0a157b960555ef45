"""Flask extensions, created unbound and wired in ``create_app``; and the accessor views use
to reach the engine facade (the one place that reads ``current_app``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from engine.facade import Alur
from engine.models import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def engine() -> Alur:
    return cast(Alur, current_app.extensions["alur"])


def utcnow() -> datetime:
    return datetime.now(UTC)
