"""The expression language of a process: what it allows and computes, and what it refuses
(the payloads that would run code, read files or exhaust the server), by name."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from engine.expressions import (
    MAX_CHARS,
    ExpressionError,
    evaluate,
    parse,
    parse_script,
    run_script,
)

DATA = {
    "keputusan": "setuju",
    "alasan": None,
    "jumlah_peserta": 40,
    "platform": "Zoom",
    "meeting": {"join_url": "https://x", "hosts": ["a", "b"]},
    "catatan": "",
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('keputusan == "setuju"', True),
        ('keputusan != "setuju"', False),
        ('keputusan in ("setuju", "tidak_setuju")', True),
        ('keputusan not in ["tidak_setuju"]', True),
        ("alasan is None and catatan is not None", True),
        ("jumlah_peserta >= 10 and jumlah_peserta < 100", True),
        ("0 < jumlah_peserta <= 40", True),
        ("not (jumlah_peserta > 100 or keputusan == 'x')", True),
        ("jumlah_peserta * 2 + 1 - 3", 78),
        ("jumlah_peserta / 8", 5.0),
        ("jumlah_peserta // 3 % 5", 3),
        ("-jumlah_peserta", -40),
        ('"besar" if jumlah_peserta > 100 else "kecil"', "kecil"),
        ("lower(platform) == 'zoom' and upper(platform) == 'ZOOM'", True),
        ("len(keputusan) + abs(-2) + min(1, 2) + max(3, 4) + round(1.26, 1)", 14.3),
        ("int('7') + float('0.5') + int(bool(1))", 8.5),
        ("str(jumlah_peserta) + ' orang'", "40 orang"),
        ("empty(alasan) and empty(catatan) and not empty(platform)", True),
        ('meeting["join_url"]', "https://x"),
        ('meeting["hosts"][1]', "b"),
        ("{1, 2} == {2, 1}", True),
        ("'a' * 3", "aaa"),
        ("None", None),
    ],
)
def test_allowed_expressions_compute_like_python(text: str, value: Any) -> None:
    assert evaluate(parse(text), DATA) == value


def test_names_are_the_variables_read_not_the_functions_called() -> None:
    expr = parse('len(alasan) > 0 and keputusan == "tidak_setuju" or meeting["x"]')
    assert expr.names == {"alasan", "keputusan", "meeting"}


def refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    return str(info.value)


RCE = 'keputusan == "setuju" and not __import__("pathlib").Path("/tmp/x").write_text("x")'


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (RCE, "fungsi '__import__' tidak diizinkan"),
        (RCE, "atribut 'write_text' tidak diizinkan"),
        ("().__class__.__bases__[0].__subclasses__()", "atribut '__class__' tidak diizinkan"),
        ("().__class__.__bases__", "atribut '__bases__' tidak diizinkan"),
        ('open("/etc/passwd")', "fungsi 'open' tidak diizinkan"),
        ('getattr(keputusan, "__class__")', "fungsi 'getattr' tidak diizinkan"),
        ('eval("1")', "fungsi 'eval' tidak diizinkan"),
        ("keputusan.upper()", "atribut 'upper' tidak diizinkan"),
        ("__builtins__", "nama '__builtins__' tidak diizinkan"),
        ('meeting["__class__"]', "indeks '__' tidak diizinkan"),
        ("meeting[keputusan]", "indeks hanya boleh berupa teks atau angka tetap"),
        ("meeting[0:2]", "indeks hanya boleh berupa teks atau angka tetap"),
        ("(lambda: 1)()", "lambda tidak diizinkan"),
        ("[x for x in meeting]", "comprehension tidak diizinkan"),
        ("any(x for x in meeting)", "comprehension tidak diizinkan"),
        ('f"{keputusan}"', "f-string tidak diizinkan"),
        ("[*meeting]", "tanda bintang (*) tidak diizinkan"),
        ("(x := 1)", "operator ':=' tidak diizinkan"),
        ("2 ** 8", "operator '**' tidak diizinkan"),
        ("10**10**10", "operator '**' tidak diizinkan"),
        ('"a" * 10**9', "operator '**' tidak diizinkan"),
        ("1 << 100", "operator '<<' tidak diizinkan"),
        ('{"a": 1}', "kamus {...} tidak diizinkan"),
        ("b'x'", "nilai b'x' tidak diizinkan"),
        ("keputusan is 'setuju'", "'is' hanya boleh dengan None"),
        ("len(keputusan, 2)", "fungsi 'len' dipanggil dengan argumen yang salah"),
        ("max(keputusan, key=len)", "fungsi 'max' dipanggil dengan argumen yang salah"),
        ('keputusan === "setuju"', "tata tulis salah"),
        ("x" * (MAX_CHARS + 1), f"terlalu panjang (lebih dari {MAX_CHARS} karakter)"),
        (" + ".join(["1"] * 200), "ekspresi terlalu rumit"),
        ("not " * 60 + "keputusan", "ekspresi terlalu dalam"),
        ("[" * 60 + "]" * 60, "ekspresi terlalu dalam"),
    ],
)
def test_refused_forms_name_the_offending_part(text: str, named: str) -> None:
    assert named in refusal(text)


@pytest.mark.parametrize(
    ("text", "data", "named"),
    [
        ('"a" * 100000000', {}, "hasil terlalu panjang"),
        ("teks * n", {"teks": "ab", "n": 10**9}, "hasil terlalu panjang"),
        ("[1] * n", {"n": 10**9}, "hasil terlalu panjang"),
        ("n * n * n * n", {"n": 10**9}, "angka terlalu besar"),
        ("teks + teks", {"teks": "a" * 6000}, "hasil terlalu panjang"),
        ('"%999999999d" % n', {"n": 1}, "operator '%' hanya untuk angka"),
        ("round(n, -1000000000)", {"n": 5}, "nilai tidak sah"),
        ("int(teks)", {"teks": "9" * 5000}, "nilai tidak sah"),
        ("n / 0", {"n": 1}, "pembagian dengan nol"),
        ('d["tidak_ada"]', {"d": {}}, "indeks atau kunci tidak ada"),
        ('n < "a"', {"n": 1}, "jenis nilai tidak cocok"),
        ("setuju", {}, "nama 'setuju' tidak dikenal"),
    ],
)
def test_evaluation_is_bounded_and_fails_with_a_clear_error(
    text: str, data: dict[str, Any], named: str
) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError, match=named):
        evaluate(parse(text), data)
    assert time.monotonic() - started < 5  # generous for a loaded host: no runaway work


def test_a_refused_expression_never_runs(tmp_path: Path) -> None:
    target = tmp_path / "x"
    with pytest.raises(ExpressionError):
        evaluate(parse(RCE.replace("/tmp/x", str(target))), DATA)
    assert not target.exists()


def test_a_script_is_assignments_run_in_order() -> None:
    script = parse_script('besar = jumlah_peserta > 100\nlabel = "besar" if besar else "kecil"')
    data = dict(DATA)
    run_script(script, data)
    assert (data["besar"], data["label"]) == (False, "kecil")
    assert script.assigns == {"besar", "label"} and script.names == {"jumlah_peserta"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("import os", "baris 1: hanya 'nama = ekspresi' yang diizinkan"),
        ("a = 1\nos.system('x')", "baris 2: hanya 'nama = ekspresi' yang diizinkan"),
        ("a.b = 1", "hanya 'nama = ekspresi'"),
        ("a = b = 1", "hanya 'nama = ekspresi'"),
        ("def f():\n    pass", "hanya 'nama = ekspresi'"),
        ("__builtins__ = 1", "nama '__builtins__' tidak boleh diisi"),
        ("len = 1", "nama 'len' tidak boleh diisi"),
        ("a = open('/etc/passwd')", "baris 1: fungsi 'open' tidak diizinkan"),
    ],
)
def test_scripts_refuse_everything_but_assignments(text: str, named: str) -> None:
    with pytest.raises(ExpressionError, match=named):
        parse_script(text)
