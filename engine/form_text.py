"""Characters no form field may hold, checked by ``engine.forms.validate`` on every form.

A single-line field (any string property that is not ``"x-widget": "textarea"``) refuses
every control character and the Unicode line separators: a CR/LF typed into the name of a
meeting would become lines of their own in the staff's mail, a TAB would shift a CSV. A
textarea keeps TAB and line breaks. Half of a UTF-16 pair (JSON's ``"\\ud800"``) is no
character at all and can be neither stored nor shown. Pure Python, no web library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.errors import FieldError
from engine.forms import N_

_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BROKEN_TEXT = N_("Teks memuat karakter yang tidak sah (Unicode rusak).")
CONTROL_IN_LINE = N_("Isian ini hanya satu baris: hapus baris baru, tab, atau karakter kendali.")
CONTROL_IN_TEXT = N_("Teks memuat karakter kendali yang tidak sah.")


def text_errors(
    schema: Mapping[str, Any], values: Mapping[str, Any], prefix: str = ""
) -> dict[str, FieldError]:
    """One error per string field holding a character it may not hold."""
    errors: dict[str, FieldError] = {}
    for name, prop in schema.get("properties", {}).items():
        value = values.get(name)
        if isinstance(value, Mapping) and isinstance(prop.get("properties"), Mapping):
            errors.update(text_errors(prop, value, f"{prefix}{name}."))
        elif isinstance(value, str):
            problem = _text_problem(value, multiline=prop.get("x-widget") == "textarea")
            if problem is not None:
                errors[prefix + name] = FieldError(problem)
    return errors


def _text_problem(value: str, *, multiline: bool) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return BROKEN_TEXT
    if multiline:
        return CONTROL_IN_TEXT if _CONTROL_IN_TEXT.search(value) else None
    return CONTROL_IN_LINE if _CONTROL_IN_LINE.search(value) else None
