"""What a person does on Alur's pages, written once for the browser journeys: sign in,
fill the FPVC by its labels, find a request in "Kotak Tugas", verify, decline, sign, wait
for the link. Everything goes through what is on the screen (labels, button and link
names, headings), never through URLs of tasks or the JSON API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

EVENT_DAY = (datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=14)).isoformat()

#: The FPVC as a person fills it, by the labels on the form (``processes/forms/fpvc``).
FPVC: dict[str, str] = {
    "Nama pemohon": "Ani Lestari",
    "NIP": "198701012010012001",
    "Jabatan": "Analis Kebijakan Ahli Muda",
    "Instansi (OPD)": "Dinas Pendidikan",
    "Email": "ani@tangerangkota.go.id",
    "Nomor telepon": "0812-3456-7890",
    "Nama kegiatan": "Rapat Koordinasi PPDB 2027",
    "Tanggal": EVENT_DAY,
    "Jam mulai": "09:00",
    "Jam selesai": "10:30",
    "Jumlah peserta": "25",
    "Keterangan": "Peserta dari 12 sekolah; mohon ruang dibuka 15 menit lebih awal.",
}
PLATFORM = "Jitsi Meet"
#: What the form asks when the official letter comes with it (the SOP's "and/or").
WITH_LETTER: dict[str, str] = {k: FPVC[k] for k in
                               ("Nama pemohon", "Email", "Tanggal", "Jam mulai", "Jam selesai")}
LETTER_LABEL = "Surat resmi permintaan layanan"


def letter_pdf(title: str) -> bytes:
    """A small valid PDF (one page reading ``title``) with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@dataclass(frozen=True)
class Person:
    """Someone who uses Alur in the journeys; registered on first use (``open_as``)."""

    username: str
    display_name: str
    role: str
    password: str


PEOPLE = {
    p.username: p
    for p in (
        Person("ani", "Ani Lestari", "pemohon", "sandi-ani-2026"),
        Person("budi", "Budi Santoso", "pemohon", "sandi-budi-2026"),
        Person("sari", "Sari Wulandari", "staf_iidc", "sandi-sari-2026"),
        Person("joko", "Joko Prasetyo", "subkoor_iidc", "sandi-joko-2026"),
        Person("audi", "Audi Rahmawati", "auditor", "sandi-audi-2026"),
        Person("dewi", "Dewi Anggraini", "staf_iidc", "sandi-dewi-2026"),
        Person("adi", "Adi Nugroho", "admin", "sandi-adi-2026"),
    )
}

#: ``open_as("ani", viewport=...)``: a signed-in page in that person's own browser context.
SignIn = Callable[..., Page]


class Shots:
    """Numbered full-page screenshots of one test: ``NN-<page>.png``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def fill_form(page: Page, values: Mapping[str, str], platform: str | None = None) -> None:
    """Type ``values`` into the fields labelled by their keys; pick ``platform``."""
    for label, value in values.items():
        page.get_by_label(label).fill(value)
    if platform:
        page.get_by_role("radio", name=platform).check()


def expect_form_values(page: Page, values: Mapping[str, str]) -> None:
    for label, value in values.items():
        expect(page.get_by_label(label)).to_have_value(value)


def start_request(page: Page, values: Mapping[str, str] = FPVC,
                  platform: str | None = PLATFORM) -> str:
    """From "Permintaan Saya": a new request with ``values``; returns the request number."""
    page.get_by_role("link", name="Permintaan Saya").click()
    page.get_by_role("button", name="Ajukan Permintaan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Langkah 1")
    fill_form(page, values, platform)
    page.get_by_role("button", name="Kirim Permintaan").click()
    return request_number(page)


def request_number(page: Page) -> str:
    """The number in the request page's heading ("Permintaan VC-… Menunggu …")."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Permintaan VC-")
    found = re.search(r"VC-[0-9A-F]{8}", heading.inner_text())
    assert found, heading.inner_text()
    return found.group(0)


def inbox_row(page: Page, number: str) -> Locator:
    page.get_by_role("link", name="Kotak Tugas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotak Tugas")
    page.wait_for_load_state("load")  # laid out with the stylesheet, on a busy host too
    return page.get_by_role("row").filter(has_text=number)


def open_task(page: Page, number: str) -> None:
    """Open the waiting task of request ``number`` from "Kotak Tugas"."""
    inbox_row(page, number).get_by_role("link", name="Buka", exact=True).click()
    expect(page.get_by_role("link", name=number)).to_be_visible()


def verify(page: Page, number: str, note: str = "") -> None:
    open_task(page, number)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Langkah 2")
    if note:
        page.get_by_label("Catatan verifikasi").fill(note)
    page.get_by_role("button", name="Verifikasi Selesai").click()
    expect(page.get_by_role("status").filter(has_text="Tugas selesai")).to_contain_text(number)


def decline(page: Page, number: str, reason: str) -> None:
    open_task(page, number)
    page.get_by_label("Alasan").fill(reason)
    page.get_by_role("button", name="Tidak Disetujui").click()
    expect(page.get_by_role("status").filter(has_text="tidak disetujui")).to_contain_text(number)


def sign(page: Page, password: str) -> None:
    """On the open approval task: sign with the password asked again."""
    page.get_by_label("Kata sandi Anda").fill(password)
    page.get_by_role("button", name="Setujui & Tandatangani").click()


def wait_for_meeting(page: Page, timeout_s: float = 120.0) -> Locator:
    """Reload the request page until the worker's link shows; the link card."""
    card = page.locator("section").filter(
        has=page.get_by_role("heading", name="Detail jadwal video conference"))
    deadline = time.monotonic() + timeout_s
    while not card.is_visible():
        assert time.monotonic() < deadline, f"no video conference link after {timeout_s}s"
        time.sleep(0.3)
        page.reload()
    return card


def assert_fits(page: Page) -> None:
    """No sideways scrolling: the page is no wider than the screen (stylesheet loaded)."""
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url}: page {widths[0]}px wide, screen {widths[1]}px"


def timeline(page: Page) -> list[dict[str, str]]:
    """The rows of "Riwayat langkah" as {column header: cell text}."""
    table = page.locator("table.timeline")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = []
    for row in table.locator("tbody tr").all():
        cells = [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows
