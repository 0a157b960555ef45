"""The one rule for what text and whole numbers from outside may hold, wherever they come
in: form fields (``engine.form_text``), JSON bodies and query strings (``webui.api``), user
names and passwords (``engine.users``), CLI arguments and standard input (``webui.cli``).

Half of a UTF-16 pair (JSON's ``"\\ud800"``, or a byte that is not UTF-8 in a command
argument, which Python keeps as ``"\\udcff"``) is no character at all: it can be neither
stored nor shown, so every page or command reading it back would fail. NUL is refused by
PostgreSQL in any text. A single line refuses every control character and the Unicode line
separators (a CR/LF in a name becomes lines of its own in a mail); multi-line text keeps TAB
and line breaks. A whole number is ASCII digits (``"²"`` passes ``str.isdigit`` but not
``int``) no larger than a database ``INTEGER``. Pure Python, no web library.
"""

from __future__ import annotations

import re

from engine.forms import N_

MAX_INTEGER = 2**31 - 1  # PostgreSQL's INTEGER; SQLite overflows at 2**63
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BROKEN_TEXT = N_("Teks memuat karakter yang tidak sah (Unicode rusak).")
CONTROL_IN_LINE = N_("Isian ini hanya satu baris: hapus baris baru, tab, atau karakter kendali.")
CONTROL_IN_TEXT = N_("Teks memuat karakter kendali yang tidak sah.")


def is_broken(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate, which UTF-8 (and so every database column,
    page and terminal) cannot hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored (a message template, ``N_``-marked), or None."""
    if is_broken(value):
        return BROKEN_TEXT
    if multiline:
        return CONTROL_IN_TEXT if _CONTROL_IN_TEXT.search(value) else None
    return CONTROL_IN_LINE if _CONTROL_IN_LINE.search(value) else None


def whole_number(raw: str, limit: int = MAX_INTEGER) -> int | None:
    """``raw`` as a number from 0 to ``limit`` when it is only ASCII digits, else None."""
    raw = raw.strip()
    if not raw or len(raw) > len(str(limit)) or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if number <= limit else None


def shown(text: str) -> str:
    """``text`` safe to print in a message: bytes that were not UTF-8 as ``\\xff``, control
    characters as escapes, at most 80 characters."""
    escaped = "".join(_shown_char(ch) for ch in text)
    return escaped if len(escaped) <= 80 else escaped[:79] + "…"


def _shown_char(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # a byte that was not UTF-8 (``surrogateescape``)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    # any other half of a UTF-16 pair (a Python caller's, JSON's) as ``\ud800``
    return ch if ch.isprintable() else ch.encode("unicode_escape").decode()
