"""Builds the engine facade from configuration: the connector registry, the mail
transport, the invite factory and the engine's settings. Called once, by ``create_app``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from connectors.invite import build_invite
from connectors.registry import build_mail_transport, build_registry
from connectors.signing import Pkcs12Signer
from engine import passwords
from engine.bookings import SqlLedger
from engine.db import make_sessionmaker
from engine.documents.config import DocumentSettings
from engine.documents.pdfbase import Letterhead
from engine.facade import Alur, EngineSettings
from engine.letters import LetterLimits
from engine.outbox import Services, WorkerSettings
from engine.reporting import stamps
from engine.reporting.workclock import OfficeHours
from engine.signin import SignInPolicy
from webui.config_check import ConfigError
from webui.uploads import LetterStore


def build_alur(config: dict[str, Any], db_engine: Engine) -> Alur:
    passwords.configure(str(config["PASSWORD_HASHING"]))  # the cost of new password hashes
    stamps.configure(build_office_hours(config))  # the office hours completed steps count
    sessions = make_sessionmaker(db_engine)
    worker = WorkerSettings(
        max_attempts=int(config["JOB_MAX_ATTEMPTS"]),
        backoff_base_s=float(config["JOB_BACKOFF_S"]),
        lease_s=float(config["JOB_LEASE_S"]),
        max_passes=int(config["MAX_PASSES"]),
        base_url=str(config["BASE_URL"]),
        mail_from=str(config["MAIL_FROM"]),
        draft_days=draft_days(config),
        job_retention_days=int(config["JOB_RETENTION_DAYS"]),
    )
    try:
        connectors = build_registry(config, ledger=SqlLedger(sessions))
        mail = build_mail_transport(config)
    except ValueError as err:  # the connectors' settings name the variable
        raise ConfigError.of_connectors(err) from None
    services = Services(
        connectors=connectors,
        mail=mail,
        invite=build_invite,
        settings=worker,
        documents=build_documents(config),
    )
    settings = EngineSettings(
        processes_dir=Path(config["PROCESSES_DIR"]),
        max_passes=int(config["MAX_PASSES"]),
        worker=worker,
        sign_in=SignInPolicy(max_failures=int(config["SIGNIN_MAX_FAILURES"]),
                             window=timedelta(seconds=float(config["SIGNIN_WINDOW_S"]))),
        letters=LetterLimits(per_request=int(config["LETTERS_PER_REQUEST"]),
                             per_user_day=int(config["LETTERS_PER_USER_DAY"])),
    )
    return Alur(settings, services)


def draft_days(config: dict[str, Any]) -> int:
    """``DRAFT_DAYS``, a whole number of days of at least 1 (a mistake stops the start-up)."""
    try:
        days = int(str(config["DRAFT_DAYS"]).strip())
    except ValueError:
        days = 0
    if days < 1:
        given = config["DRAFT_DAYS"]
        raise ValueError(f"ALUR_DRAFT_DAYS harus bilangan bulat ≥ 1, bukan {given!r}")
    return days


def build_documents(config: dict[str, Any]) -> DocumentSettings:
    """Documents live in ``UPLOAD_DIR/dokumen``; a configured certificate that cannot be
    opened stops the start-up with its message (``SigningConfigError``)."""
    logo = str(config["LETTERHEAD_LOGO"] or "")
    letterhead = Letterhead(
        government=str(config["LETTERHEAD_GOVERNMENT"]),
        office=str(config["LETTERHEAD_OFFICE"]),
        address=str(config["LETTERHEAD_ADDRESS"]),
        contact=str(config["LETTERHEAD_CONTACT"]),
        city=str(config["LETTERHEAD_CITY"]),
        logo=Path(logo) if logo else None,
    )
    p12 = str(config["SIGNING_P12"] or "")
    password = config["SIGNING_P12_PASSWORD"]  # str(): the environment may hold digits only
    signer = Pkcs12Signer(Path(p12), str(password) if password else None) if p12 else None
    return DocumentSettings(Path(config["UPLOAD_DIR"]) / "dokumen", letterhead, signer)


def build_letters(config: dict[str, Any]) -> LetterStore:
    return LetterStore(Path(config["UPLOAD_DIR"]), int(config["MAX_UPLOAD_BYTES"]))


def build_office_hours(config: dict[str, Any]) -> OfficeHours:
    """A mistake in ``OFFICE_HOURS``/``HOLIDAYS`` stops the start-up with its message."""
    return OfficeHours.parse(str(config["OFFICE_HOURS"]), str(config["HOLIDAYS"] or ""))
