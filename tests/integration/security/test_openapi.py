"""The OpenAPI 3.1 document at ``/api/v1/openapi.json`` is kept true: every API route of
the ``url_map`` is in it with its methods and nothing else is, its schemas are valid JSON
Schema 2020-12, and the answers of a real journey match the schemas it documents."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator

from tests.conftest import PASSWORD
from tests.support.api_client import ApiUser, Started

PREFIX = "/api/v1"


def routes(app: Flask) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
        out |= {(path, m.lower()) for m in (rule.methods or ()) - {"HEAD", "OPTIONS"}}
    return out


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items()
            for method in item if method != "parameters"}


def check(doc: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    response = doc["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, (path, method, status, errors[:3])


def test_the_document_names_every_route_and_only_routes(api: dict[str, ApiUser],
                                                        app: Flask) -> None:
    doc = api["pemohon"].ok("get", "/openapi.json")
    assert doc["openapi"].startswith("3.1")
    assert documented(doc) == routes(app)
    for path, item in doc["paths"].items():
        for name in re.findall(r"{([a-z_]+)}", path):
            assert name in {p["name"] for p in item.get("parameters", [])}, path


def test_the_schemas_are_json_schema_2020_12(api: dict[str, ApiUser]) -> None:
    doc = api["pemohon"].ok("get", "/openapi.json")
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_a_journey_answers_as_documented(api: dict[str, ApiUser], started: Started) -> None:
    doc = api["admin"].ok("get", "/openapi.json")
    instance, task = started.instance_id, started.verify_task

    def call(who: str, method: str, path: str, status: int = 200, template: str = "",
             **kw: Any) -> Any:
        body = api[who].ok(method, path, status, **kw)
        check(doc, template or path, method, status, body)
        return body

    call("admin", "get", "/instances")
    call("admin", "get", f"/instances/{instance}", template="/instances/{instance_id}")
    call("staf", "get", "/tasks")
    call("staf", "get", f"/tasks/{task}", template="/tasks/{task_id}")
    call("staf", "post", f"/tasks/{task}/claim", template="/tasks/{task_id}/claim")
    call("staf", "post", f"/tasks/{task}/unclaim", template="/tasks/{task_id}/unclaim")
    call("staf", "post", f"/tasks/{task}/complete", template="/tasks/{task_id}/complete",
         json={"data": {}})
    (approval,) = api["subkoor"].ok("get", "/tasks")
    path = f"/tasks/{approval['task_id']}/complete"
    call("subkoor", "post", path, 422, template="/tasks/{task_id}/complete",
         json={"data": {"keputusan": "setuju"}, "password": "salah"})
    call("subkoor", "post", path, template="/tasks/{task_id}/complete",
         json={"data": {"keputusan": "setuju"}, "password": PASSWORD})
    call("staf", "get", "/processes")
    call("auditor", "get", "/reports/durations")
    call("auditor", "get", "/reports/durations?from=x", 400, template="/reports/durations")
    call("pemohon", "get", "/instances/0123", 404, template="/instances/{instance_id}")
    call("pemohon", "post", "/instances", 422, json={"data": {}})
    fresh = call("pemohon", "post", "/instances", 201, json={})
    call("pemohon", "post", f"/instances/{fresh['id']}/cancel",
         template="/instances/{instance_id}/cancel", json={"reason": "Salah isi."})
    call("pemohon", "get", "/reports/durations", 403)
