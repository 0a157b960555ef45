"""Configuration as the operator gives it: the defaults that matter, and every mistake a
one-line message naming the variable, what is wrong and how to fix it (exit code 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import users
from webui import create_app


@pytest.fixture
def cost() -> Iterator[None]:
    yield
    users.set_password_cost("test")  # what tests/conftest.py set for the session


def test_the_app_hashes_at_the_standard_cost_unless_told(cost: None, tmp_path: Path) -> None:
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "SECRET_KEY": "x"})
    assert users.hash_password("rahasia").startswith("scrypt$")
