"""The SOP sheet of a deployed process version, in the Permen PAN-RB 35/2012 format: an
HTML page that prints on A4 landscape, and its PDF. Read by admins and auditors (who
check the official procedure a request ran on); the sheet comes from the version's BPMN
file alone (``engine.documents.sopsheet``).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from engine.documents.sopsheet import SopSheet
from webui.auth import roles_required
from webui.extensions import db_session, engine

bp = Blueprint("sop", __name__)
READERS = ("admin", "auditor")


def lane_cells(sheet: SopSheet) -> list[list[list[str]]]:
    """For each row, each lane cell's drawing: the symbol and the connector pieces that
    bring the flow from the previous row's executor to this row's (CSS classes)."""
    drawn: list[list[list[str]]] = []
    last = len(sheet.rows) - 1
    for i, row in enumerate(sheet.rows):
        here = row.lane_index
        before = sheet.rows[i - 1].lane_index if i > 0 else None
        cells: list[list[str]] = []
        for lane in range(len(sheet.lanes)):
            parts: list[str] = []
            if lane == here:
                parts.append("sym")
                if before == here:
                    parts.append("v-in")
                elif before is not None:
                    parts += ["v-jog", "h-left" if before < here else "h-right"]
                if i < last:
                    parts.append("v-out")
            elif lane == before:
                parts += ["v-top", "h-right" if here > lane else "h-left"]
            elif before is not None and min(before, here) < lane < max(before, here):
                parts.append("h-full")
            cells.append(parts)
        drawn.append(cells)
    return drawn


@bp.get("/proses/<process_id>/v<int:version>/sop")
@roles_required(*READERS)
def sheet(process_id: str, version: int) -> ResponseReturnValue:
    found = engine().documents.sop_sheet(db_session(), process_id[:200], version)
    return render_template("sop/sheet.html", sheet=found, cells=lane_cells(found))


@bp.get("/proses/<process_id>/v<int:version>/sop.pdf")
@roles_required(*READERS)
def sheet_pdf(process_id: str, version: int) -> ResponseReturnValue:
    data = engine().documents.sop_pdf(db_session(), process_id[:200], version)
    filename = f"SOP-{process_id[:80]}-v{version}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
