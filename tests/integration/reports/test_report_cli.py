"""``alur report durations`` prints the page's numbers as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask

from engine import users
from tests.integration.reports.seed import S1, seed_known
from webui.cli import main
from webui.extensions import db


@pytest.fixture
def known_app(app: Flask) -> Flask:
    with app.app_context():
        seed_known(db.session, users.get_user(db.session, "pemohon").id)
        db.session.commit()
    return app


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(main, ["report", "durations", *args])


def test_json_is_the_api_shape(known_app) -> None:
    result = invoke(known_app, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"target_s", "steps", "total", "loop_rate"}
    step1 = next(s for s in data["steps"] if s["bpmn_id"] == S1)
    assert {k: step1[k] for k in ("name", "target_s", "count", "median_s", "p90_s", "max_s",
                                  "within_target_pct")} == {
        "name": "Mengisi FPVC dan/atau mengirim surat resmi", "target_s": 180, "count": 5,
        "median_s": 170.0, "p90_s": 320.0, "max_s": 400.0, "within_target_pct": 60.0}
    assert data["total"]["median_s"] == 470.0 and data["loop_rate"] == 0.2


def test_table_is_the_default(known_app) -> None:
    result = invoke(known_app)
    assert result.exit_code == 0, result.output
    assert "Mengisi FPVC" in result.output and "2 mnt 50 dtk" in result.output
    assert "60.0%" in result.output and "Waktu SOP" in result.output
    assert "Permintaan: 5" in result.output


def test_csv_and_filters(known_app) -> None:
    result = invoke(known_app, "--format", "csv", "--instansi", "Dinas A",
                    "--from", "2026-03-01", "--to", "2026-03-31", "--version", "1")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    step1 = next(r for r in rows if r["level"] == "step" and r["bpmn_id"] == S1)
    assert (step1["count"], step1["median_s"]) == ("2", "250.0")


def test_a_bad_date_is_a_usage_error(known_app) -> None:
    result = invoke(known_app, "--from", "kemarin")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_working_hours_clock(known_app) -> None:
    result = invoke(known_app, "--format", "json", "--clock", "office")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["clock"] == "office_hours"
