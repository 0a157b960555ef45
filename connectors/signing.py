"""Signing documents with a PKCS#12 certificate: PAdES (ETSI.CAdES.detached) through
pyHanko, with a visible signature in the document's signature block.

``Pkcs12Signer`` implements ``engine.documents.signing.DocumentSigner``. It is built once,
from ``ALUR_SIGNING_P12`` and ``ALUR_SIGNING_P12_PASSWORD``, so a wrong file or password
stops the start-up with its message instead of failing every document later. A remote
signer (BSrE's, say) would be another class with the same ``sign`` method.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko import stamp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from engine.documents.signing import SignatureBox
from engine.errors import ConnectorError

FIELD_NAME = "TandaTangan"
STAMP_TEXT = "Ditandatangani secara elektronik oleh\n%(signer)s\n%(waktu)s"
WIB = ZoneInfo("Asia/Jakarta")


class SigningConfigError(Exception):
    """The certificate cannot be used; the message says why (shown at start-up)."""


class Pkcs12Signer:
    def __init__(self, p12_path: Path, password: str | None) -> None:
        if not p12_path.is_file():
            raise SigningConfigError(f"ALUR_SIGNING_P12: berkas {p12_path} tidak ditemukan")
        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            pfx_file=str(p12_path), passphrase=password.encode() if password else None
        )
        if signer is None:  # pyHanko logs the reason (wrong password, not a PKCS#12 file)
            raise SigningConfigError(
                "ALUR_SIGNING_P12: sertifikat tidak dapat dibuka (periksa berkas dan "
                "ALUR_SIGNING_P12_PASSWORD)"
            )
        self._signer = signer

    def sign(self, pdf: bytes, *, signer_name: str, reason: str, box: SignatureBox) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=reason,
            name=signer_name,
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        spec = fields.SigFieldSpec(
            sig_field_name=FIELD_NAME,
            on_page=box.page,
            box=(int(box.x1), int(box.y1), int(box.x2), int(box.y2)),
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            stamp_style=stamp.TextStampStyle(stamp_text=STAMP_TEXT, border_width=0),
            new_field_spec=spec,
        )
        try:
            when = datetime.now(UTC).astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")
            out = _run(lambda: pdf_signer.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)), appearance_text_params={"waktu": when}
            ))
        except Exception as err:  # pyHanko's errors carry no retry hint: a local file won't heal
            raise ConnectorError(f"penandatanganan gagal: {err}", retryable=False) from err
        data: bytes = out.getvalue()
        return data


def _run(start: Callable[[], Awaitable[io.BytesIO]]) -> io.BytesIO:
    """Run pyHanko's signing coroutine to its end from synchronous code, also where this
    thread already runs an event loop (pyHanko's own ``sign_pdf`` fails there)."""

    async def main() -> io.BytesIO:
        return await start()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()
