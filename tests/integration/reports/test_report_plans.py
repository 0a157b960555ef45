"""On SQLite the report must not sort or probe every record: the percentile walks and the
histogram counts use the duration indexes (of either clock) in order, and the sums stream
from covering indexes. Guards the 1-second budget at 100,000 requests
(bench/report_scale.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from engine.reporting import scope as report_scope
from engine.reporting.per_request import request_stats
from engine.reporting.per_step import StepNumbers
from engine.reporting.scope import Scope, select_records
from engine.reporting.stamps import CALENDAR, OFFICE


def plans(sessions, run: Any) -> list[str]:
    with sessions() as s:
        seen: list[tuple[str, Any]] = []
        bind = s.connection()
        listener = lambda *a: seen.append((a[2], a[3]))  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        run(s)
        event.remove(bind, "before_cursor_execute", listener)
        return [" / ".join(r[3] for r in bind.exec_driver_sql("EXPLAIN QUERY PLAN " + sql,
                                                               params))
                for sql, params in seen]


@pytest.mark.parametrize(("report_clock", "index"), [(CALENDAR, "ix_step_duration "),
                                              (OFFICE, "ix_step_duration_office ")])
def test_the_queries_read_indexes_in_order(sessions, known, report_clock, index) -> None:
    def run(s: Any) -> None:
        numbers = StepNumbers.read(s, select_records(s, Scope()), report_clock)
        passes = numbers.passes()["Task_IsiFPVC"]
        numbers.histogram("Task_IsiFPVC", numbers.distribution("Task_IsiFPVC", passes), 180)

    found = plans(sessions, run)
    text = "\n".join(found)
    assert "USE TEMP B-TREE" not in text, text
    assert any(index in p + " " for p in found), text
    assert any("COVERING INDEX ix_step_by_step" in p for p in found), text


def test_request_numbers_stream_from_covering_indexes(sessions, known) -> None:
    def run(s: Any) -> None:
        scope = Scope()
        request_stats(s, scope, select_records(s, scope), OFFICE, 420)

    text = "\n".join(plans(sessions, run))
    assert "COVERING INDEX ix_step_by_instance" in text, text
    assert "COVERING INDEX ix_instances_report" in text, text
    assert "SCAN instances\n" not in text + "\n" and "USING INDEX ix_instances_status" not in text


def test_a_narrow_filter_reads_each_steps_kept_durations_once(sessions, known,
                                                              monkeypatch) -> None:
    """Keep mode: the kept durations of a step come from the covering ix_step_by_step in
    one query, whatever the percentiles and bins asked of them."""
    monkeypatch.setattr(report_scope, "SUBTRACT_UP_TO", -1.0)

    def run(s: Any) -> None:
        numbers = StepNumbers.read(s, select_records(s, Scope()), OFFICE)
        assert numbers.sel.mode == "keep"
        passes = numbers.passes()["Task_IsiFPVC"]
        numbers.histogram("Task_IsiFPVC", numbers.distribution("Task_IsiFPVC", passes), 180)

    found = plans(sessions, run)
    text = "\n".join(found)
    assert len(found) == 3, text  # the selection, the sums, the step's durations
    assert "SCAN step_records\n" not in text + "\n", text
    durations = found[-1]
    assert "COVERING INDEX ix_step_by_step (bpmn_id=?)" in durations, text
    assert "TEMP B-TREE" not in durations, text
