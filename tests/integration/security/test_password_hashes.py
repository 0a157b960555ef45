"""Passwords were scrypt (N=2^14) without their parameters stored. New hashes are argon2id
with the cost in the hash; a scrypt hash of the first releases still signs in, and is
replaced by argon2id on that sign-in, as is an argon2 hash of another cost."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest

from engine import passwords, users
from tests.conftest import CHEAP_HASHING, PASSWORD
from tests.integration.web.conftest import Site
from webui.extensions import db


def old_scrypt_hash(password: str) -> str:
    """A hash exactly as the first releases wrote it."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def stored_hash(site: Site, username: str) -> str:
    with site.app.app_context():
        return users.get_user(db.session, username).password_hash or ""


def set_hash(site: Site, username: str, value: str) -> None:
    with site.app.app_context():
        users.get_user(db.session, username).password_hash = value
        db.session.commit()


def sign_in(site: Site, username: str, password: str = PASSWORD) -> int:
    return site.post(site.app.test_client(), "/masuk",
                     {"username": username, "password": password}).status_code


def test_new_passwords_are_argon2id_with_their_cost(site: Site) -> None:
    stored = stored_hash(site, "staf")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PASSWORD not in stored


def test_an_old_scrypt_hash_signs_in_and_is_replaced(site: Site) -> None:
    set_hash(site, "staf", old_scrypt_hash(PASSWORD))
    assert sign_in(site, "staf", "salah") == 401
    assert stored_hash(site, "staf").startswith("scrypt$")  # a wrong password changes nothing
    assert sign_in(site, "staf") == 302
    assert stored_hash(site, "staf").startswith("$argon2id$")
    assert sign_in(site, "staf") == 302


def test_a_hash_of_another_cost_is_replaced_on_sign_in(site: Site) -> None:
    set_hash(site, "staf", passwords.hasher("t=2,m=16,p=1").hash(PASSWORD))
    assert sign_in(site, "staf") == 302
    assert stored_hash(site, "staf").startswith("$argon2id$v=19$m=8,t=1,p=1$")


@pytest.mark.parametrize("spec", ["", "t=3", "t=0,m=64,p=1", "t=1,m=4,p=1", "fast"])
def test_a_bad_cost_setting_names_the_setting(spec: str) -> None:
    with pytest.raises(ValueError, match="PASSWORD_HASHING"):
        passwords.hasher(spec)


def test_the_default_cost_is_owasps_minimum() -> None:
    h = passwords.hasher()
    assert (h.time_cost, h.memory_cost, h.parallelism) == (2, 19456, 1)
    assert passwords.hasher(CHEAP_HASHING).time_cost == 1
