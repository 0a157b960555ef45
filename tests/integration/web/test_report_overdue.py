"""The report counts the steps waiting now past their due time ("Terlambat kini"), which
the within-target share cannot show (it counts finished steps only), and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from engine.models import StepRecord
from tests.integration.web.conftest import Site, text
from webui.extensions import db


def test_steps_waiting_past_their_time_are_counted_now(site: Site) -> None:
    late, on_time = site.at_step("2"), site.at_step("2")
    with site.app.app_context():
        db.session.execute(update(StepRecord)
                           .where(StepRecord.task_id == site.ready(late).task_id)
                           .values(due_at=datetime.now(UTC) - timedelta(hours=1)))
        db.session.commit()
    page = text(site.client("auditor").get("/laporan"))
    assert "Cara membaca angka" in page and "Terlambat kini" in page
    row = page.split("Menerima dan memverifikasi FPVC", 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Menunggu kini" class="num">2<' in row
    assert '<span class="badge badge-late">1</span>' in row, row
    assert on_time.summary.number  # the other one waits within its time
