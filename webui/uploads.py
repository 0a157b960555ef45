"""Letter storage: an uploaded PDF is checked (size, the ``%PDF-`` signature), written to
``UPLOAD_DIR`` under a generated name (never the user's filename) and described by a
``StoredFile`` the view records with ``engine().add_attachment``. Reading a stored file back
goes through ``LetterStore.path_of`` so a stored name can never point outside the directory.
The store is built once from the configuration when a blueprint using it is registered
(by ``webui.wiring``) and reached by views through ``webui.extensions.letters()``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

PDF_SIGNATURE = b"%PDF-"
CHUNK = 64 * 1024


class UploadRejected(Exception):
    """The file is not acceptable; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class StoredFile:
    attachment_id: str
    filename: str  # for display and download only
    stored_name: str
    content_type: str
    size: int
    sha256: str


def display_name(filename: str | None) -> str:
    """The name the letter is shown and downloaded under: the sender's own file name (its
    spaces and letters kept, as people recognise it), without any folder part or control
    characters. It never names a file on disk (``stored_name`` does)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(ch for ch in base if ch.isprintable()).split()).lstrip(".")[:200]
    if not name.lower().endswith(".pdf"):
        name = (name or "surat-resmi") + ".pdf"
    return name


@dataclass(frozen=True)
class LetterStore:
    directory: Path
    max_bytes: int

    def save(self, upload: FileStorage) -> StoredFile:
        return save_pdf(upload, self.directory, self.max_bytes)

    def discard(self, stored: StoredFile) -> None:
        """Remove a stored file whose attachment row could not be written."""
        self.discard_name(stored.stored_name)

    def discard_name(self, stored_name: str) -> None:
        """Remove a stored file whose attachment row is gone."""
        path = self.path_of(stored_name)
        if path is not None:
            path.unlink(missing_ok=True)

    def path_of(self, stored_name: str) -> Path | None:
        """The stored file's path, or None when missing or not a plain name in the directory."""
        if stored_name != Path(stored_name).name or stored_name.startswith("."):
            return None
        path = self.directory / stored_name
        return path if path.is_file() else None


def save_pdf(upload: FileStorage, directory: Path, max_bytes: int) -> StoredFile:
    """Write ``upload`` into ``directory`` if it is a PDF of at most ``max_bytes``."""
    head = upload.stream.read(len(PDF_SIGNATURE))
    if not head:
        raise UploadRejected(str(_l("Berkas kosong.")))
    if head != PDF_SIGNATURE:
        raise UploadRejected(str(_l("Berkas harus PDF.")))
    directory.mkdir(parents=True, exist_ok=True)
    attachment_id = uuid.uuid4().hex
    stored_name = attachment_id + ".pdf"
    target = directory / stored_name
    digest, size = hashlib.sha256(head), len(head)
    try:
        with target.open("xb") as out:
            out.write(head)
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(str(_l("Berkas terlalu besar (maksimal 5 MB).")))
                digest.update(chunk)
                out.write(chunk)
    except UploadRejected:
        target.unlink(missing_ok=True)
        raise
    return StoredFile(attachment_id, display_name(upload.filename), stored_name,
                      "application/pdf", size, digest.hexdigest())
