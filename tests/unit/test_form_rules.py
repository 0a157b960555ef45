"""Form schemas, their rules and their Indonesian messages (engine.forms, engine.form_rules)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine import form_rules
from engine.errors import DefinitionError, FieldError, InvalidFormData
from engine.forms import N_, load_schema, normalize, validate

FORMS = Path(__file__).resolve().parents[2] / "processes" / "forms"
TODAY = date(2025, 3, 10)

LETTER_ONLY = {
    "nama_pemohon": "Siti Rahma",
    "email": "siti.rahma@tangerangkota.go.id",
    "tanggal": "2025-03-12",
    "jam_mulai": "09:00",
    "jam_selesai": "11:30",
    "surat_resmi": "att-7f3a",
}
FORM_ONLY = {
    "nama_pemohon": "Budi Santoso",
    "nip": "197301041997032001",
    "jabatan": "Kepala Seksi",
    "instansi": "Dinas Pendidikan",
    "email": "budi@tangerangkota.go.id",
    "telepon": "+62 812-3456-7890",
    "nama_kegiatan": "Rapat koordinasi PPDB",
    "tanggal": "2025-03-10",
    "jam_mulai": "13:00",
    "jam_selesai": "15:00",
    "jumlah_peserta": 40,
    "platform": "zoom",
    "keterangan": "Mohon disertakan rekaman.",
}


def schema(name: str) -> dict[str, Any]:
    return load_schema(FORMS / name)


def errors_of(name: str, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidFormData) as caught:
        validate(schema(name), data, TODAY)
    return {field: str(error) for field, error in caught.value.errors.items()}


def fpvc(**changes: Any) -> dict[str, Any]:
    return {**FORM_ONLY, **changes}


# --- the rules the schemas declare, on their own ------------------------------------------


def rules(name: str, data: dict[str, Any]) -> dict[str, FieldError]:
    form = schema(name)
    return form_rules.check(form, normalize(form, data), TODAY)


def test_x_after_wants_the_end_after_the_start() -> None:
    errors = rules("fpvc.schema.json", fpvc(jam_mulai="10:00", jam_selesai="10:00"))
    assert errors == {
        "jam_selesai": FieldError(
            "Jam selesai harus setelah jam mulai (%(value)s).",
            {"other": "jam mulai", "value": "10:00"},
        )
    }
    assert str(errors["jam_selesai"]) == "Jam selesai harus setelah jam mulai (10:00)."
    assert errors["jam_selesai"].translations == {
        "en": "The end time must be after the start time (%(value)s)."
    }
    assert rules("fpvc.schema.json", fpvc(jam_mulai="10:00", jam_selesai="10:01")) == {}


def test_x_after_skips_times_the_schema_already_rejects() -> None:
    assert rules("fpvc.schema.json", fpvc(jam_mulai="25:00", jam_selesai="09:00")) == {}


def test_x_not_before_today_rejects_a_date_before_today_only() -> None:
    errors = rules("fpvc.schema.json", fpvc(tanggal="2025-03-09"))
    assert list(errors) == ["tanggal"]
    assert str(errors["tanggal"]) == "Tanggal tidak boleh sebelum hari ini (2025-03-10)."
    assert rules("fpvc.schema.json", fpvc(tanggal="2025-03-10")) == {}
    assert rules("fpvc.schema.json", fpvc(tanggal="2026-01-01")) == {}
    assert rules("fpvc.schema.json", fpvc(tanggal="bukan tanggal")) == {}


def test_x_required_without_needs_the_form_fields_when_no_letter_is_attached() -> None:
    bare = {**LETTER_ONLY, "surat_resmi": None}
    errors = rules("fpvc.schema.json", bare)
    assert list(errors) == ["instansi", "telepon", "nama_kegiatan", "jumlah_peserta"]
    assert {str(e) for e in errors.values()} == {"Wajib diisi bila surat resmi tidak dilampirkan."}
    assert rules("fpvc.schema.json", {**bare, "surat_resmi": "   "}).keys() == errors.keys()
    assert rules("fpvc.schema.json", LETTER_ONLY) == {}


def test_x_required_if_needs_a_reason_only_when_declined() -> None:
    expected = {"alasan": FieldError("Alasan wajib diisi bila permintaan tidak disetujui.",
                                     {"other": "keputusan", "value": "Tidak disetujui"})}
    assert rules("persetujuan.schema.json", {"keputusan": "tidak_setuju"}) == expected
    assert rules("persetujuan.schema.json", {"keputusan": "tidak_setuju", "alasan": "  "}) \
        == expected
    assert rules("persetujuan.schema.json",
                 {"keputusan": "tidak_setuju", "alasan": "Tanggal bentrok"}) == {}
    assert rules("persetujuan.schema.json", {"keputusan": "setuju"}) == {}


def test_a_renamed_field_keeps_its_rule_because_the_rule_lives_with_it() -> None:
    form = schema("persetujuan.schema.json")
    props = form["properties"]
    props["catatan_tolak"] = props.pop("alasan")
    errors = form_rules.check(form, normalize(form, {"keputusan": "tidak_setuju"}), TODAY)
    assert list(errors) == ["catatan_tolak"]


def test_without_own_words_a_rule_speaks_generically() -> None:
    form = schema("persetujuan.schema.json")
    del form["properties"]["alasan"]["x-messages"]
    errors = form_rules.check(form, normalize(form, {"keputusan": "tidak_setuju"}), TODAY)
    assert str(errors["alasan"]) == "Wajib diisi bila keputusan: Tidak disetujui."


def test_rule_keywords_that_name_missing_fields_are_problems_at_deploy() -> None:
    form = schema("fpvc.schema.json")
    form["properties"]["jam_selesai"]["x-after"] = "jam_awal"
    form["properties"]["alasan"] = {"type": "string", "x-required-if": {"field": "x"}}
    problems = form_rules.vocabulary_problems(form)
    assert any("jam_selesai: x-after" in p and "jam_awal" in p for p in problems)
    assert any(p.startswith("alasan: x-required-if") for p in problems)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://meet.jit.si/rapat-ppdb", True),
        ("HTTP://zoom.us/j/123", True),
        ("ftp://files.example.org/x", False),
        ("https:///tanpa-host", False),
        ("mailto:staf@tangerangkota.go.id", False),
        ("http://[::1", False),
    ],
)
def test_web_address_format_wants_a_complete_http_address(url: str, ok: bool) -> None:
    data = {"meeting": {"join_url": url}}
    expected = "Link harus alamat lengkap yang diawali http:// atau https://."
    if ok:
        validate(schema("link_manual.schema.json"), data, TODAY)
    else:
        assert errors_of("link_manual.schema.json", data) == {"meeting.join_url": expected}


def test_web_address_format_checks_the_host_link_too() -> None:
    data = {"meeting": {"join_url": "https://meet.jit.si/x", "host_url": "ftp://h"}}
    assert list(errors_of("link_manual.schema.json", data)) == ["meeting.host_url"]


# --- loading and normalising -------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_form_loads_and_is_annotated_for_both_languages(path: Path) -> None:
    loaded = load_schema(path)
    assert loaded["additionalProperties"] is False
    assert loaded["x-i18n"]["en"]["title"]
    for prop in loaded["properties"].values():
        assert prop["title"] and prop["x-i18n"]["en"]["title"]
        if "enum" in prop:
            assert len(prop["x-enum-titles"]) == len(prop["enum"])
            assert len(prop["x-i18n"]["en"]["enum_titles"]) == len(prop["enum"])


def test_fpvc_marks_the_fields_only_the_form_variant_needs() -> None:
    props = schema("fpvc.schema.json")["properties"]
    marked = [name for name, prop in props.items() if prop.get("x-required-without")]
    assert marked == ["instansi", "telepon", "nama_kegiatan", "jumlah_peserta"]
    assert props["surat_resmi"]["x-widget"] == "file"
    assert props["surat_resmi"]["contentMediaType"] == "application/pdf"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "tidak ditemukan"),
        ("{not json", "bukan JSON yang sah"),
        ('{"type": "object", "properties": {"a": {"type": 5}}}', "bukan JSON Schema 2020-12"),
        ('{"type": "object", "properties": {"a": {"pattern": "("}}}', "bukan JSON Schema"),
        (
            '{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",'
            ' "properties": {}}',
            "$schema harus",
        ),
        ('{"type": "string"}', '"type": "object"'),
        ("[]", "objek JSON Schema"),
    ],
)
def test_load_schema_names_the_file_it_rejects(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "rusak.schema.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_schema(path)
    assert caught.value.filename == "rusak.schema.json"
    assert all(p.startswith("rusak.schema.json: ") for p in caught.value.problems)
    assert problem in str(caught.value)


def test_normalize_gives_every_property_strips_blanks_and_drops_strangers() -> None:
    data = normalize(
        schema("fpvc.schema.json"),
        {"nama_pemohon": "  Budi ", "jabatan": "   ", "jumlah_peserta": "12", "asing": "x"},
    )
    assert list(data) == list(schema("fpvc.schema.json")["properties"])
    assert data["nama_pemohon"] == "Budi"
    assert data["jabatan"] is None and data["email"] is None
    assert data["jumlah_peserta"] == 12
    assert "asing" not in data


def test_normalize_reaches_into_nested_objects() -> None:
    data = normalize(schema("link_manual.schema.json"), {"meeting": {"join_url": " https://x.id "}})
    assert data == {
        "meeting": {
            "provider": None,
            "join_url": "https://x.id",
            "passcode": None,
            "meeting_id": None,
            "host_url": None,
        },
        "catatan_link": None,
    }


# --- validate() on each form -------------------------------------------------------------


def test_fpvc_letter_only_variant_is_accepted() -> None:
    values = validate(schema("fpvc.schema.json"), LETTER_ONLY, TODAY)
    assert values["surat_resmi"] == "att-7f3a"
    assert values["instansi"] is None and values["jumlah_peserta"] is None


def test_fpvc_form_only_variant_is_accepted_with_typed_values_kept() -> None:
    values = validate(schema("fpvc.schema.json"), FORM_ONLY, TODAY)
    assert values == {**FORM_ONLY, "surat_resmi": None}
    assert values["jumlah_peserta"] == 40 and isinstance(values["jumlah_peserta"], int)


def test_fpvc_form_values_from_an_html_form_are_typed() -> None:
    posted = {**FORM_ONLY, "jumlah_peserta": "40", "platform": "", "surat_resmi": ""}
    values = validate(schema("fpvc.schema.json"), posted, TODAY)
    assert values["jumlah_peserta"] == 40
    assert values["platform"] is None and values["surat_resmi"] is None


def test_fpvc_neither_form_nor_letter_is_rejected() -> None:
    assert errors_of("fpvc.schema.json", {**LETTER_ONLY, "surat_resmi": ""}) == {
        "instansi": "Wajib diisi bila surat resmi tidak dilampirkan.",
        "telepon": "Wajib diisi bila surat resmi tidak dilampirkan.",
        "nama_kegiatan": "Wajib diisi bila surat resmi tidak dilampirkan.",
        "jumlah_peserta": "Wajib diisi bila surat resmi tidak dilampirkan.",
    }


def test_fpvc_empty_submission_lists_every_missing_field_in_form_order() -> None:
    errors = errors_of("fpvc.schema.json", {})
    assert list(errors) == [
        "nama_pemohon",
        "instansi",
        "email",
        "telepon",
        "nama_kegiatan",
        "tanggal",
        "jam_mulai",
        "jam_selesai",
        "jumlah_peserta",
    ]
    assert errors["nama_pemohon"] == errors["email"] == "Wajib diisi."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "budi", "Alamat email tidak valid."),
        ("email", "budi@localhost", "Alamat email tidak valid."),
        ("email", "budi@@tangerangkota.go.id", "Alamat email tidak valid."),
        ("tanggal", "2025-02-30", "Tanggal tidak valid; gunakan format TTTT-BB-HH."),
        ("tanggal", "12/03/2025", "Tanggal tidak valid; gunakan format TTTT-BB-HH."),
        ("tanggal", "2025-03-09", "Tanggal tidak boleh sebelum hari ini (2025-03-10)."),
        ("nip", "12345", "Format tidak sesuai, contoh: 123456789012345678."),
        ("telepon", "12-34", "Format tidak sesuai, contoh: 0812-3456-7890."),
        ("jam_mulai", "9.00", "Format tidak sesuai, contoh: 09:00."),
        ("jam_selesai", "12:00", "Jam selesai harus setelah jam mulai (13:00)."),
        ("jumlah_peserta", 1, "Paling kecil 2."),
        ("jumlah_peserta", 1001, "Paling besar 1000."),
        ("jumlah_peserta", "banyak", "Harus berupa bilangan bulat."),
        ("jumlah_peserta", 2.5, "Harus berupa bilangan bulat."),
        ("platform", "teams", "Pilih salah satu pilihan yang tersedia."),
        ("nama_pemohon", 42, "Harus berupa teks."),
        ("keterangan", "x" * 2001, "Paling banyak 2000 karakter."),
    ],
)
def test_fpvc_field_errors_are_indonesian(field: str, value: Any, message: str) -> None:
    assert errors_of("fpvc.schema.json", fpvc(**{field: value})) == {field: message}


def test_messages_are_templates_with_params_for_gettext() -> None:
    with pytest.raises(InvalidFormData) as caught:
        validate(schema("fpvc.schema.json"), fpvc(jumlah_peserta=1), TODAY)
    error = caught.value.errors["jumlah_peserta"]
    assert error.template == "Paling kecil %(limit)s."
    assert error.params == {"limit": 2}
    assert N_("Wajib diisi.") == "Wajib diisi."


@pytest.mark.parametrize(
    "phone",
    ["081234567890", "0812-3456-7890", "+6281234567890", "+62 812 3456 7890", "021 5551234"],
)
def test_indonesian_phone_numbers_are_accepted(phone: str) -> None:
    values = validate(schema("fpvc.schema.json"), fpvc(telepon=phone), TODAY)
    assert values["telepon"] == phone


@pytest.mark.parametrize("phone", ["0812", "812345678", "0812--3456", "0812 3456 7890 1234 56"])
def test_other_phone_numbers_are_rejected(phone: str) -> None:
    errors = errors_of("fpvc.schema.json", fpvc(telepon=phone))
    assert errors == {"telepon": "Format tidak sesuai, contoh: 0812-3456-7890."}


def test_verifikasi_accepts_empty_notes_and_limits_their_length() -> None:
    name = "verifikasi.schema.json"
    assert validate(schema(name), {}, TODAY) == {"catatan_verifikasi": None}
    assert errors_of(name, {"catatan_verifikasi": "x" * 2001}) == {
        "catatan_verifikasi": "Paling banyak 2000 karakter."
    }


def test_persetujuan_needs_a_decision_and_a_reason_when_declined() -> None:
    name = "persetujuan.schema.json"
    assert errors_of(name, {}) == {"keputusan": "Wajib diisi."}
    assert errors_of(name, {"keputusan": "mungkin"}) == {
        "keputusan": "Pilih salah satu pilihan yang tersedia."
    }
    assert errors_of(name, {"keputusan": "tidak_setuju"}) == {
        "alasan": "Alasan wajib diisi bila permintaan tidak disetujui."
    }
    values = validate(schema(name), {"keputusan": "setuju"}, TODAY)
    assert values == {"keputusan": "setuju", "alasan": None}


def test_link_manual_errors_use_dotted_paths() -> None:
    name = "link_manual.schema.json"
    assert errors_of(name, {}) == {"meeting": "Wajib diisi."}
    assert errors_of(name, {"meeting": {}}) == {"meeting.join_url": "Wajib diisi."}
    assert errors_of(name, {"meeting": "https://x.id"}) == {
        "meeting": "Harus berupa kumpulan isian."
    }
    bad = {"meeting": {"join_url": "https://meet.jit.si/a b", "host_url": "bukan link"}}
    assert errors_of(name, bad) == {
        "meeting.join_url": "Link harus alamat lengkap yang diawali http:// atau https://.",
        "meeting.host_url": "Link harus alamat lengkap yang diawali http:// atau https://.",
    }
    assert errors_of(name, {"meeting": {"join_url": "https:///rapat"}}) == {
        "meeting.join_url": "Link harus alamat lengkap yang diawali http:// atau https://."
    }
    assert errors_of(name, {"meeting": {"join_url": "ftp://x.id/r", "provider": "teams"}}) == {
        "meeting.provider": "Pilih salah satu pilihan yang tersedia.",
        "meeting.join_url": "Link harus alamat lengkap yang diawali http:// atau https://.",
    }


def test_link_manual_accepts_a_complete_meeting() -> None:
    name = "link_manual.schema.json"
    meeting = {
        "provider": "zoom",
        "join_url": "https://zoom.us/j/8123456789?pwd=abc%20def",
        "passcode": "123456",
        "meeting_id": "812 3456 789",
        "host_url": "https://zoom.us/s/8123456789",
    }
    values = validate(schema(name), {"meeting": meeting, "catatan_link": ""}, TODAY)
    assert values == {"meeting": meeting, "catatan_link": None}


def test_penerimaan_must_be_ticked() -> None:
    name = "penerimaan.schema.json"
    assert errors_of(name, {}) == {"diterima": "Wajib dicentang."}
    assert errors_of(name, {"diterima": False}) == {"diterima": "Wajib dicentang."}
    assert errors_of(name, {"diterima": "barangkali"}) == {
        "diterima": "Harus berupa ya atau tidak."
    }
    assert validate(schema(name), {"diterima": "on"}, TODAY)["diterima"] is True
    assert validate(schema(name), {"diterima": True}, TODAY) == {
        "diterima": True,
        "catatan_penerimaan": None,
    }


def test_unknown_nested_keys_and_other_kinds_get_messages_too() -> None:
    inline = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "opsi": {"type": "object", "additionalProperties": False},
            "kode": {"type": "string", "minLength": 3, "format": "ipv4"},
            "versi": {"const": 2},
        },
        "additionalProperties": False,
    }
    with pytest.raises(InvalidFormData) as caught:
        validate(inline, {"opsi": {"x": 1}, "kode": "ab", "versi": 1}, TODAY)
    assert {k: str(v) for k, v in caught.value.errors.items()} == {
        "opsi.x": "Isian ini tidak dikenal.",
        "kode": "Paling sedikit 3 karakter.",
        "versi": "Nilai harus 2.",
    }
    json.dumps({k: v.template for k, v in caught.value.errors.items()})
