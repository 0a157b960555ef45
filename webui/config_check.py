"""Configuration mistakes caught at start-up, each as one ``ConfigError`` line that names
the variable, says what is wrong and how to fix it: the ``alur`` command prints it and
exits 1, where a traceback of thirty lines used to bury it. ``create_app`` calls ``check``
before it builds anything; what the connectors refuse is re-raised the same way by
``webui.wiring``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors.settings import PLATFORMS
from engine import passwords
from engine.reporting.workclock import OfficeHours, OfficeHoursError

# name: (type, smallest allowed value)
NUMBERS: dict[str, tuple[type[int] | type[float], float]] = {
    "MAX_PASSES": (int, 1),
    "JOB_MAX_ATTEMPTS": (int, 1),
    "JOB_BACKOFF_S": (float, 0),
    "JOB_LEASE_S": (float, 1),
    "JOB_RETENTION_DAYS": (int, 0),
    "WORKER_POLL_S": (float, 0.01),
    "WORKER_SEEN_S": (float, 1),
    "SIGNIN_MAX_FAILURES": (int, 1),
    "SIGNIN_WINDOW_S": (float, 1),
    "TRUSTED_PROXIES": (int, 0),
    "MAX_UPLOAD_BYTES": (int, 1),
}
CHOICES = {"WORKER": ("thread", "off")}


class ConfigError(Exception):
    """One configuration mistake: ``ALUR_<NAME>``, what is wrong, how to fix it."""

    def __init__(self, name: str, problem: str, fix: str) -> None:
        super().__init__(f"ALUR_{name}: {problem}; {fix}.")
        self.name = name

    @classmethod
    def of_connectors(cls, err: ValueError) -> ConfigError:
        """The connectors' ``ValueError``, whose message starts with the variable's name."""
        match = re.match(r"([A-Z][A-Z0-9_]+):?\s*(.*)", str(err))
        if match is None:
            return cls("CONFERENCE_PLATFORMS", str(err), "periksa konfigurasi konektor")
        return cls(match.group(1), prefixed(match.group(2)), "periksa nilainya")


def prefixed(message: str) -> str:
    """A connector's message with its variable names as the operator writes them."""
    return re.sub(r"\b(?<!ALUR_)([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})\b", r"ALUR_\1", message)


def check(config: dict[str, Any]) -> None:
    for name, (kind, least) in NUMBERS.items():
        _number(config, name, kind, least)
    for name, choices in CHOICES.items():
        if str(config.get(name)) not in choices:
            raise ConfigError(name, f"{config.get(name)!r} tidak dikenal",
                              "pilih salah satu: " + ", ".join(choices))
    _database(str(config["DATABASE_URL"]))
    _password_hashing(str(config.get("PASSWORD_HASHING", passwords.DEFAULT)))
    _office_hours(config)
    _conference_default(config)


def _password_hashing(spec: str) -> None:
    try:
        passwords.hasher(spec)
    except ValueError:
        raise ConfigError("PASSWORD_HASHING", f"{spec!r} tidak terbaca",
                          "contoh: t=2,m=19456,p=1 (argon2id: putaran, memori KiB, jalur)"
                          ) from None


def _number(config: dict[str, Any], name: str, kind: type[int] | type[float],
            least: float) -> None:
    value = config.get(name)
    if value is None:
        return
    try:
        number = kind(str(value).strip())
    except ValueError:
        number = None
    unit = "bilangan bulat" if kind is int else "angka"
    if number is None or isinstance(value, bool):
        raise ConfigError(name, f"'{value}' bukan {unit}", f"isi {unit} paling kecil {least:g}")
    if number < least:
        raise ConfigError(name, f"'{value}' terlalu kecil", f"isi paling kecil {least:g}")


def _database(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"{url!r} bukan URL basis data",
                          "contoh: sqlite:///instance/alur.db atau "
                          "postgresql+psycopg://alur@localhost/alur") from None
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ConfigError("DATABASE_URL", "PostgreSQL dipakai melalui psycopg 3",
                              "tulis URL sebagai postgresql+psycopg://…")
        try:
            importlib.import_module("psycopg")
        except ImportError:
            raise ConfigError("DATABASE_URL", "PostgreSQL butuh paket psycopg, yang belum "
                              "terpasang", "pasang dengan: pip install 'alur[postgres]'") from None
    elif parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or "").resolve().parent
        if parsed.database and parsed.database != ":memory:" and not folder.is_dir():
            raise ConfigError("DATABASE_URL", f"folder {folder} tidak ada",
                              f"buat foldernya (mkdir -p {folder}) atau pilih path lain")
    else:
        raise ConfigError("DATABASE_URL", f"basis data {parsed.get_backend_name()!r} tidak "
                          "didukung", "pakai sqlite:///… atau postgresql+psycopg://…")


def _office_hours(config: dict[str, Any]) -> None:
    hours, holidays = str(config["OFFICE_HOURS"]), str(config["HOLIDAYS"] or "")
    try:
        OfficeHours.parse(hours)
    except OfficeHoursError:
        raise ConfigError("OFFICE_HOURS", f"{hours!r} tidak terbaca",
                          "tulis hari dan jam WIB seperti Mon-Fri 07:30-16:00") from None
    try:
        OfficeHours.parse(hours, holidays)
    except OfficeHoursError:
        raise ConfigError("HOLIDAYS", f"{holidays!r} tidak terbaca", "tulis tanggal "
                          "dipisah koma, seperti 2025-08-17,2025-12-25") from None


def _conference_default(config: dict[str, Any]) -> None:
    value = config.get("CONFERENCE_PLATFORMS") or "jitsi"
    items = value if isinstance(value, list) else str(value).split(",")
    offered = [str(p).strip().lower() for p in items if str(p).strip()]
    default = str(config.get("CONFERENCE_DEFAULT") or "").strip().lower()
    if default and offered and all(p in PLATFORMS for p in offered) and default not in offered:
        raise ConfigError("CONFERENCE_DEFAULT", f"{default!r} tidak termasuk "
                          f"ALUR_CONFERENCE_PLATFORMS ({', '.join(offered)})",
                          f"pilih salah satu dari itu, atau tambahkan {default} ke "
                          "ALUR_CONFERENCE_PLATFORMS")
