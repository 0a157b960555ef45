"""The API's side of issue 10: cancelling needs a reason (``POST /instances/<id>/cancel``
with ``{"reason": ...}``), a request started without data is a draft only its requester
lists, and a claimed task is taken over (``/take-over`` with the holder seen) or assigned
by an admin (``/assign``), with the same 403/404/409 rules as the pages."""

from __future__ import annotations

from flask import Flask

from engine import users
from tests.conftest import PASSWORD, now
from tests.support.api_client import ApiUser, Started, api_users
from webui.extensions import db


def test_cancelling_needs_a_reason_and_shows_it(
    api: dict[str, ApiUser], started: Started
) -> None:
    path = f"/instances/{started.instance_id}/cancel"
    body = api["pemohon"].ok("post", path, 422, json={})
    assert list(body["fields"]) == ["reason"] and body["fields"]["reason"]
    assert api["pemohon"].ok("post", path, 400, json={"reason": "  "})["fields"] == {
        "reason": "Harus teks yang tidak kosong."}
    api["subkoor"].ok("post", path, 403, json={"reason": "Bukan hak saya."})
    api["pemohon2"].ok("post", path, 404, json={"reason": "Bukan milik saya."})
    done = api["pemohon"].ok("post", path, json={"reason": "Acara ditunda."})
    assert done["status"] == "cancelled"
    assert done["cancellation"]["reason"] == "Acara ditunda."
    assert done["cancellation"]["by"] == "Pemohon"
    api["staf"].ok("post", path, 409, json={"reason": "Lagi."})


def test_a_request_started_without_data_is_a_draft_for_its_requester_only(
    api: dict[str, ApiUser]
) -> None:
    draft = api["pemohon"].ok("post", "/instances", 201, json={})
    assert draft["status"] == "draft"
    assert [i["id"] for i in api["pemohon"].ok("get", "/instances?mine=1")] == [draft["id"]]
    assert api["staf"].ok("get", "/instances") == []
    api["staf"].ok("get", f"/instances/{draft['id']}", 404)
    assert [i["id"] for i in api["pemohon"].ok("get", "/instances?status=draft&mine=1")] == [
        draft["id"]]


def test_take_over_and_assign_through_the_api(app: Flask, api: dict[str, ApiUser],
                                              started: Started) -> None:
    with app.app_context():
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now(),
                       password=PASSWORD, email="staf2@uji.go.id")
        db.session.commit()
    staf2 = api_users(app, ("staf2",))["staf2"]
    task = started.verify_task
    api["staf"].ok("post", f"/tasks/{task}/claim")
    api["subkoor"].ok("post", f"/tasks/{task}/take-over", 403, json={"from": "staf"})
    api["pemohon2"].ok("post", f"/tasks/{task}/take-over", 404, json={"from": "staf"})
    stale = staf2.ok("post", f"/tasks/{task}/take-over", 409, json={"from": "orang-lain"})
    assert stale["by"] == "staf"
    taken = staf2.ok("post", f"/tasks/{task}/take-over", json={"from": "staf"})
    assert taken["claimed_by"] == "staf2"

    api["staf"].ok("post", f"/tasks/{task}/assign", 403, json={"to": "staf", "from": "staf2"})
    api["admin"].ok("post", f"/tasks/{task}/assign", 404, json={"to": "subkoor",
                                                                 "from": "staf2"})
    given = api["admin"].ok("post", f"/tasks/{task}/assign", json={"to": "staf",
                                                                    "from": "staf2"})
    assert given["claimed_by"] == "staf"
    released = api["admin"].ok("post", f"/tasks/{task}/unclaim")
    assert released["claimed_by"] is None
