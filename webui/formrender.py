"""JSON Schema forms in HTML: ``fields`` turns a task's schema, its values and the engine's
per-field messages into ``Field`` objects the ``macros/form.html`` macros render; ``parse``
turns a submitted HTML form back into typed data for the engine (integers, booleans, the
nested ``meeting.*`` fields, blanks as None). File fields carry an attachment id; the upload
itself is ``webui.uploads``' job. Validation stays in the engine: what cannot be typed is
kept as text so the engine names the problem and the page shows what the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_TRUE = frozenset({"true", "on", "1", "yes", "ya"})
_FALSE = frozenset({"false", "off", "0", "no", "tidak"})
RADIO_MAX = 4  # up to this many choices show as radio buttons, more as a select


@dataclass
class Field:
    """One form control (or a group of them, ``widget == "group"``) ready to render."""

    name: str
    label: str
    widget: str
    help: str | None = None
    required: bool = False
    required_without: str | None = None  # the label of the field that makes this optional
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def text_value(self) -> str:
        return "" if self.value is None else str(self.value)


def types_of(prop: Mapping[str, Any]) -> list[str]:
    declared = prop.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def text(prop: Mapping[str, Any], key: str, lang: str) -> str | None:
    """``title``/``description`` in ``lang`` (from ``x-i18n``), else the schema's own."""
    translated = prop.get("x-i18n", {}).get(lang, {}).get(key)
    value = translated if translated and lang != "id" else prop.get(key)
    return str(value) if value is not None else None


def enum_options(prop: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """``(value, title)`` per enum member; ``null`` becomes the empty value."""
    titles = prop.get("x-enum-titles") or []
    if lang != "id":
        titles = prop.get("x-i18n", {}).get(lang, {}).get("enum_titles") or titles
    options = []
    for index, value in enumerate(prop.get("enum", [])):
        title = titles[index] if index < len(titles) else str(value)
        options.append(("" if value is None else str(value), str(title)))
    return options


def fields(schema: Mapping[str, Any], values: Mapping[str, Any] | None,
           errors: Mapping[str, str] | None, lang: str, prefix: str = "",
           offered: Mapping[str, Collection[str]] | None = None) -> list[Field]:
    """The controls of ``schema`` (an object schema) in property order. ``offered`` narrows
    a choice field to the values this installation serves."""
    values, errors, offered = values or {}, errors or {}, offered or {}
    props: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = []
    for key, prop in props.items():
        name = prefix + key
        other = prop.get("x-required-without")
        other_label = _in_sentence(text(props.get(other, {}), "title", lang) or other) \
            if other else None
        item = Field(name=name, label=text(prop, "title", lang) or key, widget=widget_of(prop),
                     help=_hint(prop, lang), required=key in required,
                     required_without=other_label, value=values.get(key),
                     error=errors.get(name), attrs=attributes(prop))
        if item.widget == "group":
            nested = values.get(key) if isinstance(values.get(key), Mapping) else {}
            item.children = fields(prop, nested, errors, lang, prefix=name + ".")
        elif "enum" in prop:
            # A served choice offers what is served, not also an empty "default" choice
            # that means one of them (the page shows the default chosen instead).
            allowed = offered.get(name)
            item.options = [(value, title) for value, title in enum_options(prop, lang)
                            if allowed is None or value in allowed]
        out.append(item)
    return out


def _hint(prop: Mapping[str, Any], lang: str) -> str | None:
    """The field's description, with the schema's example after it as a hint ("Contoh:
    0812-3456-7890"): an example inside the box reads as if it were already filled in."""
    described = text(prop, "description", lang)
    examples = prop.get("examples")
    if not examples or prop.get("x-widget") == "file":
        return described
    example = gettext("Contoh: %(example)s", example=str(examples[0]))
    return f"{described} {example}" if described else example


def any_required(controls: list[Field]) -> bool:
    """Whether a control (or one inside a group) is marked required, so the form explains
    the mark: a form without one must not claim that something is required."""
    return any(f.required or f.required_without or any_required(f.children) for f in controls)


class Problem(NamedTuple):
    """One line of the error summary: the control's id (the link's target), its label and
    the message."""

    target: str
    label: str
    message: str


def problems(controls: list[Field], errors: Mapping[str, str],
             extra: Mapping[str, str] | None = None) -> list[Problem]:
    """The error summary in the form's order: each field with a message (inside groups
    too), then ``extra`` controls outside the schema (``{"password": "Kata sandi Anda"}``),
    then what belongs to no field (linked to the form's first control)."""
    out: list[Problem] = []

    def walk(items: list[Field]) -> None:
        for item in items:
            if item.error:
                out.append(Problem(item.id, item.label, item.error))
            walk(item.children)

    walk(controls)
    for name, label in (extra or {}).items():
        if errors.get(name):
            out.append(Problem("f-" + name, label, errors[name]))
    known = {p.target for p in out}
    first = controls[0].id if controls else "isi"
    for name, message in errors.items():
        if "f-" + name.replace(".", "-") not in known and name not in (extra or {}):
            out.append(Problem(first, "", message))
    return out


def _in_sentence(label: str) -> str:
    """A title used inside a sentence: "Surat resmi …" → "surat resmi …" (not "NIP")."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def widget_of(prop: Mapping[str, Any]) -> str:
    types = types_of(prop)
    explicit = prop.get("x-widget")
    if explicit in ("textarea", "file"):
        return str(explicit)
    if "object" in types and isinstance(prop.get("properties"), Mapping):
        return "group"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= RADIO_MAX else "select"
    if "boolean" in types:
        return "checkbox"
    if "integer" in types or "number" in types:
        return "number"
    if prop.get("pattern") == _TIME_PATTERN:
        return "time"
    return {"date": "date", "email": "email", "uri": "url", "web-address": "url"}.get(
        prop.get("format", ""), "text"
    )


def attributes(prop: Mapping[str, Any]) -> dict[str, Any]:
    """HTML hints for the browser; the engine checks everything again."""
    attrs: dict[str, Any] = {}
    for schema_key, html_key in (("maxLength", "maxlength"), ("minimum", "min"),
                                 ("maximum", "max")):
        if schema_key in prop:
            attrs[html_key] = prop[schema_key]
    pattern = prop.get("pattern")
    # HTML anchors patterns itself, so only whole-value patterns mean the same there.
    if isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$") \
            and prop.get("pattern") != _TIME_PATTERN:
        attrs["pattern"] = pattern[1:-1]
    if prop.get("x-widget") == "file":
        attrs["accept"] = prop.get("contentMediaType", "application/pdf")
    return attrs


def parse(schema: Mapping[str, Any], form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """The submitted form as typed data for ``schema``; unknown names are ignored."""
    props: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    return {key: _value(prop, prefix + key, form, key in required) for key, prop in props.items()}


def _value(prop: Mapping[str, Any], name: str, form: MultiDict[str, str], required: bool) -> Any:
    types = types_of(prop)
    if "object" in types and isinstance(prop.get("properties"), Mapping):
        return parse(prop, form, prefix=name + ".")
    raw = form.get(name)
    if "boolean" in types and "enum" not in prop:
        if raw is None or not raw.strip():
            # An unticked box sends nothing: "no", unless ticking it is the point.
            return None if required or prop.get("const") is True else False
        word = raw.strip().lower()
        return word in _TRUE if word in _TRUE | _FALSE else raw
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if "integer" in types and "string" not in types and _INTEGER.fullmatch(value):
        return int(value)
    return value
