"""Where a page may send a person back to (``next`` of sign-in, the language switch,
claim and release): only a path on this site. Imports nothing of the app.

Browsers are lenient with a ``Location``: they drop TAB, CR and LF anywhere, trim
leading spaces and control characters, and read ``\\`` as ``/``, so ``/\\t/evil.example``
arrives as ``//evil.example``, another site. Anything but a plain local path (printable,
no whitespace or control character, no backslash, no scheme or host) becomes the
default; a CR/LF never reaches the response header.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, ``default`` otherwise."""
    if not target or len(target) > 2048 or not target.startswith("/"):
        return default
    if target.startswith("//") or "\\" in target or any(_unsafe(ch) for ch in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target


def _unsafe(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _UNSAFE_CATEGORIES
