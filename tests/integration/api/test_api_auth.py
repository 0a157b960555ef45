"""Who gets in: a Bearer token from ``alur users token`` or a session cookie; anyone else
gets 401 JSON on every route, never the login page. Cookie sessions need a CSRF token for
unsafe methods; token calls do not."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.support.api_client import API, ApiUser, cli_token
from tests.support.journey import FPVC
from webui.cli import main

ENDPOINTS = [
    ("GET", "/processes"),
    ("POST", "/processes"),
    ("POST", "/instances"),
    ("GET", "/instances"),
    ("GET", "/instances/abc"),
    ("POST", "/instances/abc/cancel"),
    ("GET", "/tasks"),
    ("GET", "/tasks/abc"),
    ("POST", "/tasks/abc/claim"),
    ("POST", "/tasks/abc/unclaim"),
    ("POST", "/tasks/abc/take-over"),
    ("POST", "/tasks/abc/assign"),
    ("POST", "/tasks/abc/complete"),
    ("GET", "/reports/durations"),
    ("GET", "/processes/abc/versions/1/files"),
    ("POST", "/processes/abc/versions/1/activate"),
    ("POST", "/processes/abc/migrations"),
    ("GET", "/openapi.json"),
]


def test_the_list_covers_every_api_route(app: Flask) -> None:
    routes = {(m, r.rule.removeprefix(API).replace("<instance_id>", "abc")
               .replace("<task_id>", "abc")
               .replace("<process_id>", "abc").replace("<int:version>", "1"))
              for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for m in r.methods or () if m in ("GET", "POST")}
    assert routes == set(ENDPOINTS)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_get_401_json(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(API + path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Silakan masuk terlebih dahulu."}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Location" not in response.headers


@pytest.mark.parametrize("header", ["Bearer alur_not-a-token", "Bearer ", "Basic cGVtb2hvbjp4",
                                    "alur_no-scheme"])
def test_a_bad_token_is_401(client: FlaskClient, header: str) -> None:
    response = client.get(API + "/instances", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_token_from_the_cli_signs_in_as_that_user(app: Flask, client: FlaskClient) -> None:
    token = cli_token(app, "staf")
    assert token.startswith("alur_") and "\n" not in token
    me = ApiUser(client, token, "staf")
    assert me.get("/tasks").status_code == 200
    second = cli_token(app, "staf")
    assert second != token
    assert ApiUser(client, second, "staf").get("/instances").status_code == 200


def test_the_cli_refuses_a_token_for_an_unknown_user(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["users", "token", "siapa"])
    assert result.exit_code == 1
    assert "tidak ditemukan" in result.output


# -- cookie sessions and CSRF ------------------------------------------------------------
def sign_in_by_cookie(client: FlaskClient, username: str) -> str:
    """Sign in through the sign-in page, as a browser does; return the page's CSRF token."""
    login(client, username)
    return csrf_token(client, "/masuk")


def count_instances(app: Flask) -> int:
    return len(ApiUser(app.test_client(), cli_token(app, "admin"), "admin").ok("get", "/instances"))


def test_a_cookie_session_reads_without_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    sign_in_by_cookie(client, "pemohon")
    assert client.get(API + "/instances").status_code == 200


def test_a_cookie_session_post_without_csrf_token_is_refused(app: Flask,
                                                              client: FlaskClient) -> None:
    sign_in_by_cookie(client, "pemohon")
    response = client.post(API + "/instances", json={"data": FPVC})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
    assert count_instances(app) == 0


def test_a_cookie_session_post_with_the_csrf_header_goes_through(app: Flask,
                                                                 client: FlaskClient) -> None:
    token = sign_in_by_cookie(client, "pemohon")
    response = client.post(API + "/instances", json={"data": FPVC},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert count_instances(app) == 1


def test_a_cookie_session_cannot_skip_csrf_by_adding_a_bearer_header(
    app: Flask, client: FlaskClient
) -> None:
    sign_in_by_cookie(client, "pemohon")
    token = cli_token(app, "pemohon")
    response = client.post(API + "/instances", json={},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


def test_a_bearer_token_needs_no_csrf_token(app: Flask, client: FlaskClient) -> None:
    me = ApiUser(client, cli_token(app, "pemohon"), "pemohon")
    assert me.post("/instances", json={"data": FPVC}).status_code == 201
    assert count_instances(app) == 1
