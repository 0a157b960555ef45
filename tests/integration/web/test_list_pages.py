"""Lists come in pages of 25, newest first, and the links to the other pages keep the
filter: page 2 of the cancelled requests is still the cancelled ones."""

from __future__ import annotations

import re

from tests.integration.web.conftest import Site, text
from webui.paging import PER_PAGE


def rows(page: str) -> list[str]:
    return re.findall(r'class="mono">(VC-[0-9A-F]{8})<', page)


def test_my_requests_come_in_pages(site: Site) -> None:
    started = [site.start().summary.number for _ in range(PER_PAGE + 3)]
    client = site.client("pemohon")
    first = text(client.get("/permintaan"))
    assert rows(first) == started[::-1][:PER_PAGE]
    assert f"Menampilkan 1–{PER_PAGE} dari {PER_PAGE + 3}" in first
    assert 'href="/permintaan?halaman=2"' in first
    second = text(client.get("/permintaan?halaman=2"))
    assert rows(second) == started[::-1][PER_PAGE:]
    assert 'aria-current="page">2<' in second
    assert rows(text(client.get("/permintaan?halaman=99"))) == rows(second)  # the last page
    assert rows(text(client.get("/permintaan?halaman=x"))) == rows(first)


def test_the_pages_of_all_requests_keep_the_filter(site: Site) -> None:
    cancelled = []
    requester = site.client("pemohon")
    for _ in range(PER_PAGE + 1):
        view = site.at_step("2")  # sent: a draft would be nobody else's business
        site.post(requester, f"/permintaan/{view.id}/batal", {"alasan": "Acara ditunda."})
        cancelled.append(view.summary.number)
    running = site.start().summary.number
    client = site.client("auditor")
    first = text(client.get("/permintaan/semua?status=cancelled"))
    assert running not in first and len(rows(first)) == PER_PAGE
    link = re.search(r'href="(/permintaan/semua\?[^"]*halaman=2[^"]*)"', first)
    assert link and "status=cancelled" in link.group(1), first[-3000:]
    second = text(client.get(link.group(1).replace("&amp;", "&")))
    assert rows(second) == [cancelled[0]]


def test_the_inbox_comes_in_pages_that_keep_the_search(site: Site) -> None:
    waiting = [site.at_step("2").summary.number for _ in range(PER_PAGE + 2)]
    client = site.client("staf")
    first = text(client.get("/tugas?q=VC-"))
    assert rows(first) == waiting[:PER_PAGE]  # oldest first
    link = re.search(r'href="(/tugas\?[^"]*halaman=2[^"]*)"', first)
    assert link and "q=VC-" in link.group(1)
    assert rows(text(client.get(link.group(1).replace("&amp;", "&")))) == waiting[PER_PAGE:]
