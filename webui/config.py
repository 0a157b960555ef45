"""Configuration: defaults here, then ``instance/config.py``, then ``ALUR_*`` environment
variables (Flask's ``from_prefixed_env``). Only ``create_app`` calls ``load``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine.documents.pdfbase import Letterhead
from engine.reporting.stamps import DEFAULT_OFFICE_HOURS

REPO_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """A stable per-installation key, generated on first run and kept in the instance folder."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def defaults(instance: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'alur.db'}",
        "UPLOAD_DIR": str(instance / "uploads"),
        "PROCESSES_DIR": str(REPO_ROOT / "processes"),
        "WORKER": "thread",
        "WORKER_POLL_S": 0.5,
        "MAX_PASSES": 50,
        "DRAFT_DAYS": 14,  # a request never sent expires after this many days (engine.drafts)
        "JOB_MAX_ATTEMPTS": 5,
        "JOB_BACKOFF_S": 2.0,
        "JOB_LEASE_S": 30.0,  # a running job's claim, renewed while it runs (engine.jobs)
        "JOB_RETENTION_DAYS": 7,  # a done job is deleted after this (engine.housekeeping)
        "WORKER_SEEN_S": 60.0,  # /readyz wants a worker heartbeat younger than this
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_FROM": "alur@localhost",
        "OFFICE_NAME": "Diskominfo Kota Tangerang",  # the office running Alur (page header)
        "SIGNIN_MAX_FAILURES": 5,  # failed sign-ins per username / per address ...
        "SIGNIN_WINDOW_S": 900,  # ... within 15 minutes, then refused (engine.signin)
        "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For is believed
        "PASSWORD_HASHING": "t=2,m=19456,p=1",  # argon2id passes, memory KiB, lanes
        "MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
        "LETTERS_PER_REQUEST": 5,  # letters one request may hold (engine.letters) ...
        "LETTERS_PER_USER_DAY": 20,  # ... and one person may upload in 24 hours
        "OFFICE_HOURS": DEFAULT_OFFICE_HOURS,  # also what migration 0010 stamped records with
        "HOLIDAYS": "",
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "LANGUAGES": ["id", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # The kop surat of the documents Alur makes (the FPVC); LOGO is an image file path.
        "LETTERHEAD_GOVERNMENT": Letterhead.government,
        "LETTERHEAD_OFFICE": Letterhead.office,
        "LETTERHEAD_ADDRESS": Letterhead.address,
        "LETTERHEAD_CONTACT": Letterhead.contact,
        "LETTERHEAD_CITY": Letterhead.city,
        "LETTERHEAD_LOGO": "",
        # PAdES signing of documents: a PKCS#12 file and its password; empty: unsigned.
        "SIGNING_P12": "",
        "SIGNING_P12_PASSWORD": "",
        "MAX_VERIFY_BYTES": 5 * 1024 * 1024,  # a copy uploaded to /verifikasi/<code>
    }


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(defaults(instance))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ALUR")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
