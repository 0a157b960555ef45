"""Watching what a block of code sends to the database: the statements, or the commits,
counted by the engine's own events (never timed, so a test holds on any host)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements(bind: Engine) -> Iterator[list[str]]:
    """The SQL text of every statement run on ``bind`` inside the block, in order."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", listener)


@contextmanager
def commits(bind: Engine) -> Iterator[list[int]]:
    """``[n]``: how many transactions committed on ``bind`` so far inside the block."""
    count = [0]

    def listener(_conn: Any) -> None:
        count[0] += 1

    event.listen(bind, "commit", listener)
    try:
        yield count
    finally:
        event.remove(bind, "commit", listener)
