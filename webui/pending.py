"""Uploaded process packs waiting for the admin's confirmation ("A person sees it before
it happens"): kept as one zip per upload under ``instance/pending-deploys``, named by an
unguessable token, and dropped after a day.

Why files and not a table: a pending upload is a web-layer matter (nothing in the engine
reads it and it needs no migration), its size is already bounded by ``engine.pack``'s
limits, and the bytes never travel through the browser (no signed blob to trust). The
token is re-checked against a strict pattern, so it can never name another path.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from engine import packfiles
from engine.errors import DefinitionError

_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
KEEP_S = 24 * 3600


class PendingDeploys:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, token: str) -> Path | None:
        return self.directory / f"{token}.zip" if _TOKEN.fullmatch(token) else None

    def _purge(self) -> None:
        cutoff = time.time() - KEEP_S
        for old in self.directory.glob("*.zip"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)

    def keep(self, source: packfiles.PackFiles) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._purge()
        token = secrets.token_urlsafe(16)
        path = self._path(token)
        assert path is not None
        path.write_bytes(packfiles.to_zip(source))
        return token

    def load(self, token: str) -> packfiles.PackFiles | None:
        path = self._path(token)
        if path is None or not path.is_file():
            return None
        try:
            return packfiles.from_upload([("pending.zip", path.read_bytes())])
        except DefinitionError:
            return None

    def drop(self, token: str) -> None:
        path = self._path(token)
        if path is not None:
            path.unlink(missing_ok=True)
