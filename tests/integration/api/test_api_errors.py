"""User input never makes a 500: malformed JSON and wrong types are 400 naming the key,
unknown ids 404, invalid form data 422 with a message per field (and nothing saved), a lost
race 409 naming who won."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import users
from tests.conftest import make_app, now
from tests.support.api_client import ApiUser, Started, api_users
from tests.support.journey import FPVC
from webui.extensions import db


def count_instances(api: dict[str, ApiUser]) -> int:
    return len(api["admin"].ok("get", "/instances"))


# -- 422: the form's own messages ---------------------------------------------------------
def test_starting_with_invalid_data_is_422_per_field_and_saves_nothing(
    api: dict[str, ApiUser]
) -> None:
    bad = {**FPVC, "email": "bukan-email", "nip": "123", "tanggal": "2000-01-01",
           "jam_mulai": "10:00", "jam_selesai": "09:00", "jumlah_peserta": 1}
    body = api["pemohon"].ok("post", "/instances", 422, json={"data": bad})
    assert body["error"]
    assert set(body["fields"]) >= {"email", "nip", "tanggal", "jam_selesai", "jumlah_peserta"}
    assert all(isinstance(m, str) and m for m in body["fields"].values())
    assert count_instances(api) == 0
    assert api["pemohon"].ok("get", "/tasks") == []


def test_missing_required_fields_are_named(api: dict[str, ApiUser]) -> None:
    body = api["pemohon"].ok("post", "/instances", 422, json={"data": {}})
    assert {"nama_pemohon", "email", "tanggal", "jam_mulai", "jam_selesai"} <= set(body["fields"])


@pytest.mark.parametrize("junk", [
    {"jumlah_peserta": {"x": 1}}, {"tanggal": 5}, {"jam_mulai": []}, {"email": None},
    {"platform": "skype"}, {"nama_pemohon": "x" * 5000}, {"jumlah_peserta": 1e308},
    {"tanggal": "2099-02-30"}, {"surat_resmi": "tidak-ada"},
])
def test_odd_values_are_422_never_500(api: dict[str, ApiUser], junk: dict[str, Any]) -> None:
    body = api["pemohon"].ok("post", "/instances", 422, json={"data": {**FPVC, **junk}})
    assert set(junk) <= set(body["fields"])


def test_declining_without_a_reason_is_422_and_the_task_stays(
    api: dict[str, ApiUser], started: Started
) -> None:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/complete", json={"data": {}})
    (task,) = api["subkoor"].ok("get", "/tasks")
    path = f"/tasks/{task['task_id']}/complete"
    body = api["subkoor"].ok("post", path, 422, json={"data": {"keputusan": "tidak_setuju"}})
    assert list(body["fields"]) == ["alasan"]
    assert api["subkoor"].ok("get", f"/tasks/{task['task_id']}")["state"] == "ready"


# -- 409: someone was first ---------------------------------------------------------------
@pytest.fixture
def staf2(app: Flask) -> ApiUser:
    with app.app_context():
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now())
        db.session.commit()
    return api_users(app, ("staf2",))["staf2"]


def test_completing_a_completed_task_is_409_with_who_did_it(
    api: dict[str, ApiUser], started: Started, staf2: ApiUser
) -> None:
    path = f"/tasks/{started.verify_task}/complete"
    api["staf"].ok("post", path, json={"data": {"catatan_verifikasi": "ok"}})
    body = staf2.ok("post", path, 409, json={"data": {"catatan_verifikasi": "saya juga"}})
    assert body["by"] == "staf"
    assert "Staf" in body["error"]  # named as people know them; "by" keeps the username
    assert api["staf"].ok("post", path, 409, json={"data": {}})["by"] == "staf"
    assert staf2.ok("post", f"/tasks/{started.verify_task}/claim", 409)["by"] == "staf"


def test_a_task_claimed_by_another_is_409_with_the_claimant(
    api: dict[str, ApiUser], started: Started, staf2: ApiUser
) -> None:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/claim")
    for action in ("claim", "unclaim", "complete"):
        body = staf2.ok("post", f"/tasks/{started.verify_task}/{action}", 409, json={})
        assert body["by"] == "staf"
    api["staf"].ok("post", f"/tasks/{started.verify_task}/unclaim")
    staf2.ok("post", f"/tasks/{started.verify_task}/complete", json={"data": {}})


def test_cancelling_twice_is_409(api: dict[str, ApiUser], started: Started) -> None:
    path = f"/instances/{started.instance_id}/cancel"
    reason = {"json": {"reason": "Acara ditunda."}}
    assert api["pemohon"].ok("post", path, **reason)["status"] == "cancelled"
    assert api["pemohon"].ok("post", path, 409, **reason)["error"]
    assert api["staf"].ok("get", "/tasks") == []


# -- 400 and 404: the envelope ------------------------------------------------------------
@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", None), (b"[1, 2]", None), (b'"teks"', None), (b"\xff\xfe\x00", None),
    (b'{"data": NaN}', None), (b"[" * 100_000 + b"]" * 100_000, None),
    (b'{"data": "teks"}', "data"), (b'{"data": [1]}', "data"), (b'{"process_id": 7}', "process_id"),
    (b'{"process_id": ""}', "process_id"),
])
def test_a_malformed_start_is_400(api: dict[str, ApiUser], body: bytes,
                                  field: str | None) -> None:
    answer = api["pemohon"].ok("post", "/instances", 400, data=body,
                               content_type="application/json")
    assert answer["error"]
    if field:
        assert field in answer["fields"]
    assert count_instances(api) == 0


def test_a_malformed_completion_is_400(api: dict[str, ApiUser], started: Started) -> None:
    path = f"/tasks/{started.verify_task}/complete"
    assert "data" in api["staf"].ok("post", path, 400, json={"data": "ok"})["fields"]
    api["staf"].ok("post", path, 400, data=b"{", content_type="application/json")


def test_an_empty_body_starts_without_data(api: dict[str, ApiUser]) -> None:
    body = api["pemohon"].ok("post", "/instances", 201)
    (step,) = body["steps"]
    assert step["bpmn_id"] == "Task_IsiFPVC" and step["state"] == "ready"
    assert api["pemohon"].ok("get", "/tasks")[0]["task_id"] == step["task_id"]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/instances/nope"), ("post", "/instances/nope/cancel"), ("get", "/tasks/nope"),
    ("post", "/tasks/nope/claim"), ("post", "/tasks/nope/unclaim"),
    ("post", "/tasks/nope/complete"), ("get", "/tidak-ada"),
])
def test_unknown_ids_and_paths_are_404_json(api: dict[str, ApiUser], method: str,
                                            path: str) -> None:
    assert api["staf"].ok(method, path, 404, json={})["error"]


def test_an_unknown_process_is_404(api: dict[str, ApiUser]) -> None:
    api["pemohon"].ok("post", "/instances", 404, json={"process_id": "tidak_ada"})


@pytest.mark.parametrize("query", ["status=selesai", "mine=mungkin"])
def test_a_bad_filter_is_400(api: dict[str, ApiUser], query: str) -> None:
    body = api["staf"].ok("get", f"/instances?{query}", 400)
    assert query.split("=")[0] in body["fields"]


def test_a_wrong_method_is_405_json(api: dict[str, ApiUser]) -> None:
    assert api["staf"].ok("delete", "/tasks", 405)["error"]


def test_a_body_over_the_limit_is_413_json(app: Flask, api: dict[str, ApiUser]) -> None:
    huge = b'{"data": {"keterangan": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}}'
    response = api["pemohon"].post("/instances", data=huge, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]


# -- NUL characters: PostgreSQL raises on them instead of finding nothing ------------------
def nul_answers(api: dict[str, ApiUser]) -> dict[str, int]:
    pemohon = api["pemohon"]
    return {
        "instance id": pemohon.get("/instances/ab%00cd").status_code,
        "task id": pemohon.post("/tasks/ab%00cd/complete", json={}).status_code,
        "form text": pemohon.post("/instances", json={
            "data": {**FPVC, "nama_kegiatan": "Rapat\u0000"}}).status_code,
        "json key": pemohon.post("/instances", json={"data": {"a\u0000": 1}}).status_code,
        "process id": pemohon.post("/instances", json={"process_id": "p\u0000"}).status_code,
        "status filter": pemohon.get("/instances?status=a%00").status_code,
    }


EXPECTED_NUL = {"instance id": 404, "task id": 404, "form text": 400, "json key": 400,
                "process id": 400, "status filter": 400}


def test_nul_characters_are_refused_on_sqlite(api: dict[str, ApiUser]) -> None:
    assert nul_answers(api) == EXPECTED_NUL
    assert count_instances(api) == 0


@pytest.mark.postgres
def test_nul_characters_are_refused_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    app = make_app(pg_url, tmp_path)
    try:
        assert nul_answers(api_users(app, ("pemohon",))) == EXPECTED_NUL
    finally:
        with app.app_context():
            db.engine.dispose()
