"""The SOP sheet generated from the shipped BPMN file matches the seed document (the
scanned Permen PAN-RB 35/2012 sheet, read in ../shared/sop/README.md) row by row, and its
PDF carries the same table."""

from __future__ import annotations

from engine.documents.soplayout import render
from engine.documents.sopsheet import SopSheet, build
from tests.support.documents import pdf_text
from tests.support.journey import PROCESSES

PROCESS_ID = "permintaan_layanan_video_conference"
PEMOHON, STAF = "Pemohon", "Staf Seksi IIDC"
SUBKOOR = "Sub Koordinator Infrastruktur Internet dan Data Center"
# The seed's flow table: No, Aktivitas, executor, Kelengkapan, Waktu, Keterangan.
SEED = [
    ("1", "Mengisi Form dan/atau mengirim surat resmi permintaan layanan", PEMOHON,
     "Form Permintaan Layanan Video Conference (FPVC), Surat Resmi Permintaan Layanan",
     "3 menit", ""),
    ("2", "Menerima FPVC dan/atau surat resmi, dan melakukan verifikasi", STAF, "FPVC",
     "2 menit", ""),
    ("3", "Memberi persetujuan atas permintaan", SUBKOOR, "FPVC, ATK", "2 menit",
     "Bila tidak ditandatangani, dilanjutkan ke nomor 1"),
    ("4", "Membuat link jadwal video conference untuk User sesuai permintaan", STAF,
     "FPVC disetujui", "Tergantung situasi saat pembuatan akun email.", ""),
    ("5", "Detail jadwal video conference diterima", PEMOHON, "-", "-", ""),
]


def shipped() -> SopSheet:
    xml = (PROCESSES / f"{PROCESS_ID}.bpmn").read_text(encoding="utf-8")
    return build(xml, PROCESS_ID, 1)


def test_the_flow_table_matches_the_seed_row_by_row() -> None:
    sheet = shipped()
    assert sheet.lanes == [PEMOHON, STAF, SUBKOOR]
    got = [(r.number, r.activity, r.lane, r.input, r.time, r.note) for r in sheet.rows]
    assert got == SEED
    assert [r.output for r in sheet.rows] == [
        "FPVC", "FPVC (terverifikasi)", "FPVC disetujui/tidak dengan tanda tangan",
        "FPVC ditandatangani", "Detail jadwal video conference"]
    assert sheet.total == "7 menit"


def test_symbols_follow_the_flowchart_rules() -> None:
    symbols = [(r.number, r.symbol, r.lane_index) for r in shipped().rows]
    assert symbols == [("1", "terminator", 0), ("2", "process", 1), ("3", "decision", 2),
                       ("4", "process", 1), ("5", "terminator", 0)]


def test_the_identity_block_and_the_fields_come_from_the_file() -> None:
    sheet = shipped()
    assert sheet.identity["sop"] == "Prosedur Operasi Standar Permintaan Layanan Video Conference"
    assert sheet.identity["sop_approver_title"] == "Kepala Dinas Komunikasi dan Informatika"
    assert sheet.identity["sop_approver_nip"] == "197301041997032001"
    assert sheet.identity["sop_unit"] == "Bidang Sarana dan Prasarana TIK dan Persandian"
    sections = sheet.sections
    assert len(sections["legal_basis"]) == 7
    assert sections["legal_basis"][4].startswith("Peraturan Menteri PAN dan RB Nomor 35 Tahun 2012")
    assert sections["qualifications"] == [SUBKOOR, STAF]
    assert sections["equipment"] == ["ATK"] and sections["warnings"] == []
    assert sections["records"] == ["Form Permintaan Layanan Video Conference"]


def test_the_pdf_carries_the_identity_and_the_flow_table() -> None:
    text = pdf_text(render(shipped()))
    for expected in ("Nomor SOP", "Disahkan oleh", "Hj. INDRILATUTI, SH, M.Si", "Dasar Hukum:",
                     "Kualifikasi Pelaksana:", "Mutu Baku", "Kelengkapan", "Keterangan",
                     "Bila tidak ditandatangani,", "dilanjutkan ke nomor 1", "7 menit"):
        assert expected in text, expected
