"""PAdES signing through the ``DocumentSigner`` seam: a PDF laid out by Alur is signed
with a PKCS#12 certificate of a throw-away CA, and pyHanko's validation, trusting that CA
alone, accepts it; a wrong password stops the set-up with its message."""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from connectors.signing import Pkcs12Signer, SigningConfigError
from engine.documents.layout import render
from engine.documents.pdfbase import Letterhead
from tests.support.certs import P12_PASSWORD, make_pki
from tests.support.documents import declined_snapshot

T = TypeVar("T")


def alone(call: Callable[[], T]) -> T:
    """``call`` in a thread of its own: pyHanko's synchronous entry points (and
    ``asyncio.run``) refuse a thread whose event loop runs, as Playwright's does in a test
    worker that ran the browser tests before this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def test_a_signed_fpvc_validates_against_the_test_ca(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    rendered = render(declined_snapshot(), Letterhead(), "https://alur.uji/verifikasi/X")
    signed = Pkcs12Signer(pki.p12, P12_PASSWORD).sign(
        rendered.data, signer_name="Budi Santoso", reason="Tidak disetujui", box=rendered.box
    )
    assert signed.startswith(rendered.data)  # an incremental update: the layout is kept
    reader = PdfFileReader(io.BytesIO(signed))
    [embedded] = reader.embedded_signatures
    ca = pki.p12.parent / "ca.pem"
    ca.write_bytes(pki.ca_pem)
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))])
    status = alone(lambda: validate_pdf_signature(embedded, context))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line
    field = embedded.sig_field
    rect = [float(v) for v in field["/Rect"]]
    box = rendered.box
    assert rect == pytest.approx([int(box.x1), int(box.y1), int(box.x2), int(box.y2)])


def test_an_unknown_ca_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "lain").mkdir()
    pki, other = make_pki(tmp_path), make_pki(tmp_path / "lain")
    rendered = render(declined_snapshot(), Letterhead(), "https://alur.uji/verifikasi/X")
    signed = Pkcs12Signer(pki.p12, P12_PASSWORD).sign(
        rendered.data, signer_name="Budi", reason="Disetujui", box=rendered.box
    )
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    ca = tmp_path / "other.pem"
    ca.write_bytes(other.ca_pem)
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))])
    status = alone(lambda: validate_pdf_signature(embedded, context))
    assert status.intact and not status.trusted


def test_a_wrong_password_or_file_stops_the_set_up(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    with pytest.raises(SigningConfigError, match="ALUR_SIGNING_P12_PASSWORD"):
        Pkcs12Signer(pki.p12, "salah")
    with pytest.raises(SigningConfigError, match="tidak ditemukan"):
        Pkcs12Signer(tmp_path / "tidak-ada.p12", P12_PASSWORD)


def test_signing_works_where_the_thread_already_runs_an_event_loop(tmp_path: Path) -> None:
    """The worker may share its thread with an event loop (an async server, a test tool);
    pyHanko's synchronous entry point refuses to run there, ours does not."""
    import asyncio

    pki = make_pki(tmp_path)
    rendered = render(declined_snapshot(), Letterhead(), "https://alur.uji/verifikasi/X")
    signer = Pkcs12Signer(pki.p12, P12_PASSWORD)

    async def inside_a_loop() -> bytes:
        return signer.sign(rendered.data, signer_name="Budi", reason="Disetujui",
                           box=rendered.box)

    signed = alone(lambda: asyncio.run(inside_a_loop()))
    assert b"/ETSI.CAdES.detached" in signed and signed.startswith(rendered.data)
