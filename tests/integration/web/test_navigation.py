"""The main menu marks the area a page belongs to: the requester's own request and steps
under "Permintaan Saya", the tasks staff work on under "Kotak Tugas", anybody else's
request (read by staff, the approver, auditors, admins) under "Semua Permintaan".
"""

from __future__ import annotations

import re

import pytest

from tests.integration.web.conftest import Site, text

MENU = {"Permintaan Saya": "mine", "Kotak Tugas": "inbox", "Semua Permintaan": "all",
        "Laporan": "reports", "Admin": "admin"}


def marked(page: str) -> list[tuple[str, str]]:
    """(area, aria-current value) of each marked menu entry."""
    nav = page[page.index('<nav class="mainnav"'):page.index("</nav>")]
    found = re.findall(r'<a href="[^"]*" aria-current="(page|true)">([^<]+)</a>', nav)
    return [(MENU[label], value) for value, label in found]


@pytest.mark.parametrize(("username", "path", "expected"), [
    ("pemohon", "/permintaan", ("mine", "page")),
    ("staf", "/tugas", ("inbox", "page")),
    ("staf", "/permintaan/semua", ("all", "page")),
    ("auditor", "/permintaan/semua", ("all", "page")),
    ("admin", "/admin/pengguna", ("admin", "true")),
])
def test_lists_mark_their_own_entry(site: Site, username: str, path: str,
                                    expected: tuple[str, str]) -> None:
    assert marked(text(site.client(username).get(path))) == [expected]


def test_the_requesters_own_steps_and_request_belong_to_permintaan_saya(site: Site) -> None:
    view = site.start("pemohon")
    client = site.client("pemohon")
    assert marked(text(client.get(f"/tugas/{site.ready(view).task_id}"))) == [("mine", "true")]
    assert marked(text(client.get(f"/permintaan/{view.id}"))) == [("mine", "true")]


def test_staff_work_on_a_task_from_the_inbox(site: Site) -> None:
    view = site.at_step("2")
    page = text(site.client("staf").get(f"/tugas/{site.ready(view).task_id}"))
    assert marked(page) == [("inbox", "true")]


@pytest.mark.parametrize("username", ["auditor", "staf", "subkoor", "admin"])
def test_someone_elses_request_belongs_to_semua_permintaan(site: Site, username: str) -> None:
    view = site.at_step("2")
    client = site.client(username)
    assert marked(text(client.get(f"/permintaan/{view.id}"))) == [("all", "true")]
    # A task one only reads (not one's lane) belongs to the request as well.
    if username != "staf":
        page = text(client.get(f"/tugas/{site.ready(view).task_id}"))
        assert marked(page) == [("all", "true")]
