"""A captured document snapshot for the layout and signing tests, as the engine captures
one for a declined pass (the journey tests capture real ones)."""

from __future__ import annotations

from typing import Any


def declined_snapshot(code: str = "ABCD-EFGH-JKLM") -> dict[str, Any]:
    return {
        "document_id": "0" * 32,
        "kind": "FPVC",
        "title": "Form Permintaan Layanan Video Conference (FPVC)",
        "number": "FPVC/VC-1A2B3C4D/2/2026",
        "code": code,
        "pass_no": 2,
        "request_number": "VC-1A2B3C4D",
        "process": "Permintaan Layanan Video Conference",
        "sections": [
            {
                "title": "Form Permintaan Layanan Video Conference (FPVC)",
                "step": "1",
                "name": "Mengisi FPVC",
                "by": "Ani Lestari",
                "at_text": "30 November 2026 pukul 08.01 WIB",
                "fields": [["Nama pemohon", "Ani Lestari"], ["Instansi (OPD)", "Dinas Pendidikan"],
                           ["Keterangan", "Baris satu\nbaris <dua> & tiga"]],
            },
            {
                "title": "Verifikasi FPVC",
                "step": "2",
                "name": "Verifikasi",
                "by": "Staf IIDC",
                "at_text": "30 November 2026 pukul 08.03 WIB",
                "fields": [["Catatan verifikasi", "Lengkap"]],
            },
        ],
        "decision_title": "Persetujuan permintaan",
        "decision_fields": [],
        "decision": {
            "title": "Keputusan",
            "approved": False,
            "choice": "Tidak disetujui",
            "reason": "Jadwal bentrok dengan rapat paripurna",
            "signer": "Budi Santoso",
            "nip": "197301041997031001",
            "jabatan": "Sub Koordinator Infrastruktur Internet dan Data Center",
            "at": "2026-11-30T01:05:00+00:00",
            "at_text": "30 November 2026 pukul 08.05 WIB",
        },
        "created_at": "2026-11-30T01:05:00+00:00",
    }


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace folded (pypdf reads it back as a reader's tool would)."""
    import io

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def qr_texts(data: bytes) -> list[str]:
    """What the QR codes drawn in the PDF say, decoded from their images by zxing-cpp."""
    import io

    import zxingcpp
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            found += [r.text for r in zxingcpp.read_barcodes(image.image)]
    return found
