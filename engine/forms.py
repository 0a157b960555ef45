"""Form schemas: load a JSON Schema form, normalise submitted data, and validate it.

A user task's form is a JSON Schema (draft 2020-12) file in ``processes/forms/``.
``load_schema`` checks the file against the metaschema; ``normalize`` gives submitted data
the shape the process relies on (every property present, blanks as ``None``); ``validate``
checks it with the schema, with real ``email``/``date``/``uri``/``web-address`` format
checks, and with the rules the schema declares (``engine.form_rules``), and raises
``InvalidFormData`` with one Indonesian message per field. Messages are gettext msgids
marked with ``N_`` so the web layer can translate them. Pure Python: imports no web or HTTP
library and no SpiffWorkflow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from engine.errors import DefinitionError, FieldError, InvalidFormData

__all__ = ["FORMAT_CHECKER", "N_", "decision_of", "load_schema", "normalize", "validate"]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
FORM_KEY = "__all__"  # errors that belong to no single field


def N_(s: str) -> str:
    """Mark a message for extraction (babel keyword ``N_``); the web layer translates it."""
    return s


# Format checkers:
# jsonschema without extras checks "date" and only looks for "@" in "email"; "uri" is not
# checked at all. These are strict enough for a government form and need no extra package.

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return (
        bool(at)
        and len(local) <= 64
        and len(domain) <= 253
        and _EMAIL_LOCAL.fullmatch(local) is not None
        and _EMAIL_DOMAIN.fullmatch(domain) is not None
    )


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _URI.fullmatch(value) is None or _BAD_PERCENT.search(value):
        return False
    try:
        port = urlsplit(value).port  # raises on a malformed authority or port
    except ValueError:
        return False
    return port is None or port >= 0


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return _DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _is_web_address(value: object) -> bool:
    """A complete ``http(s)://`` address with a host: what a browser can open."""
    if not isinstance(value, str):
        return True
    if not _is_uri(value):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _format_checker() -> FormatChecker:
    checker = FormatChecker()  # a copy of the default checkers; ours override them here only
    checker.checks("email")(_is_email)
    checker.checks("uri")(_is_uri)
    checker.checks("date")(_is_date)
    checker.checks("web-address")(_is_web_address)
    return checker


FORMAT_CHECKER = _format_checker()


def decision_of(schema: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The decision a form declares (``x-decision``: which field decides, which holds its
    reason, which values send the request back), or None."""
    rule = (schema or {}).get("x-decision")
    if not isinstance(rule, Mapping) or not isinstance(rule.get("field"), str):
        return None
    declined = rule.get("declined")
    return {
        "field": rule["field"],
        "reason": rule.get("reason") if isinstance(rule.get("reason"), str) else None,
        "declined": [str(v) for v in declined] if isinstance(declined, list) else [],
    }


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a form schema; raise ``DefinitionError`` naming the file when it is unusable."""
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise DefinitionError(name, [f"{name}: berkas tidak ditemukan"]) from err
    except OSError as err:
        raise DefinitionError(name, [f"{name}: berkas tidak dapat dibaca ({err})"]) from err
    return parse_schema(name, data)


def parse_json(name: str, data: bytes) -> Any:
    """A pack file's JSON; ``DefinitionError`` names the file, line and column."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DefinitionError(name, [f"{name}: bukan teks UTF-8"]) from err
    except json.JSONDecodeError as err:
        problem = f"{name}: bukan JSON yang sah (baris {err.lineno}, kolom {err.colno}: {err.msg})"
        raise DefinitionError(name, [problem]) from err


def parse_schema(name: str, data: bytes) -> dict[str, Any]:
    """A form schema from the pack file ``name``; refused unless it is valid JSON Schema."""
    schema = parse_json(name, data)
    problems = _schema_problems(schema)
    if problems or not isinstance(schema, dict):
        raise DefinitionError(name, [f"{name}: {problem}" for problem in problems])
    return schema


def _schema_problems(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["isinya harus objek JSON Schema"]
    problems: list[str] = []
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        problems.append(f"$schema harus {DRAFT_2020_12}")
    meta = Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for error in meta.iter_errors(schema):
        where = "/".join(str(part) for part in error.absolute_path) or "(akar)"
        problems.append(f"bukan JSON Schema 2020-12 yang sah di {where}: {error.message}")
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        problems.append('formulir harus "type": "object" dengan "properties"')
    return problems


_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_TRUE = frozenset({"true", "on", "1", "yes", "ya"})
_FALSE = frozenset({"false", "off", "0", "no", "tidak"})


def normalize(schema: Mapping[str, Any], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every property of ``schema`` (missing ones as None), strings stripped, blanks as None.

    Keys the schema does not know are dropped; nested objects are normalised the same way.
    HTML forms send only strings, so a string holding a whole number for an integer field,
    or true/false for a boolean field, becomes that value; anything else is left for
    ``validate`` to reject with the value the user typed.
    """
    source = data or {}
    properties: Mapping[str, Any] = schema.get("properties", {})
    return {name: _normalize_value(prop, source.get(name)) for name, prop in properties.items()}


def _normalize_value(prop: Mapping[str, Any], value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return _coerce(prop, value) if value else None
    if isinstance(value, Mapping) and isinstance(prop.get("properties"), Mapping):
        return normalize(prop, value)
    return value


def _coerce(prop: Mapping[str, Any], value: str) -> Any:
    types = _types(prop)
    if "string" in types:
        return value
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "boolean" in types and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    return value


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def validate(
    schema: Mapping[str, Any], data: Mapping[str, Any] | None, today: date
) -> dict[str, Any]:
    """Normalise ``data`` and check it with the schema and the rules it declares (see
    ``engine.form_rules``); return it, or raise ``InvalidFormData``. ``today`` is the
    caller's date in WIB (Asia/Jakarta).
    """
    # form_rules and form_text import N_ from this module, so they are imported here.
    from engine import form_rules
    from engine.form_text import text_errors

    values = normalize(schema, data)
    errors = _schema_errors(schema, values)
    errors.update(text_errors(schema, values))  # a broken character says the most
    for key, error in form_rules.check(schema, values, today).items():
        errors.setdefault(key, error)  # the schema's message about a field comes first
    if errors:
        raise InvalidFormData(_in_field_order(schema, errors))
    return values


def _schema_errors(schema: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, FieldError]:
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    errors: dict[str, FieldError] = {}
    # "required"/"type" say the most about a field, so they win over the rest.
    for error in sorted(validator.iter_errors(values), key=_precedence):
        for key in _field_keys(error):
            errors.setdefault(key, _message(error))
    return errors


def _precedence(error: ValidationError) -> tuple[int, int]:
    return (0 if error.validator in ("required", "type") else 1, len(error.absolute_path))


def _field_keys(error: ValidationError) -> list[str]:
    path = [str(part) for part in error.absolute_path]
    instance: Any = error.instance
    if error.validator == "required":
        required: Any = error.validator_value
        names = [name for name in required if name not in instance]
    elif error.validator == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        names = [name for name in instance if name not in known]
    else:
        return [".".join(path) or FORM_KEY]
    return [".".join([*path, str(name)]) for name in names]


def _in_field_order(
    schema: Mapping[str, Any], errors: Mapping[str, FieldError]
) -> dict[str, FieldError]:
    order = {name: index for index, name in enumerate(schema.get("properties", {}))}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0].split(".")[0], -1)))


_TYPE_MESSAGES = {
    "string": N_("Harus berupa teks."),
    "integer": N_("Harus berupa bilangan bulat."),
    "number": N_("Harus berupa angka."),
    "boolean": N_("Harus berupa ya atau tidak."),
    "object": N_("Harus berupa kumpulan isian."),
    "array": N_("Harus berupa daftar."),
}
_FORMAT_MESSAGES = {
    "email": N_("Alamat email tidak valid."),
    "date": N_("Tanggal tidak valid; gunakan format TTTT-BB-HH."),
    "uri": N_("Alamat link (URL) tidak valid."),
    "web-address": N_("Link harus alamat lengkap yang diawali http:// atau https://."),
}
_LIMIT_MESSAGES = {
    "minimum": N_("Paling kecil %(limit)s."),
    "maximum": N_("Paling besar %(limit)s."),
    "exclusiveMinimum": N_("Harus lebih dari %(limit)s."),
    "exclusiveMaximum": N_("Harus kurang dari %(limit)s."),
    "minLength": N_("Paling sedikit %(limit)s karakter."),
    "maxLength": N_("Paling banyak %(limit)s karakter."),
}
REQUIRED = N_("Wajib diisi.")
CHECK_REQUIRED = N_("Wajib dicentang.")


def _type_message(error: ValidationError) -> FieldError:
    if error.instance is None:
        must_check = isinstance(error.schema, Mapping) and error.schema.get("const") is True
        return FieldError(CHECK_REQUIRED if must_check else REQUIRED)
    wanted = [t for t in _types({"type": error.validator_value}) if t != "null"]
    return FieldError(
        _TYPE_MESSAGES.get(wanted[0] if wanted else "", N_("Jenis nilai tidak sesuai."))
    )


def _pattern_message(error: ValidationError) -> FieldError:
    examples = error.schema.get("examples") if isinstance(error.schema, Mapping) else None
    if examples:
        return FieldError(N_("Format tidak sesuai, contoh: %(example)s."), {"example": examples[0]})
    return FieldError(N_("Format tidak sesuai."))


def _format_message(error: ValidationError) -> FieldError:
    template = _FORMAT_MESSAGES.get(str(error.validator_value))
    if template is not None:
        return FieldError(template)
    return FieldError(N_("Format %(format)s tidak valid."), {"format": error.validator_value})


def _const_message(error: ValidationError) -> FieldError:
    if error.validator_value is True:
        return FieldError(CHECK_REQUIRED)
    return FieldError(N_("Nilai harus %(expected)s."), {"expected": error.validator_value})


def _limit_message(error: ValidationError) -> FieldError:
    return FieldError(_LIMIT_MESSAGES[str(error.validator)], {"limit": error.validator_value})


_MESSAGES: dict[str, Callable[[ValidationError], FieldError]] = {
    "required": lambda error: FieldError(REQUIRED),
    "type": _type_message,
    "pattern": _pattern_message,
    "format": _format_message,
    "enum": lambda error: FieldError(N_("Pilih salah satu pilihan yang tersedia.")),
    "const": _const_message,
    "additionalProperties": lambda error: FieldError(N_("Isian ini tidak dikenal.")),
    **{kind: _limit_message for kind in _LIMIT_MESSAGES},
}


def _message(error: ValidationError) -> FieldError:
    handler = _MESSAGES.get(str(error.validator))
    return handler(error) if handler is not None else FieldError(N_("Nilai tidak valid."))

