"""The seam through which a document gets its digital signature.

``DocumentSigner`` is all the engine knows of signing: it hands over the finished PDF,
the signer's name, the reason, and the box of the signature block; it gets the signed PDF
back. ``connectors.signing.Pkcs12Signer`` signs locally with a PKCS#12 file (PAdES, through
pyHanko); a remote signer such as BSrE's would be one more class with the same method,
sending the PDF (or its hash) to the service and returning what it answers. A signer
raises ``engine.errors.ConnectorError`` (``retryable`` honestly set) when it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SignatureBox:
    """Where the visible signature goes: page index from 0, PDF points from bottom-left."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


class DocumentSigner(Protocol):
    def sign(
        self, pdf: bytes, *, signer_name: str, reason: str, box: SignatureBox
    ) -> bytes: ...
