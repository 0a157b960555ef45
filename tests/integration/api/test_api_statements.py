"""The statements one task submission costs over the API (issue 11: at most 14, the
SpiffArena backend runs about 100): counted, not timed, so the test holds on any host."""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import Flask

from tests.support import sql
from tests.support.api_client import ApiUser, Started
from webui.extensions import db

MAX_STATEMENTS = 14


def counted(app: Flask) -> AbstractContextManager[list[str]]:
    """The statements the app's database runs inside the block."""
    with app.app_context():
        return sql.statements(db.engine)


def test_a_task_submission_runs_at_most_14_statements(
    app: Flask, api: dict[str, ApiUser], started: Started
) -> None:
    with counted(app) as statements:
        api["staf"].ok("post", f"/tasks/{started.verify_task}/complete",
                       json={"data": {"catatan_verifikasi": "Lengkap"}})
    assert any(s.startswith("UPDATE instances") for s in statements), statements
    assert len(statements) <= MAX_STATEMENTS, "\n".join(
        s.split("\n")[0][:80] for s in statements)
