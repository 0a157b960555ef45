"""The SOP sheet of each deployed version, for admins and auditors: the HTML page (one
row per activity, the symbol in the executor's column) and its PDF; a new version whose
step target changed gets a sheet that says so, and the old version's sheet stays."""

from __future__ import annotations

import re

from tests.integration.web.conftest import Site, now, text
from tests.support.documents import pdf_text
from tests.support.journey import PROCESSES
from webui.extensions import db, engine

PROCESS_ID = "permintaan_layanan_video_conference"
SHEET = f"/proses/{PROCESS_ID}/v{{}}/sop"


def _rows(page: str) -> list[tuple[str, str]]:
    """(step, symbol column) of each flow row: which lane cell holds the symbol."""
    found = []
    for step, row in re.findall(r'<tr data-step="(\w+)">(.*?)</tr>', page, re.S):
        cells = re.findall(r'<td class="lane"( data-symbol="\w+")?>', row)
        found.append((step, "".join("X" if c else "." for c in cells)))
    return found


def test_admins_and_auditors_read_the_sheet_of_the_shipped_version(site: Site) -> None:
    for who in ("auditor", "admin"):
        page = site.client(who).get(SHEET.format(1))
        assert page.status_code == 200, who
    body = text(page)
    assert _rows(body) == [("1", "X.."), ("2", ".X."), ("3", "..X"), ("4", ".X."), ("5", "X..")]
    assert body.count('data-symbol="terminator"') == 2 and 'data-symbol="decision"' in body
    assert "Bila tidak ditandatangani, dilanjutkan ke nomor 1" in body
    assert "<strong>7 menit</strong>" in body and "sop-sheet.css" in body
    with site.client("auditor").get("/static/sop-sheet.css") as css:
        assert "@page { size: A4 landscape" in css.get_data(as_text=True)
    pdf = site.client("auditor").get(SHEET.format(1) + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Mutu Baku" in pdf_text(pdf.data)


def test_others_may_not_and_an_unknown_version_is_404(site: Site) -> None:
    for who in ("pemohon", "staf", "subkoor"):
        assert site.client(who).get(SHEET.format(1)).status_code == 403, who
    assert site.client().get(SHEET.format(1)).status_code == 302
    assert site.client("auditor").get(SHEET.format(9)).status_code == 404
    assert site.client("auditor").get("/proses/tidak_ada/v1/sop.pdf").status_code == 404


def test_a_changed_target_in_a_new_version_changes_its_sheet_only(site: Site) -> None:
    xml = (PROCESSES / f"{PROCESS_ID}.bpmn").read_text(encoding="utf-8")
    changed = re.sub(r'(name="step" value="2" />.*?name="target" value=")PT2M', r"\1PT5M",
                     xml, count=1, flags=re.S)
    changed = changed.replace('name="target" value="PT7M"', 'name="target" value="PT10M"', 1)
    assert changed != xml
    with site.app.app_context():
        result = engine().deploy(db.session, changed.encode(), f"{PROCESS_ID}.bpmn",
                                 actor="admin", now=now())
        db.session.commit()
    assert result.created and result.version.version == 2
    auditor = site.client("auditor")
    new, old = text(auditor.get(SHEET.format(2))), text(auditor.get(SHEET.format(1)))
    assert "<strong>10 menit</strong>" in new and "<strong>7 menit</strong>" in old
    row2 = re.search(r'<tr data-step="2">(.*?)</tr>', new, re.S)
    assert row2 and "<td>5 menit</td>" in row2.group(1)
    assert "<td>2 menit</td>" in re.search(r'<tr data-step="2">(.*?)</tr>', old, re.S).group(1)
