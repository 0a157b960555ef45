"""Nothing a person can type or paste gives a 500: odd ids in every URL, NUL characters,
huge values; and the whole journey through the pages on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from tests.conftest import PASSWORD, make_app
from tests.integration.web.conftest import FPVC_FORM, Site, text
from webui.extensions import db

AREAS = ("auth", "requests", "inbox", "tasks", "admin")  # the pages these tests own
ODD = ["x" * 5000, "%00", "%F0%9F%98%80", "..%2F..%2Fetc", "'%20OR%201=1--", "-1", "0"]


def paths(site: Site) -> list[str]:
    out = []
    for rule in site.app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.split(".")[0] not in AREAS:
            continue
        for odd in ODD:  # a number where the route takes only numbers (``<int:version>``)
            values = {arg: 1 if isinstance(rule._converters.get(arg), IntegerConverter)
                      else "PLACEHOLDER" for arg in rule.arguments}
            out.append(str(rule.build(values)[1]).replace("PLACEHOLDER", odd))
    return out


@pytest.mark.parametrize("username", ["pemohon", "staf", "admin"])
def test_odd_ids_in_urls_never_break_a_page(shared_site: Site, username: str) -> None:
    client = shared_site.client(username)
    for path in paths(shared_site):
        with client.get(path) as response:
            assert response.status_code < 500, path


def test_nul_characters_are_refused_before_they_reach_the_database(site: Site) -> None:
    view = site.start()
    client = site.client("pemohon")
    task = site.ready(view).task_id
    response = site.post(client, f"/tugas/{task}", {**FPVC_FORM, "nama_kegiatan": "a\x00b"})
    assert response.status_code == 400
    assert client.get("/tugas?q=a%00b").status_code == 400
    assert site.post(site.client(), "/masuk", {"username": "pemohon\x00",
                                               "password": PASSWORD}).status_code == 400


@pytest.fixture
def pg_site(pg_url: str, tmp_path: Path) -> Iterator[Site]:
    app: Flask = make_app(pg_url, tmp_path)
    yield Site(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_the_journey_through_the_pages_on_postgresql(pg_site: Site) -> None:
    site = pg_site
    pemohon = site.client("pemohon")
    task = site.post(pemohon, "/permintaan/baru").location
    assert site.post(pemohon, task, {**FPVC_FORM, "jam_selesai": "08:00"}).status_code == 422
    assert site.post(pemohon, task, FPVC_FORM).status_code == 302
    staf, subkoor = site.client("staf"), site.client("subkoor")
    verify = site.ready(site.view(task_instance(site))).task_id
    assert site.post(staf, f"/tugas/{verify}/ambil").status_code == 302
    assert site.post(staf, f"/tugas/{verify}", {}).status_code == 302
    sign = site.ready(site.view(task_instance(site))).task_id
    assert site.post(subkoor, f"/tugas/{sign}", {"keputusan": "setuju",
                                                 "password": PASSWORD}).status_code == 302
    site.run_jobs()
    instance_id = task_instance(site)
    receipt = site.ready(site.view(instance_id)).task_id
    assert site.post(pemohon, f"/tugas/{receipt}", {"diterima": "true"}).status_code == 302
    assert "Selesai" in text(pemohon.get(f"/permintaan/{instance_id}"))
    for path in ("/permintaan/%00", "/tugas/" + "x" * 5000, f"/permintaan/{instance_id}x"):
        assert pemohon.get(path).status_code in (400, 404), path


def task_instance(site: Site) -> str:
    with site.app.app_context():
        from webui.extensions import engine
        (only,) = engine().instances(db.session, site.actor("admin"))
        return only.id
