"""``/healthz`` and ``/readyz`` as a load balancer calls them, and the request log as an
operator reads it: one JSON line per request with the id the person sees on an error page,
and nothing typed into a form."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from sqlalchemy import text as sql

from engine import workers
from tests.conftest import PASSWORD
from tests.integration.web.conftest import Site, now, text
from webui.extensions import db


def beat(app: Flask) -> None:
    with app.app_context():
        workers.beat(db.session, "uji:1:worker", now())
        db.session.commit()


def test_healthz_answers_without_asking_anything(site: Site) -> None:
    response = site.app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_wants_a_recent_worker_and_says_only_yes_or_no(site: Site) -> None:
    client = site.app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json() == {"ready": False, "database": True, "migrations": True,
                                   "worker": False}
    beat(site.app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"ready": True, "database": True, "migrations": True,
                                   "worker": True}


def test_readyz_refuses_a_schema_behind_the_code(site: Site) -> None:
    beat(site.app)
    with site.app.app_context():
        db.session.execute(sql("UPDATE alembic_version SET version_num = '0001_initial_schema'"))
        db.session.commit()
    response = site.app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["migrations"] is False


def test_a_worker_seen_too_long_ago_is_not_ready(app: Flask) -> None:
    app.config["WORKER_SEEN_S"] = 1
    with app.app_context():
        workers.beat(db.session, "uji:1:worker", now().replace(year=2000))
        db.session.commit()
    assert app.test_client().get("/readyz").get_json()["worker"] is False


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "alur.request"]


def test_each_request_is_one_json_line_without_what_was_typed(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alur.request")
    client = site.app.test_client()
    token = site.token(client)
    caplog.clear()
    response = client.post("/masuk?next=/tugas", data={
        "username": "staf", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    (line,) = request_lines(caplog)
    assert set(line) == {"at", "request_id", "method", "path", "status", "duration_ms",
                         "user_id"}
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["path"], line["status"]) == ("POST", "/masuk", 302)
    assert line["user_id"] is not None and float(line["duration_ms"]) >= 0  # type: ignore[arg-type]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, token, "next="):
        assert secret not in logged


def test_the_error_page_shows_the_request_id_of_its_log_line(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alur.request")
    response = site.client("pemohon").get("/permintaan/tidak-ada")
    assert response.status_code == 404
    request_id = response.headers["X-Request-Id"]
    assert f"Kode permintaan: <code>{request_id}</code>" in text(response)
    assert request_lines(caplog)[-1]["request_id"] == request_id


def test_a_request_id_from_a_trusted_proxy_is_kept(app: Flask) -> None:
    incoming = {"X-Request-Id": "nginx-0123456789abcdef"}
    assert app.test_client().get("/healthz", headers=incoming).headers["X-Request-Id"] != \
        incoming["X-Request-Id"]  # nobody vouches for it
    app.config["TRUSTED_PROXIES"] = 1
    assert app.test_client().get("/healthz", headers=incoming).headers["X-Request-Id"] == \
        incoming["X-Request-Id"]
