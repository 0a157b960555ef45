"""The statements one task submission costs over the API (issue 11: at most 14, the
SpiffArena backend runs about 100): counted, not timed, so the test holds on any host."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from tests.support.api_client import ApiUser, Started
from webui.extensions import db

MAX_STATEMENTS = 14


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(*args: Any) -> None:
        statements.append(str(args[2]).split("\n")[0][:80])

    with app.app_context():
        bind = db.engine
    event.listen(bind, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", listener)


def test_a_task_submission_runs_at_most_14_statements(
    app: Flask, api: dict[str, ApiUser], started: Started
) -> None:
    with counted(app) as statements:
        api["staf"].ok("post", f"/tasks/{started.verify_task}/complete",
                       json={"data": {"catatan_verifikasi": "Lengkap"}})
    assert any(s.startswith("UPDATE instances") for s in statements), statements
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
