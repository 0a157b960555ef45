"""The PDF toolkit both documents share (ReportLab): embedded fonts, paragraph styles and
the letterhead (*kop surat*) of the office.

ReportLab installs from PyPI alone (no system libraries), so a fresh machine renders the
same PDF as a developer's. The fonts are the Bitstream Vera family ReportLab ships, embedded
in every PDF: the document looks the same in every viewer and its text extracts back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD, ITALIC = "AlurSans", "AlurSans-Bold", "AlurSans-Italic"


@dataclass(frozen=True)
class Letterhead:
    """The office's kop surat: configured by ``ALUR_LETTERHEAD_*`` (see the README)."""

    government: str = "PEMERINTAH KOTA TANGERANG"
    office: str = "DINAS KOMUNIKASI DAN INFORMATIKA"
    address: str = (
        "Gedung Pusat Pemerintahan Kota Tangerang, Jl. Satria - Sudirman No. 1, "
        "Kota Tangerang, Banten 15111"
    )
    contact: str = "Laman: tangerangkota.go.id"
    city: str = "Tangerang"
    logo: Path | None = None


def register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#333333")),
        "bold": ParagraphStyle("bold", parent=base, fontName=BOLD),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=10.5, leading=14),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=13, leading=17, alignment=TA_CENTER
        ),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "decision": ParagraphStyle(
            "decision", parent=base, fontName=BOLD, fontSize=12, leading=16
        ),
    }


def draw_letterhead(canvas: Any, head: Letterhead, left: float, right: float, top: float) -> float:
    """Draw the kop surat between ``left`` and ``right`` below ``top``; returns the y of
    its closing double rule."""
    register_fonts()
    logo_w = 0.0
    if head.logo is not None and head.logo.is_file():
        logo_w = 22 * mm
        canvas.drawImage(
            str(head.logo), left, top - 24 * mm, width=logo_w, height=24 * mm,
            preserveAspectRatio=True, anchor="c", mask="auto",
        )
    middle = (left + logo_w + right) / 2
    lines = (
        (BOLD, 12.5, head.government),
        (BOLD, 15, head.office),
        (REGULAR, 8.5, head.address),
        (REGULAR, 8.5, head.contact),
    )
    y = top - 5 * mm
    for font, size, text in lines:
        if text:
            canvas.setFont(font, size)
            canvas.drawCentredString(middle, y, text)
            y -= size + 3.5
    rule = min(y, top - 26 * mm) - 1 * mm
    canvas.setLineWidth(2)
    canvas.line(left, rule, right, rule)
    canvas.setLineWidth(0.6)
    canvas.line(left, rule - 2.5, right, rule - 2.5)
    return rule - 2.5
