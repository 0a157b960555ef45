"""Cross-field form rules that JSON Schema cannot say, declared in the schema itself.

A process owner writes these as keywords on a form's properties (documented in the README,
"Editing the SOP"); no rule is keyed by a file name or a field name in code:

- ``"x-required-without": "other"``: required when ``other`` is blank (a form *or* a letter);
- ``"x-required-if": {"field": "other", "in": [values…]}``: required when ``other`` holds one
  of the values (a reason when declining);
- ``"x-not-before": "today"``: a ``date`` not before the caller's date (WIB);
- ``"x-after": "other"``: later than ``other`` (both ``HH:MM`` times, ISO dates or numbers);
- ``"format": "web-address"``: an ``http(s)://`` address with a host (see ``engine.forms``).

A property may say a rule's message in its own words, ``"x-messages": {"x-after": "Jam
selesai harus setelah jam mulai (%(value)s)."}`` (placeholders: ``other``, ``value``,
``today``), translated in its ``x-i18n`` (``{"en": {"x-messages": {…}}}``).

``check`` takes a form's normalised data (every property present, blanks as None, see
``engine.forms.normalize``) and returns ``{field: FieldError}``. The schema's own message
about a field wins (``engine.forms.validate``), so a rule skips values the schema already
rejects. ``vocabulary_problems`` checks the keywords at deploy time. Imports nothing from the
web or HTTP layers, nor SpiffWorkflow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from engine.errors import FieldError
from engine.forms import N_

__all__ = ["KEYWORDS", "check", "vocabulary_problems"]

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

Check = Callable[[str, Mapping[str, Any], Mapping[str, Any], Any, date], FieldError | None]
"""``(field, sibling properties, the data beside the field, the keyword's value, today)``."""


def _required_without(
    name: str, props: Mapping[str, Any], data: Mapping[str, Any], other: Any, today: date
) -> FieldError | None:
    if _blank(data.get(name)) and _blank(data.get(other)):
        return FieldError(
            N_("Wajib diisi bila %(other)s tidak diisi."), {"other": _title(props, other)}
        )
    return None


def _required_if(
    name: str, props: Mapping[str, Any], data: Mapping[str, Any], rule: Any, today: date
) -> FieldError | None:
    other, values = rule["field"], rule["in"]
    if _blank(data.get(name)) and data.get(other) in values:
        return FieldError(
            N_("Wajib diisi bila %(other)s: %(value)s."),
            {"other": _title(props, other), "value": _value_title(props, other, data.get(other))},
        )
    return None


def _not_before(
    name: str, props: Mapping[str, Any], data: Mapping[str, Any], rule: Any, today: date
) -> FieldError | None:
    day = _comparable(data.get(name))
    if isinstance(day, date) and day < today:
        return FieldError(
            N_("Tidak boleh sebelum hari ini (%(today)s)."), {"today": today.isoformat()}
        )
    return None


def _after(
    name: str, props: Mapping[str, Any], data: Mapping[str, Any], other: Any, today: date
) -> FieldError | None:
    mine, theirs = _comparable(data.get(name)), _comparable(data.get(other))
    if mine is None or theirs is None or type(mine) is not type(theirs):
        return None
    if mine <= theirs:
        return FieldError(
            N_("Harus setelah %(other)s (%(value)s)."),
            {"other": _title(props, other), "value": data.get(other)},
        )
    return None


KEYWORDS: dict[str, Check] = {
    "x-required-without": _required_without,
    "x-required-if": _required_if,
    "x-not-before": _not_before,
    "x-after": _after,
}


def check(schema: Mapping[str, Any], data: Mapping[str, Any], today: date) -> dict[str, FieldError]:
    """The errors of every declared rule of ``schema`` (nested objects included)."""
    errors: dict[str, FieldError] = {}
    for path, prop, siblings, scope in _properties(schema, data):
        for keyword, rule in KEYWORDS.items():
            if keyword in prop:
                error = rule(path[-1], siblings, scope, prop[keyword], today)
                if error is not None:
                    errors.setdefault(".".join(path), _own_words(prop, keyword, error))
    return errors


def _own_words(prop: Mapping[str, Any], keyword: str, error: FieldError) -> FieldError:
    """The pack's own message for the rule (``x-messages``), with its translations from the
    property's ``x-i18n``, else the generic one."""
    own = (prop.get("x-messages") or {}).get(keyword)
    if not isinstance(own, str):
        return error
    translations = {
        lang: texts["x-messages"][keyword]
        for lang, texts in (prop.get("x-i18n") or {}).items()
        if isinstance(texts, Mapping) and keyword in (texts.get("x-messages") or {})
    }
    return FieldError(own, error.params, translations)


def vocabulary_problems(schema: Mapping[str, Any]) -> list[str]:
    """What is wrong with the rule keywords of ``schema`` (each names the field)."""
    problems: list[str] = []
    for path, prop, siblings in _declared(schema):
        where = ".".join(path)
        for keyword in ("x-required-without", "x-after"):
            if keyword in prop and prop[keyword] not in siblings:
                problems.append(
                    f"{where}: {keyword} menunjuk isian '{prop[keyword]}' yang tidak ada"
                )
        rule = prop.get("x-required-if")
        if rule is not None and not (
            isinstance(rule, Mapping)
            and rule.get("field") in siblings
            and isinstance(rule.get("in"), list)
        ):
            problems.append(f"{where}: x-required-if harus {{\"field\": isian, \"in\": [nilai…]}}")
        if prop.get("x-not-before", "today") != "today":
            problems.append(f"{where}: x-not-before hanya mengenal \"today\"")
        for keyword, text in (prop.get("x-messages") or {}).items():
            try:
                str(text) % {"other": "", "value": "", "today": ""}
            except (KeyError, TypeError, ValueError):
                problems.append(
                    f"{where}: x-messages.{keyword}: hanya %(other)s, %(value)s, %(today)s"
                )
    return problems


def _properties(
    schema: Mapping[str, Any], data: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]]:
    siblings = schema.get("properties", {})
    for key, prop in siblings.items():
        if not isinstance(prop, Mapping):
            continue
        yield (*prefix, key), prop, siblings, data
        nested = data.get(key)
        if isinstance(prop.get("properties"), Mapping) and isinstance(nested, Mapping):
            yield from _properties(prop, nested, (*prefix, key))


def _declared(
    schema: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], Mapping[str, Any]]]:
    siblings = schema.get("properties", {})
    for key, prop in siblings.items():
        if isinstance(prop, Mapping):
            yield (*prefix, key), prop, siblings
            if isinstance(prop.get("properties"), Mapping):
                yield from _declared(prop, (*prefix, key))


def _title(props: Mapping[str, Any], name: str) -> str:
    """The other field's title as it reads inside a sentence ("surat resmi", "NIP")."""
    title = str((props.get(name) or {}).get("title") or name)
    return title[0].lower() + title[1:] if title[1:2].islower() else title


def _value_title(props: Mapping[str, Any], name: str, value: Any) -> str:
    """A choice's title ("Tidak disetujui") rather than its stored value."""
    prop = props.get(name) or {}
    values, titles = prop.get("enum") or [], prop.get("x-enum-titles") or []
    if value in values and values.index(value) < len(titles):
        return str(titles[values.index(value)])
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _comparable(value: Any) -> Any:
    """A time (minutes), a date or a number to order; None when it is none of them."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if match:
        return int(match[1]) * 60 + int(match[2])
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
