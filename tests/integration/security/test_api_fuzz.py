"""A bounded schemathesis run over ``/api/v1`` (the OpenAPI document served by the app):
generated requests, valid and invalid, with an admin token, on a site holding a request;
no answer is a 5xx, and every answer matches the document (status documented, JSON, body
valid against its schema). Run by ``make test`` with the rest of the suite."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api_client import Started, cli_token

EXAMPLES = 20  # per operation: bounded, so the run stays a few seconds
# Form content is checked by each process's own form schema (422), which the document
# cannot state, so "schema-valid data is accepted" is not a check here.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_api_answers_as_documented(app: Flask, started: Started) -> None:
    auth = {"Authorization": f"Bearer {cli_token(app, 'admin')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        answers_as_documented()
