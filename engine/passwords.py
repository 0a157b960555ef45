"""Password hashes: argon2id (argon2-cffi), its cost set once from configuration
(``ALUR_PASSWORD_HASHING``, e.g. ``t=2,m=19456,p=1``: passes, memory in KiB, lanes);
hashes of the first releases (``scrypt$salt$digest``, N=2^14, r=8, p=1) still verify and
are replaced on the next successful sign-in, as are argon2 hashes of another cost.

Every check costs one hash, whether the account exists, is disabled or has no password
(``dummy_hash``), so the time of an answer does not tell them apart. Imports no web layer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT = "t=2,m=19456,p=1"  # OWASP's argon2id minimum: about the old scrypt's cost
_SPEC = re.compile(r"t=(\d{1,3}),m=(\d{1,8}),p=(\d{1,3})")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hasher(spec: str = DEFAULT) -> PasswordHasher:
    """An argon2id hasher from ``t=…,m=…,p=…``; ValueError with what is wrong."""
    match = _SPEC.fullmatch(spec.replace(" ", "").removeprefix("argon2id:"))
    if match is None:
        raise ValueError(f"PASSWORD_HASHING harus berbentuk t=2,m=19456,p=1, bukan {spec!r}")
    time_cost, memory_kib, lanes = (int(g) for g in match.groups())
    if time_cost < 1 or lanes < 1 or memory_kib < 8 * lanes:
        raise ValueError("PASSWORD_HASHING: t dan p paling kecil 1, m paling kecil 8 × p (KiB)")
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=lanes,
                          type=Type.ID)


PASSWORD_HASHER = hasher()
_dummies: dict[tuple[int, int, int], str] = {}


def configure(spec: str) -> None:
    """Use the cost ``spec`` for new hashes (``create_app`` calls it from configuration)."""
    global PASSWORD_HASHER
    PASSWORD_HASHER = hasher(spec)


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2 of any cost, or the old scrypt)."""
    if stored.startswith("scrypt$"):
        return _verify_scrypt(stored, password)
    try:
        return PASSWORD_HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` is not argon2id at the configured cost."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return PASSWORD_HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def dummy_hash() -> str:
    """A hash of a random password at the configured cost, to check when there is none."""
    h = PASSWORD_HASHER
    key = (h.time_cost, h.memory_cost, h.parallelism)
    if key not in _dummies:
        _dummies[key] = h.hash(secrets.token_urlsafe(16))
    return _dummies[key]


def _verify_scrypt(stored: str, password: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$")
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return hmac.compare_digest(digest, expected)
