"""Flask extensions, created unbound and wired in ``create_app``; and the accessors views
use to reach what ``create_app`` built (the engine facade, the letter store, the office
hours): the one place that reads ``current_app``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from engine.facade import Alur
from engine.models import Base
from engine.reporting.workclock import OfficeHours
from webui.pending import PendingDeploys
from webui.uploads import LetterStore

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def db_session() -> Session:
    """The request's session: Flask-SQLAlchemy's scoped proxy, unwrapped for the facade."""
    return db.session()


def engine() -> Alur:
    return cast(Alur, current_app.extensions["alur"])


def letters() -> LetterStore:
    """Where official letters are stored (``UPLOAD_DIR``, ``MAX_UPLOAD_BYTES``)."""
    return cast(LetterStore, current_app.extensions["alur.letters"])


def pending_deploys() -> PendingDeploys:
    """Uploaded process packs waiting for the admin's confirmation."""
    return cast(PendingDeploys, current_app.extensions["alur.pending"])


def office_hours() -> OfficeHours:
    """The report's working-hours clock (``OFFICE_HOURS``, ``HOLIDAYS``)."""
    return cast(OfficeHours, current_app.extensions["alur.office_hours"])


def utcnow() -> datetime:
    return datetime.now(UTC)
