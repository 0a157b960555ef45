"""The SOP sheet as a PDF on A4 landscape (ReportLab): the identity page, then the flow
table with the flowchart drawn in the executors' columns (terminator, process, decision)
and the connectors from each row's symbol to the next."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from engine.documents.layout import escape
from engine.documents.pdfbase import BOLD, styles
from engine.documents.sopsheet import SopSheet

PAGE = landscape(A4)
MARGIN = 12 * mm
SYMBOL_W, SYMBOL_H = 18 * mm, 9 * mm
JOG = 3 * mm  # where a connector turns, below a row's top
GRID: list[Any] = [
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


def _p(text: str, style: Any) -> Paragraph:
    return Paragraph(escape(text or "-"), style)


def _list(items: list[str], st: dict[str, Any]) -> list[Paragraph]:
    if not items:
        return [_p("-", st["small"])]
    if len(items) == 1:
        return [_p(items[0], st["small"])]
    return [_p(f"{i}. {item}", st["small"]) for i, item in enumerate(items, start=1)]


def _identity(sheet: SopSheet, st: dict[str, Any]) -> list[Any]:
    ident = sheet.identity
    approver = [_p(ident["sop_approver_title"], st["small"]), Spacer(1, 10 * mm),
                _p(ident["sop_approver_name"], st["bold"]),
                _p(f"NIP. {ident['sop_approver_nip'] or '-'}", st["small"])]
    office = [_p(ident["sop_office"].upper(), st["head"]),
              _p(ident["sop_unit"].upper(), st["bold"])]
    rows = [
        [office, _p("Nomor SOP", st["small"]), _p(ident["sop_number"], st["small"])],
        ["", _p("Tanggal Pembuatan", st["small"]), _p(ident["sop_made_on"], st["small"])],
        ["", _p("Tanggal Revisi", st["small"]), _p(ident["sop_revised_on"], st["small"])],
        ["", _p("Tanggal Efektif", st["small"]), _p(ident["sop_effective_on"], st["small"])],
        ["", _p("Disahkan oleh", st["small"]), approver],
        ["", _p("Nama SOP", st["small"]), _p(ident["sop"], st["bold"])],
    ]
    head = Table(rows, colWidths=[110 * mm, 40 * mm, None])
    head.setStyle(TableStyle([*GRID, ("SPAN", (0, 0), (0, 5)),
                              ("VALIGN", (0, 0), (0, 5), "MIDDLE")]))
    s = sheet.sections
    pairs = [("Dasar Hukum", "legal_basis", "Kualifikasi Pelaksana", "qualifications"),
             ("Keterkaitan", "related", "Peralatan / Perlengkapan", "equipment"),
             ("Peringatan", "warnings", "Pencatatan dan Pendataan", "records")]
    body = [[[_p(f"{a}:", st["bold"]), *_list(s[ka], st)], [_p(f"{b}:", st["bold"]),
             *_list(s[kb], st)]] for a, ka, b, kb in pairs]
    fields = Table(body, colWidths=[None, 110 * mm])
    fields.setStyle(TableStyle(GRID))
    return [head, fields]


class FlowTable(Table):
    """The flow table; after drawing the grid it draws each row's symbol in its lane and
    the connectors between consecutive rows' symbols."""

    def __init__(self, *args: Any, lanes: list[int], symbols: list[str], first_lane: int,
                 first_row: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lanes, self.symbols = lanes, symbols
        self.first_lane, self.first_row = first_lane, first_row

    def draw(self) -> None:
        super().draw()
        # The grid's positions, known once the table is laid out (ReportLab keeps them).
        canvas = self.canv
        cols: list[float] = getattr(self, "_colpositions")  # noqa: B009
        rows: list[float] = getattr(self, "_rowpositions")  # noqa: B009
        canvas.saveState()
        canvas.setLineWidth(0.8)
        previous: tuple[float, float] | None = None
        for i, (lane, symbol) in enumerate(zip(self.lanes, self.symbols, strict=True)):
            if lane < 0:
                continue
            col = self.first_lane + lane
            x = (cols[col] + cols[col + 1]) / 2
            top = rows[self.first_row + i] - 2 * JOG
            _symbol(canvas, symbol, x, top)
            if previous is not None:
                px, py = previous
                jog = rows[self.first_row + i] - JOG
                canvas.lines([(px, py, px, jog), (px, jog, x, jog), (x, jog, x, top)])
                _arrow(canvas, x, top)
            previous = (x, top - SYMBOL_H)
        canvas.restoreState()


def _symbol(canvas: Any, kind: str, x: float, top: float) -> None:
    left, bottom = x - SYMBOL_W / 2, top - SYMBOL_H
    if kind == "terminator":
        canvas.roundRect(left, bottom, SYMBOL_W, SYMBOL_H, SYMBOL_H / 2, stroke=1, fill=0)
    elif kind == "decision":
        mid = bottom + SYMBOL_H / 2
        path = canvas.beginPath()
        path.moveTo(x, top)
        path.lineTo(left + SYMBOL_W, mid)
        path.lineTo(x, bottom)
        path.lineTo(left, mid)
        path.close()
        canvas.drawPath(path, stroke=1, fill=0)
    else:
        canvas.rect(left, bottom, SYMBOL_W, SYMBOL_H, stroke=1, fill=0)


def _arrow(canvas: Any, x: float, tip: float) -> None:
    path = canvas.beginPath()
    path.moveTo(x, tip)
    path.lineTo(x - 1.2 * mm, tip + 2 * mm)
    path.lineTo(x + 1.2 * mm, tip + 2 * mm)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _flow(sheet: SopSheet, st: dict[str, Any]) -> FlowTable:
    n = len(sheet.lanes)
    head1 = [_p("No.", st["small"]), _p("Aktivitas", st["bold"]), _p("Pelaksana", st["bold"]),
             *[""] * (n - 1), _p("Mutu Baku", st["bold"]), "", "", _p("Keterangan", st["bold"])]
    head2 = ["", "", *[_p(lane, st["small"]) for lane in sheet.lanes],
             _p("Kelengkapan", st["bold"]), _p("Waktu", st["bold"]), _p("Output", st["bold"]), ""]
    body = [[_p(r.number, st["small"]), _p(r.activity, st["small"]),
             *[Spacer(1, SYMBOL_H + 4 * JOG) for _ in sheet.lanes],
             _p(r.input, st["small"]), _p(r.time, st["small"]), _p(r.output, st["small"]),
             _p(r.note, st["small"])] for r in sheet.rows]
    total = ["", _p("Total", st["bold"]), *[""] * n, "", _p(sheet.total, st["bold"]), "", ""]
    lane_w = min(32 * mm, (PAGE[0] - 2 * MARGIN - 186 * mm) / max(n, 1))
    widths = [10 * mm, 50 * mm, *[lane_w] * n, 36 * mm, 27 * mm, 28 * mm, None]
    last = 2 + n
    table = FlowTable([head1, head2, *body, total], colWidths=widths, repeatRows=2,
                      lanes=[r.lane_index for r in sheet.rows],
                      symbols=[r.symbol for r in sheet.rows], first_lane=2, first_row=2)
    table.setStyle(TableStyle([*GRID,
        ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (last - 1, 0)),
        ("SPAN", (last, 0), (last + 2, 0)), ("SPAN", (last + 3, 0), (last + 3, 1)),
        ("SPAN", (1, -1), (last, -1)), ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eeeeee")),
        ("ALIGN", (0, 0), (-1, 1), "CENTER"), ("FONTNAME", (0, 0), (-1, -1), BOLD),
    ]))
    return table


def render(sheet: SopSheet) -> bytes:
    st = styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=sheet.identity["sop"],
                            subject=f"{sheet.process_id} v{sheet.version}", creator="Alur")
    story: list[Any] = [*_identity(sheet, st), PageBreak(),
                        _p(f"Alur Prosedur: {sheet.identity['sop']}", st["head"]),
                        Spacer(1, 3 * mm), _flow(sheet, st)]
    doc.build(story)
    return out.getvalue()
