"""Characters no form field may hold, checked by ``engine.forms.validate`` on every form.

A single-line field (any string property that is not ``"x-widget": "textarea"``) refuses
every control character and the Unicode line separators: a CR/LF typed into the name of a
meeting would become lines of their own in the staff's mail, a TAB would shift a CSV. A
textarea keeps TAB and line breaks. Half of a UTF-16 pair (JSON's ``"\\ud800"``) is no
character at all and can be neither stored nor shown. The rule is ``engine.input_text``'s,
which every other boundary (JSON, query strings, users, the CLI) shares. Pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FieldError
from engine.input_text import BROKEN_TEXT, CONTROL_IN_LINE, CONTROL_IN_TEXT, text_problem

__all__ = ["BROKEN_TEXT", "CONTROL_IN_LINE", "CONTROL_IN_TEXT", "text_errors"]


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
            problem = text_problem(value, multiline=prop.get("x-widget") == "textarea")
            if problem is not None:
                errors[prefix + name] = FieldError(problem)
    return errors
