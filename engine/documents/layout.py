"""The layout of a pass's document (the FPVC) as a PDF, from a captured snapshot alone.

The layout is generic: the kop surat, the document's title and number, one block per
form completed on the pass (its fields as label and value, who filled it and when), the
decision block, and the signature block with the verification QR code and code. What the
blocks say comes from the snapshot (``engine.documents.snapshot``), which took it from
the pack's schemas; nothing here knows the SOP's fields.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from engine.documents.pdfbase import REGULAR, Letterhead, draw_letterhead, styles
from engine.documents.signing import SignatureBox
from engine.documents.snapshot import WIB, long_date, wib_text

MARGIN = 18 * mm
LETTERHEAD_SPACE = 40 * mm
QR_SIZE = 30 * mm
SIGN_W, SIGN_H = 62 * mm, 24 * mm


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    box: SignatureBox


class SignatureSpot(Flowable):
    """Reserves the signature's box and remembers where it landed on the page."""

    def __init__(self, found: list[SignatureBox]) -> None:
        super().__init__()
        self.found = found
        self.width, self.height = SIGN_W, SIGN_H

    def wrap(self, *_: Any) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        page = self.canv.getPageNumber() - 1
        self.found.append(SignatureBox(page, x, y, x + self.width, y + self.height))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _para(text: str, style: Any) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _fields_table(rows: list[list[str]], st: dict[str, Any]) -> Table:
    body = [[_para(label, st["label"]), _para(":", st["body"]), _para(value, st["body"])]
            for label, value in rows]
    table = Table(body, colWidths=[52 * mm, 4 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _section(number: int, section: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    who = f"Diisi oleh {section['by']}, {section['at_text']}"
    head = f"{number}. {section['title']}"
    parts: list[Any] = [_para(head, st["head"]), _para(who, st["small"]), Spacer(1, 1.5 * mm)]
    if section["fields"]:
        parts.append(_fields_table(section["fields"], st))
    return [KeepTogether(parts), Spacer(1, 4 * mm)]


def _decision(number: int, snap: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    decision = snap["decision"]
    verdict = "DISETUJUI" if decision["approved"] else "TIDAK DISETUJUI"
    rows = [[decision["title"], decision["choice"]]]
    if decision["reason"]:
        rows.append(["Alasan", decision["reason"]])
    rows += snap["decision_fields"]
    rows.append(["Waktu keputusan", decision["at_text"]])
    box = Table([[_para(verdict, st["decision"])]], colWidths=[None], hAlign="LEFT")
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    head = f"{number}. {snap['decision_title']}"
    return [KeepTogether([_para(head, st["head"]), Spacer(1, 1.5 * mm), box,
                          Spacer(1, 2 * mm), _fields_table(rows, st)]), Spacer(1, 6 * mm)]


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def _signature_block(
    snap: dict[str, Any], head: Letterhead, url: str, st: dict[str, Any],
    found: list[SignatureBox],
) -> Table:
    decision = snap["decision"]
    decided = datetime.fromisoformat(decision["at"])
    code = snap["code"]
    left = [
        Image(io.BytesIO(qr_png(url)), width=QR_SIZE, height=QR_SIZE, hAlign="LEFT"),
        _para(f"Kode verifikasi: {code}", st["bold"]),
        _para(f"Periksa keaslian dokumen ini di {url}", st["small"]),
    ]
    right = [
        _para(f"{head.city}, {long_date(decided.astimezone(WIB).date())}", st["body"]),
        _para(decision["jabatan"] or "", st["body"]),
        SignatureSpot(found),
        _para(decision["signer"], st["bold"]),
        _para(f"NIP. {decision['nip']}" if decision["nip"] else "NIP. -", st["body"]),
    ]
    table = Table([[left, right]], colWidths=[None, SIGN_W + 10 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def render(snap: dict[str, Any], head: Letterhead, verify_url: str) -> RenderedPdf:
    """The document's PDF (unsigned) and where its signature block landed."""
    st = styles()
    found: list[SignatureBox] = []
    created = datetime.fromisoformat(snap["created_at"])

    def first_page(canvas: Any, doc: Any) -> None:
        draw_letterhead(canvas, head, MARGIN, A4[0] - MARGIN, A4[1] - MARGIN + 6 * mm)
        later_pages(canvas, doc)

    def later_pages(canvas: Any, doc: Any) -> None:
        canvas.setFont(REGULAR, 7.5)
        note = (f"{snap['number']} · kode verifikasi {snap['code']} · dibuat "
                f"{wib_text(created)} · halaman {doc.page}")
        for i, line in enumerate(simpleSplit(note, REGULAR, 7.5, A4[0] - 2 * MARGIN)):
            canvas.drawString(MARGIN, 10 * mm - i * 9, line)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=LETTERHEAD_SPACE, bottomMargin=18 * mm,
        title=f"{snap['title']} {snap['number']}", author=head.office, subject=snap["number"],
        creator="Alur",
    )
    story: list[Any] = [
        _para(snap["title"].upper(), st["title"]),
        _para(f"Nomor: {snap['number']}", st["center"]),
        Spacer(1, 6 * mm),
    ]
    for i, section in enumerate(snap["sections"], start=1):
        story += _section(i, section, st)
    story += _decision(len(snap["sections"]) + 1, snap, st)
    story.append(_signature_block(snap, head, verify_url, st, found))
    try:
        doc.build(story, onFirstPage=first_page, onLaterPages=later_pages)
    except LayoutError as err:  # a value too long for a page: never expected from forms
        raise ValueError(f"document layout failed: {err}") from err
    if not found:
        raise ValueError("document layout lost its signature block")
    return RenderedPdf(out.getvalue(), found[-1])

