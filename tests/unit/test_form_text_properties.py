"""Property tests of form validation (hypothesis): a valid form of the SOP with any text
put into one of its text fields is either still valid or refused with
``InvalidFormData`` (never another error); and what is accepted holds no control
character in a single-line field and no broken Unicode anywhere."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import forms
from engine.errors import InvalidFormData
from tests.support.journey import FPVC

FORMS = Path(__file__).resolve().parents[2] / "processes" / "forms"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TODAY = date(2026, 11, 30)
ODD = ["\ud800", "\udfff", "\r", "\n", "\t", "\x00", "\x1b", "\u2028", "\x85", "\x7f"]
TEXT = st.text(st.one_of(st.characters(), st.sampled_from(ODD)), min_size=1, max_size=40)
VALID: dict[str, dict[str, Any]] = {
    "fpvc.schema.json": dict(FPVC),
    "verifikasi.schema.json": {"catatan_verifikasi": "lengkap"},
    "persetujuan.schema.json": {"keputusan": "tidak_setuju", "alasan": "Ruang penuh"},
    "penerimaan.schema.json": {"diterima": True, "catatan_penerimaan": "terima kasih"},
    "link_manual.schema.json": {"meeting": {"provider": "jitsi",
                                            "join_url": "https://meet.example.id/rapat"},
                                "catatan_link": "dibuat manual"},
}


def text_fields(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        if isinstance(prop.get("properties"), dict):
            out += text_fields(prop, (*prefix, name))
        elif "string" in types and "enum" not in prop and prop.get("x-widget") != "file":
            out.append((*prefix, name))
    return out


def put(data: dict[str, Any], path: tuple[str, ...], value: str) -> dict[str, Any]:
    copy = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    target = copy
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return copy


def strings(schema: dict[str, Any], values: dict[str, Any]):
    for name, prop in schema.get("properties", {}).items():
        value = values.get(name)
        if isinstance(value, dict):
            yield from strings(prop, value)
        elif isinstance(value, str):
            yield prop, value


@pytest.mark.parametrize("form", sorted(VALID))
def test_any_text_in_a_field_is_either_clean_or_a_field_error(form: str) -> None:
    schema = forms.load_schema(FORMS / form)
    forms.validate(schema, VALID[form], TODAY)  # the base is valid

    @given(path=st.sampled_from(text_fields(schema)), text=TEXT)
    @settings(max_examples=200, deadline=None, database=None)
    def check(path: tuple[str, ...], text: str) -> None:
        try:
            values = forms.validate(schema, put(VALID[form], path, text), TODAY)
        except InvalidFormData as err:
            assert ".".join(path) in err.errors
            return
        for prop, value in strings(schema, values):
            value.encode("utf-8")  # no lone surrogate
            if prop.get("x-widget") != "textarea":
                assert not CONTROL.search(value), (prop.get("title"), value)

    check()
