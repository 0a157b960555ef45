"""``forms.decision_of``: the decision a form declares with ``x-decision``, read the same
way by every page that shows a pass; anything malformed declares none."""

from __future__ import annotations

import json

import pytest

from engine.forms import decision_of
from engine.views import Decision
from tests.support.journey import PROCESSES


def test_the_approval_form_declares_its_decision() -> None:
    schema = json.loads((PROCESSES / "forms" / "persetujuan.schema.json").read_text())
    assert decision_of(schema) == {
        "field": "keputusan", "reason": "alasan", "declined": ["tidak_setuju"],
    }


@pytest.mark.parametrize("schema", [None, {}, {"x-decision": "keputusan"},
                                    {"x-decision": {"reason": "alasan"}},
                                    {"x-decision": {"field": 3}}])
def test_a_missing_or_malformed_declaration_declares_nothing(schema) -> None:
    assert decision_of(schema) is None


def test_a_pass_decision_reads_its_value_and_reason() -> None:
    rule = decision_of({"x-decision": {"field": "k", "reason": "r", "declined": ["tidak"]}})
    declined = Decision.of(rule, {"k": "tidak", "r": "Jadwal bentrok"})
    assert declined == Decision("k", "tidak", "r", "Jadwal bentrok", True)
    assert Decision.of(rule, {"k": "ya", "r": None}) == Decision("k", "ya", "r", None, False)
    assert Decision.of(rule, {"k": None}) is None and Decision.of(None, {"k": "ya"}) is None
