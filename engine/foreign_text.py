"""Text from systems Alur does not control: a provider's answer or error message, a mail
server's reply. What no database column, hash or page can hold (NUL, and half of a UTF-16
pair, as JSON's ``"\\ud800"`` parses) becomes U+FFFD, so an odd answer is recorded and
shown as it came instead of failing, again on every retry, the job that received it.
People's own input is refused instead (``engine.input_text``). Pure Python.
"""

from __future__ import annotations

import re
from typing import Any

_UNHOLDABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """``text`` with each character no store can hold replaced by U+FFFD."""
    return _UNHOLDABLE.sub(REPLACEMENT, text)


def cleaned(value: Any) -> Any:
    """``value`` (parsed JSON: dicts, lists, strings, numbers) with every string cleaned,
    keys included; everything else as it is."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cleaned(v) for v in value]
    return value
