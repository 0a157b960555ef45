"""When the provider refuses, people still get their meeting: the server offers Zoom only
and Zoom (a fake one on loopback) refuses Alur's credentials, which cannot be retried, so
the worker gives up on the first attempt; staff see why on the manual-link task, create
the meeting themselves and save its link ("Simpan Link"), and the requester gets that
link, its passcode and the invite, but not the host link.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import pages
from tests.browser.conftest import refusing_zoom
from tests.browser.pages import Shots, SignIn
from tests.fakes.zoom_server import FakeZoom

# One live server per module: under xdist keep a module's tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-manual-link")]

JOIN_URL = "https://zoom.us/j/81234567890?pwd=RapatDisdik"
HOST_URL = "https://zoom.us/s/81234567890?zak=token-host"
REFUSED = "Zoom menolak permintaan token OAuth: Invalid client_id or client_secret"


@pytest.fixture(scope="module")
def server_env(zoom: FakeZoom) -> dict[str, str]:
    return refusing_zoom(zoom)


def test_staff_make_the_link_by_hand_when_zoom_refuses(
    open_as: SignIn, shots: Shots, zoom: FakeZoom
) -> None:
    ani = open_as("ani")
    values = {**pages.FPVC, "Nama kegiatan": "Bimtek Aplikasi Srikandi"}
    number = pages.start_request(ani, values, platform="Zoom")
    sari = open_as("sari")
    pages.verify(sari, number)
    joko = open_as("joko")
    pages.open_task(joko, number)
    pages.sign(joko, pages.PEOPLE["joko"].password)
    expect(joko.get_by_role("status").filter(has_text="disetujui")).to_contain_text(number)

    row = wait_for_row(sari, number, "Membuat link video conference secara manual")
    assert [r.path for r in zoom.requests] == ["/oauth/token"]  # tried once, not retried
    row.get_by_role("link", name="Buka", exact=True).click()
    failed = sari.get_by_role("alert").filter(has_text="Pembuatan link otomatis gagal")
    expect(failed).to_contain_text(REFUSED)
    shots.take(sari, "staf-link-manual-alasan-gagal")
    # What the requester asked for is at the top, and their platform is already chosen.
    expect(failed).to_contain_text("Bimtek Aplikasi Srikandi")
    expect(failed).to_contain_text(pages.FPVC["Jam mulai"])
    expect(sari.get_by_label("Platform")).to_have_value("zoom")
    sari.get_by_label("Platform").select_option(label="Zoom")
    pages.fill_form(sari, {"Link bergabung": JOIN_URL, "Kode sandi": "RapatDisdik",
                           "ID rapat": "812 3456 7890", "Link host": HOST_URL})
    sari.get_by_role("button", name="Simpan Link").click()
    expect(sari.get_by_role("status").filter(has_text="Tugas selesai")).to_contain_text(number)

    ani.reload()
    card = pages.wait_for_meeting(ani)
    expect(card.get_by_role("link", name=JOIN_URL)).to_be_visible()
    expect(card.get_by_text("RapatDisdik", exact=True)).to_be_visible()
    expect(card.get_by_text("Zoom", exact=True)).to_be_visible()
    expect(card.get_by_text("Mulai sebagai host")).to_have_count(0)
    assert "token-host" not in ani.content()
    expect(ani.get_by_role("link", name="Konfirmasi Penerimaan")).to_be_visible()
    shots.take(ani, "pemohon-menerima-link-manual")
    invite = ani.request.get(card.get_by_role("link", name="Unduh Undangan (.ics)")
                             .get_attribute("href") or "")
    assert invite.status == 200 and JOIN_URL in re.sub(r"\r\n ", "", invite.text())
    invite.dispose()


def wait_for_row(page: Page, number: str, step: str, timeout_s: float = 120.0) -> Locator:
    """The request's row in "Kotak Tugas" once it waits at ``step`` (the worker's turn)."""
    deadline = time.monotonic() + timeout_s
    while True:
        row = pages.inbox_row(page, number)
        if row.count() and step in row.inner_text():
            return row
        assert time.monotonic() < deadline, f"{number} never reached {step!r}"
        time.sleep(0.3)
