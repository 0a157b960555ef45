"""The one rule for text and whole numbers from outside (``engine.input_text``): what it
accepts can be stored and shown, and a whole number is one a database INTEGER holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.input_text import MAX_INTEGER, is_broken, shown, text_problem, whole_number


@pytest.mark.parametrize(("raw", "number"), [
    ("0", 0), ("7", 7), (" 12 ", 12), ("2147483647", MAX_INTEGER), ("0002", 2),
    ("2147483648", None), ("99999999999999999999999", None), ("-1", None), ("+1", None),
    ("1.0", None), ("", None), ("²", None), ("١", None), ("１", None), ("1\x00", None),
    ("\udcff", None),
])
def test_a_whole_number_is_ascii_digits_within_an_integer(raw: str, number: int | None) -> None:
    assert whole_number(raw) == number


def test_a_whole_number_may_have_a_lower_limit() -> None:
    assert whole_number("999999", limit=999_999) == 999_999
    assert whole_number("1000000", limit=999_999) is None


@given(st.text())
def test_whatever_text_a_whole_number_never_raises(raw: str) -> None:
    number = whole_number(raw)
    assert number is None or 0 <= number <= MAX_INTEGER


@pytest.mark.parametrize(("value", "multiline", "problem"), [
    ("Rapat Koordinasi", False, None),
    ("baris satu\r\nbaris dua\tdengan tab", True, None),
    ("a\r\nb", False, "hanya satu baris"),
    ("a\u2028b", False, "hanya satu baris"),
    ("a\x00b", True, "karakter kendali"),
    ("a\ud800b", True, "Unicode rusak"),
    ("a\udcffb", False, "Unicode rusak"),
])
def test_text_problems(value: str, multiline: bool, problem: str | None) -> None:
    found = text_problem(value, multiline=multiline)
    assert found is None if problem is None else (found is not None and problem in found)


@given(st.text(st.characters(exclude_categories=[])))
def test_what_passes_as_one_line_can_be_stored_and_has_no_line_break(value: str) -> None:
    if text_problem(value) is None:
        assert not is_broken(value)
        value.encode("utf-8")
        assert len(value.splitlines()) <= 1


@given(st.text(st.characters(exclude_categories=[])))
def test_shown_text_is_always_printable_utf_8(value: str) -> None:
    out = shown(value)
    out.encode("utf-8")
    assert out.isprintable() and len(out) <= 80


def test_shown_names_the_bytes() -> None:
    assert shown("ab\udcff") == "ab\\xff"
    assert shown("bu\x00di") == "bu\\x00di"


@given(st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF,
                             exclude_categories=[])))
def test_shown_names_every_half_of_a_utf_16_pair(value: str) -> None:
    """Only U+DC80..U+DCFF are bytes a command line can hand over; a Python caller (the
    CLI runner, a JSON string) may hold any other, which ``surrogateescape`` cannot write."""
    out = shown(value)
    out.encode("utf-8")
    assert out.isprintable()


def test_shown_escapes_a_half_that_was_never_a_byte() -> None:
    assert shown("a\ud800b") == "a\\ud800b"
    assert shown("\udcc3\udca9") == "\\xc3\\xa9"  # bytes, each as it came
