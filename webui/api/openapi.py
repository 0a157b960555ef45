"""``/api/v1/openapi.json``: the OpenAPI 3.1 description of this API, for integrators and
tools. It is written here by hand, next to the routes, and kept true by a test that walks
the ``url_map`` (every route documented, nothing documented that is not a route) and
checks real answers against the schemas below (JSON Schema 2020-12, as OpenAPI 3.1 uses).
Fields not named here may be added; named ones keep their meaning.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from webui.api.blueprint import bp
from webui.api.payload import STATUSES

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, Any], **optional: Any) -> Schema:
    return {"type": "object", "required": sorted(required),
            "properties": {**required, **optional}}


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


TIME = {"type": "string", "format": "date-time", "description": "ISO-8601 in WIB (+07:00)"}
MAYBE_TIME = {**TIME, "type": ["string", "null"]}
SECONDS = _nullable("number", description="seconds")
ID = {"type": "string", "pattern": "^[0-9A-Za-z-]{1,64}$"}

SUMMARY = _obj({
    "id": ID, "number": {"type": "string"}, "process_id": {"type": "string"},
    "process_name": {"type": "string"}, "version": {"type": "integer"},
    "status": {"enum": list(STATUSES)}, "requester": {"type": "string"},
    "requester_name": {"type": "string"}, "created_at": TIME, "completed_at": MAYBE_TIME,
    "current_step": _nullable("string"), "pass_count": {"type": "integer"},
    "kegiatan": _nullable("string"), "instansi": _nullable("string"),
    "tanggal": _nullable("string"), "incident": _nullable("object"),
})
STEP_FIELDS = {
    "task_id": ID, "bpmn_id": {"type": "string"}, "name": {"type": "string"},
    "kind": {"enum": ["user", "service"]}, "lane": _nullable("string"),
    "step": _nullable("string"), "pass": {"type": "integer"}, "state": {"type": "string"},
    "ready_at": MAYBE_TIME, "due_at": MAYBE_TIME, "opened_at": MAYBE_TIME,
    "opened_by": _nullable("string"), "completed_at": MAYBE_TIME,
    "completed_by": _nullable("string"), "claimed_by": _nullable("string"),
    "target_s": _nullable("integer"), "duration_s": SECONDS, "waiting_s": SECONDS,
    "working_s": SECONDS, "within_target": _nullable("boolean"), "error": _nullable("string"),
}
STEP = _obj(STEP_FIELDS)
INSTANCE = _obj({
    "id": ID, "number": {"type": "string"}, "process_id": {"type": "string"},
    "version": {"type": "integer"}, "status": {"enum": list(STATUSES)},
    "requester": {"type": "string"}, "created_at": TIME, "completed_at": MAYBE_TIME,
    "current_step": _nullable("string"), "data": {"type": "object"},
    "steps": {"type": "array", "items": _ref("Step")}, "target_s": _nullable("integer"),
    "meeting": _nullable("object"),
    "attachments": {"type": "array", "items": _obj({
        "id": {"type": "string"}, "filename": {"type": "string"},
        "content_type": {"type": "string"}, "size": {"type": "integer"},
        "uploaded_by": {"type": "string"}, "uploaded_at": TIME})},
})
INBOX_ITEM = _obj({
    "task_id": ID, "instance_id": ID, "number": {"type": "string"},
    "bpmn_id": {"type": "string"}, "name": {"type": "string"}, "step": _nullable("string"),
    "lane": _nullable("string"), "pass": {"type": "integer"}, "ready_at": MAYBE_TIME,
    "due_at": MAYBE_TIME, "claimed_by": _nullable("string"),
    "kegiatan": _nullable("string"),
})
TASK = _obj({**STEP_FIELDS, "instance_id": ID, "instance": _ref("InstanceSummary"),
             "form": _nullable("string"), "schema": _nullable("object"),
             "values": {"type": "object"}, "can_act": {"type": "boolean"},
             "documentation": _nullable("string")})
VERSION = _obj({
    "process_id": {"type": "string"}, "name": {"type": "string"},
    "version": {"type": "integer"}, "filename": {"type": "string"},
    "sha256": {"type": "string"}, "deployed_at": TIME, "deployed_by": _nullable("string"),
    "active": {"type": "boolean"},
})
DISTRIBUTION = {"count": {"type": "integer"}, "mean_s": SECONDS, "median_s": SECONDS,
                "p90_s": SECONDS, "max_s": SECONDS}
REPORT = _obj({
    "process_id": _nullable("string"), "process_name": _nullable("string"),
    "version": _nullable("integer"), "clock": {"type": "string"},
    "target_s": _nullable("integer"), "filters": {"type": "object"},
    "steps": {"type": "array", "items": _obj({
        "bpmn_id": {"type": "string"}, "name": {"type": "string"},
        "target_s": _nullable("integer"), "within_target_pct": _nullable("number"),
        "passes": {"type": "array"}, **DISTRIBUTION})},
    "total": {"type": "object"}, "end_to_end": _obj(DISTRIBUTION),
    "instances": _obj({k: {"type": "integer"} for k in
                       ("total", "completed", "running", "cancelled", "incident")}),
    "breaches": {"type": "integer"}, "loop_rate": _nullable("number"),
    "mean_passes": _nullable("number"), "weeks": {"type": "array"},
})
ERROR = _obj({"error": {"type": "string"}},
             fields={"type": "object", "additionalProperties": {"type": "string"}},
             by={"type": "string"})

SCHEMAS = {"InstanceSummary": SUMMARY, "Instance": INSTANCE, "Step": STEP,
           "InboxItem": INBOX_ITEM, "Task": TASK, "ProcessVersion": VERSION,
           "DurationReport": REPORT, "Error": ERROR}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Schema]:
    meaning = {400: "broken envelope or parameter", 401: "not signed in",
               403: "not allowed", 404: "not found (or not yours)",
               409: "someone else acted first (`by` names them)", 413: "body too large",
               422: "invalid content, a message per field", 429: "too many wrong passwords"}
    return {str(s): _json(_ref("Error"), meaning[s]) for s in (401, *statuses)}


def _op(summary: str, ok: dict[str, Schema], *errors: int, **extra: Any) -> Schema:
    return {"summary": summary, "responses": {**ok, **_errors(*errors)}, **extra}


def _path_id(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _body(schema: Schema) -> Schema:
    return {"required": False, "content": {"application/json": {"schema": schema}}}


START_BODY = {"type": "object", "properties": {
    "process_id": {"type": "string"},
    "data": {"type": "object", "description": "the first form; omitted: start only"}}}
COMPLETE_BODY = {"type": "object", "properties": {
    "data": {"type": "object"},
    "password": {"type": "string", "description": "the signer's, on a signing form"}}}
CANCEL_BODY = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "description": "why; kept in the history and mailed"}}}
TAKE_OVER_BODY = {"type": "object", "properties": {
    "from": {"type": ["string", "null"], "description": "the holder you saw (409 otherwise)"}}}
ASSIGN_BODY = {"type": "object", "required": ["to"], "properties": {
    "to": {"type": "string", "description": "a user holding the lane's role"},
    "from": {"type": ["string", "null"], "description": "the holder you saw (409 otherwise)"}}}
TASK_PATH = {"parameters": [_path_id("task_id")]}
INSTANCE_PATH = {"parameters": [_path_id("instance_id")]}


def paths() -> dict[str, Schema]:
    task = {"200": _json(_ref("Task"), "the task now")}
    instance = {"200": _json(_ref("Instance"), "the request now")}
    return {
        "/instances": {
            "post": _op("Start a request, optionally with its first form",
                        {"201": _json(_ref("Instance"), "started")}, 400, 403, 404, 422,
                        requestBody=_body(START_BODY)),
            "get": _op("Requests you may see", {"200": _json(
                {"type": "array", "items": _ref("InstanceSummary")}, "the requests")}, 400,
                parameters=[_query("status", {"enum": list(STATUSES)}, "only this status"),
                            _query("mine", {"type": "boolean"}, "only your own")]),
        },
        "/instances/{instance_id}": {**INSTANCE_PATH, "get": _op("One request", instance, 404)},
        "/instances/{instance_id}/cancel": {
            **INSTANCE_PATH, "post": _op("Cancel (withdraw) a request, with a reason", instance,
                                         400, 403, 404, 409, 422,
                                         requestBody=_body(CANCEL_BODY))},
        "/tasks": {"get": _op("Your inbox", {"200": _json(
            {"type": "array", "items": _ref("InboxItem")}, "ready tasks you may do")})},
        "/tasks/{task_id}": {**TASK_PATH, "get": _op("One task with its form", task, 404)},
        "/tasks/{task_id}/claim": {
            **TASK_PATH, "post": _op("Take a task", task, 403, 404, 409)},
        "/tasks/{task_id}/unclaim": {
            **TASK_PATH, "post": _op("Release a task", task, 403, 404, 409)},
        "/tasks/{task_id}/take-over": {
            **TASK_PATH, "post": _op("Take over a colleague's claimed task (the task's lane)",
                                     task, 400, 403, 404, 409,
                                     requestBody=_body(TAKE_OVER_BODY))},
        "/tasks/{task_id}/assign": {
            **TASK_PATH, "post": _op("Give a task to a user of its lane (admins)", task,
                                     400, 403, 404, 409, requestBody=_body(ASSIGN_BODY))},
        "/tasks/{task_id}/complete": {
            **TASK_PATH, "post": _op("Complete a task", instance, 400, 403, 404, 409, 422, 429,
                                     requestBody=_body(COMPLETE_BODY))},
        "/processes": {
            "get": _op("Deployed process versions", {"200": _json(
                {"type": "array", "items": _ref("ProcessVersion")}, "every version")}),
            "post": _op("Deploy a BPMN file (admin; multipart `file`)", {
                "201": _json(_ref("ProcessVersion"), "a new version"),
                "200": _json(_ref("ProcessVersion"), "unchanged")}, 400, 403, 413, 422),
        },
        **version_paths(),
        "/reports/durations": {"get": _op(
            "Step durations against the SOP's targets (auditor, admin)",
            {"200": _json(_ref("DurationReport"), "the report")}, 400, 403,
            parameters=[_query("from", {"type": "string", "format": "date"}, "WIB, inclusive"),
                        _query("to", {"type": "string", "format": "date"}, "WIB, inclusive"),
                        _query("instansi", {"type": "string"}, "one agency"),
                        _query("version", {"type": "integer"}, "one process version")])},
        "/openapi.json": {"get": _op("This document", {"200": {
            "description": "OpenAPI 3.1", "content": {"application/json": {}}}})},
    }


VERSION_PATH = {"parameters": [
    {"name": "process_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}]}
MIGRATION_BODY = {"type": "object", "required": ["from_version", "to_version"], "properties": {
    "from_version": {"type": "integer"}, "to_version": {"type": "integer"},
    "instances": {"type": "array", "items": {"type": "string"}},
    "dry_run": {"type": "boolean", "description": "check only, move nothing"}}}
MIGRATION_RESULTS = {"type": "object", "properties": {"results": {"type": "array", "items": {
    "type": "object", "properties": {"ok": {"type": "boolean"},
                                     "reasons": {"type": "array", "items": {"type": "string"}}}}}}}


def version_paths() -> dict[str, Schema]:
    """A process owner's endpoints: a version's files, reactivation, moving requests."""
    return {
        "/processes/{process_id}/versions/{version}/files": {**VERSION_PATH, "get": _op(
            "A version's exact files as one zip (admin)", {"200": {
                "description": "the BPMN and its forms", "content": {"application/zip": {}}}},
            403, 404)},
        "/processes/{process_id}/versions/{version}/activate": {**VERSION_PATH, "post": _op(
            "Make an older version active again (admin)",
            {"200": _json(_ref("ProcessVersion"), "now active")}, 403, 404, 409)},
        "/processes/{process_id}/migrations": {
            "parameters": [VERSION_PATH["parameters"][0]],
            "post": _op("Check or move waiting requests to another version (admin)",
                        {"200": _json(MIGRATION_RESULTS, "one result per request")},
                        400, 403, 404, 409, requestBody=_body(MIGRATION_BODY))},
    }


def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Alur API", "version": "1",
                 "description": "Requests, tasks, process versions and the duration report "
                                "of Alur. Times are ISO-8601 in WIB, durations in seconds."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "a token from `alur users token NAME`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "a browser session; unsafe methods need "
                                           "the X-CSRFToken header"}},
        },
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())
