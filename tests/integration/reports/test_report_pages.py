"""``/laporan`` for auditors and admins: the table, filters, inline SVG charts and diagram,
CSV exports that parse back; everyone else is refused."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree, html

from engine import users
from tests.integration.reports.seed import RECEIVE, S1, seed_known
from webui.extensions import db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def known_app(app: Flask) -> Flask:
    with app.app_context():
        seed_known(db.session, users.get_user(db.session, "pemohon").id)
        db.session.commit()
    return app


def svgs(page: str) -> list[Any]:
    """Every inline SVG of the page, parsed as standalone XML (so it must be well-formed)."""
    tree = html.fromstring(page)
    return [etree.fromstring(html.tostring(el, encoding="unicode"))
            for el in tree.iter("svg")]


@pytest.mark.parametrize("username", ["auditor", "admin"])
def test_auditors_and_admins_see_the_report(known_app, login_as, username) -> None:
    response = login_as(username).get("/laporan")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mengisi FPVC dan/atau mengirim surat resmi" in page
    assert "60,0%" in page and "60.0%" not in page  # step 1: 3 of 5 within 3 min (id)
    assert "2 mnt 50 dtk" in page  # step 1 median, 170 s
    assert "laporan/langkah.csv" in page and "laporan/ringkasan.csv" in page


@pytest.mark.parametrize("username", ["pemohon", "staf", "subkoor"])
def test_everyone_else_is_refused(known_app, login_as, username) -> None:
    client = login_as(username)
    for path in ("/laporan", "/laporan/langkah.csv", "/laporan/ringkasan.csv"):
        assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(known_app, client: FlaskClient) -> None:
    response = client.get("/laporan")
    assert response.status_code in (302, 303) and "/masuk" in response.headers["Location"]


def test_the_charts_and_diagram_are_well_formed_svg_with_titles(known_app, login_as) -> None:
    page = login_as("auditor").get("/laporan").get_data(as_text=True)
    found = svgs(page)
    assert len(found) >= 1 + 6 + 1  # diagram, six step histograms, the weekly trend
    for svg in found:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    diagram = found[0]
    names = "".join(diagram.itertext())
    assert "Staf Seksi IIDC" in names and "Mengisi FPVC" in names
    assert diagram.findall(f".//{SVG}polyline") and diagram.findall(f".//{SVG}polygon")
    assert "✗" in names  # step 1 at 60 %: graded by a symbol too, not by colour alone
    outside = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page and "http://" not in outside and "https://" not in outside


def test_filters_narrow_the_report(known_app, login_as) -> None:
    client = login_as("auditor")
    page = client.get("/laporan?instansi=Dinas+A").get_data(as_text=True)
    assert ">3<" in page.replace(" ", "")  # three requests of Dinas A
    assert 'value="Dinas A" selected' in page
    bad = client.get("/laporan?dari=kemarin&sampai=2026-03-01")
    assert bad.status_code == 422 and "TTTT-BB-HH" in bad.get_data(as_text=True)
    swapped = client.get("/laporan?dari=2026-03-05&sampai=2026-03-01")
    assert swapped.status_code == 422


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_step_records_csv_parses_back(known_app, login_as) -> None:
    client = login_as("auditor")
    records = rows(client.get("/laporan/langkah.csv"))
    assert len(records) == 5 + 9 + 2 + 2 + 5  # A, B, C, D, E: one row per step per pass
    first = next(r for r in records if r["bpmn_id"] == S1 and r["instansi"] == "Dinas A"
                 and r["duration_s"] == "100.0")
    assert first["number"].startswith("VC-") and first["pass"] == "1"
    assert first["ready_at"] == "2026-03-02T08:00:00+07:00"
    assert (first["waiting_s"], first["working_s"], first["target_s"]) == ("10.0", "90.0", "180")
    assert first["within_target"] == "true"
    receive = next(r for r in records if r["bpmn_id"] == RECEIVE)
    assert receive["target_s"] == "" and receive["within_target"] == ""
    only_a = rows(client.get("/laporan/langkah.csv?instansi=Dinas+A"))
    assert {r["instansi"] for r in only_a} == {"Dinas A"} and len(only_a) == 5 + 2 + 5


def test_streaming_the_records_leaves_no_transaction_open(known_app, login_as) -> None:
    """The CSV's rows are read while the response streams, after the view's own session
    was closed: read on that session, they began a transaction (SQLite: BEGIN IMMEDIATE)
    that no one ended, and the next request of anyone found the database locked (503)."""
    auditor = login_as("auditor")
    assert len(rows(auditor.get("/laporan/langkah.csv"))) == 5 + 9 + 2 + 2 + 5
    assert auditor.get("/laporan/ringkasan.csv").status_code == 200
    assert login_as("pemohon").get("/permintaan").status_code == 200


def test_the_summary_csv_has_the_report_numbers(known_app, login_as) -> None:
    summary = rows(login_as("admin").get("/laporan/ringkasan.csv"))
    step1 = next(r for r in summary if r["level"] == "step" and r["bpmn_id"] == S1)
    assert (step1["count"], step1["median_s"], step1["p90_s"]) == ("5", "170.0", "320.0")
    assert step1["within_target_pct"] == "60.0"
    passes = [r for r in summary if r["level"] == "pass" and r["bpmn_id"] == S1]
    assert [(r["pass"], r["count"]) for r in passes] == [("1", "4"), ("2", "1")]
    sop = next(r for r in summary if r["level"] == "sop")
    assert (sop["median_s"], sop["target_s"], sop["within_target_pct"]) == ("470.0", "420",
                                                                            "33.3")
    requests = next(r for r in summary if r["level"] == "requests")
    assert (requests["count"], requests["cancelled"], requests["loop_rate"]) == ("5", "1",
                                                                                 "0.2")


def test_the_working_hours_clock_is_a_choice(known_app, login_as) -> None:
    client = login_as("auditor")
    page = client.get("/laporan?jam=kerja").get_data(as_text=True)
    assert "dihitung dalam jam kerja (Senin–Jumat 07.30–16.00 WIB" in page
    assert "2 mnt 50 dtk" in page  # the seeded requests run within office hours
    assert client.get("/laporan?jam=malam").status_code == 422
    summary = rows(client.get("/laporan/ringkasan.csv?jam=kerja"))
    assert next(r for r in summary if r["level"] == "step")["median_s"] == "170.0"
