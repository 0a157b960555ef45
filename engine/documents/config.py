"""What the worker needs to produce documents: where their bytes go, the letterhead, and
the signer (None: documents carry the signature block and verification code, unsigned)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.documents.pdfbase import Letterhead
from engine.documents.signing import DocumentSigner


@dataclass(frozen=True)
class DocumentSettings:
    directory: Path
    letterhead: Letterhead = field(default_factory=Letterhead)
    signer: DocumentSigner | None = None

    def path_of(self, stored_name: str) -> Path | None:
        """The stored file, or None when missing or not a plain name in the directory."""
        if stored_name != Path(stored_name).name or stored_name.startswith("."):
            return None
        path = self.directory / stored_name
        return path if path.is_file() else None
