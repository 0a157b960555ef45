"""The test suite's cheap password hashing (``ALUR_PASSWORD_COST=test``) is a separate
scheme stored with the hash: a hash verifies whatever the current cost, and the standard
cost stays the default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine import users
from engine.models import User


@pytest.fixture
def cost() -> Iterator[None]:
    yield
    users.set_password_cost("test")  # what tests/conftest.py set for the session


def test_a_hash_verifies_whatever_cost_is_current(cost: None) -> None:
    users.set_password_cost("standard")
    standard = User(password_hash=users.hash_password("rahasia-1"), active=True)
    users.set_password_cost("test")
    cheap = User(password_hash=users.hash_password("rahasia-2"), active=True)
    assert standard.password_hash.startswith("scrypt$")
    assert cheap.password_hash.startswith("scrypt-test$")
    for cost_now in ("standard", "test"):
        users.set_password_cost(cost_now)
        assert users.check_password(standard, "rahasia-1")
        assert users.check_password(cheap, "rahasia-2")
        assert not users.check_password(cheap, "rahasia-1")


def test_an_unknown_scheme_never_verifies() -> None:
    digest = users.hash_password("rahasia").split("$", 1)[1]
    assert not users.check_password(User(password_hash=f"md5${digest}", active=True), "rahasia")

