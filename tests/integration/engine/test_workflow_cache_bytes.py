"""Review of the cache keyed by the stored bytes (merge 4a5f0b3): on both databases a
step finds the saved workflow and unpacks no task tree, and a workflow is never cached
under bytes it was not restored from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Table, update

from engine import instances, packing, runtime, store, versions, workflow_cache
from engine.models import Instance, Packed
from tests.support.journey import FPVC, Journey, ready_ids


def test_every_step_of_a_journey_hits_and_unpacks_no_task_tree(
    journey: Callable[[], Journey], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process walks a request through several steps (a declined pass included):
    after the start no load restores a workflow or unpacks a task tree, on SQLite and on
    PostgreSQL alike (``bytea`` read back as the very bytes the save packed)."""
    counts = {"trees": 0, "restores": 0}
    inflate, load_workflow = packing.inflate, versions.load_workflow

    def counting_inflate(value: bytes, dialect: Any) -> bytes:
        raw = inflate(value, dialect)
        counts["trees"] += b'"bpmn_events"' in raw  # a task tree (not step data, detail)
        return raw

    def counting_load(version: Any, state: dict[str, Any]) -> Any:
        counts["restores"] += 1
        return load_workflow(version, state)

    monkeypatch.setattr(packing, "inflate", counting_inflate)
    monkeypatch.setattr(versions, "load_workflow", counting_load)
    j = journey()
    j.start()
    workflow_cache.stats(reset=True)
    j.submit()
    j.verify()
    j.decide(False)
    j.submit()
    j.verify()
    lookups, hits = workflow_cache.stats()
    assert lookups >= 10 and hits == lookups
    assert counts == {"trees": 0, "restores": 0}


def test_a_tree_read_before_its_bytes_is_not_cached_under_newer_bytes(
    journey: Callable[[], Journey],
) -> None:
    """The row's unpacked tree was read earlier in the transaction (``workflow_of``, as
    the migration check does), another writer committed since, and a page then reads the
    row's bytes (deferred: read now, the newer ones). The workflow restored must be the
    one those bytes hold: cached under them, an older workflow would be handed to every
    later step (the request goes back a step)."""
    j = journey()
    j.start()
    table: Table = Instance.__table__  # type: ignore[assignment]
    where = table.c.id == j.instance_id
    with j.sessions.begin() as s:
        older = bytes(store.instance(s, j.instance_id, workflow=True).stored_workflow)
    with j.sessions.begin() as s:  # the request form completed
        loaded = instances.load(s, j.instance_id)
        runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
        instances.save(s, loaded, j.clock(), max_passes=50)
        newer = bytes(loaded.row.stored_workflow)
    workflow_cache.clear()  # as if saved by another process
    with j.sessions.begin() as s:
        s.connection().execute(update(table).where(where).values(workflow=Packed(older)))
        row = store.instance(s, j.instance_id)
        instances.workflow_of(row)  # the tree as the row held it then: the older one
        # Another writer commits the newer tree meanwhile (on PostgreSQL, READ COMMITTED,
        # this transaction's next read sees it; the same connection stands for it here).
        s.connection().execute(update(table).where(where).values(workflow=Packed(newer)))
        with instances.reading(row) as workflow:
            assert row.stored_workflow == newer
            assert ready_ids(workflow) == ["Task_Verifikasi"]
    with j.sessions.begin() as s:
        assert ready_ids(instances.load(s, j.instance_id).workflow) == ["Task_Verifikasi"]


def test_an_opening_in_a_rolled_back_savepoint_leaves_the_record_unopened(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s:
        record = store.step_by_task(s, task_id)
        with pytest.raises(RuntimeError), s.begin_nested():
            j.alur.open_task(s, task_id, j.people.staf, j.clock.advance(5))
            assert record.opened_at is not None
            raise RuntimeError("undo")
        assert record.opened_at is None and record.opened_by is None
    with j.sessions.begin() as s:
        record = store.step_by_task(s, task_id)
        assert (record.opened_at, record.opened_by) == (None, None)
        assert not [e for e in store.events_of(s, j.instance_id) if e.kind == "task_opened"
                    and e.task_id == task_id]


def test_records_inserted_by_a_save_are_loaded_rows_of_the_session(
    journey: Callable[[], Journey],
) -> None:
    """``store.insert_records`` fills the objects' dicts directly: they are persistent,
    in the identity map, clean, with their defaults, their instance readable, and what
    the database holds is what they hold."""
    from sqlalchemy import inspect, select

    from engine.models import StepRecord

    j = journey()
    j.start()
    with j.sessions.begin() as s:
        loaded = instances.load(s, j.instance_id)
        runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
        instances.save(s, loaded, j.clock(), max_passes=50)
        new = [r for r in loaded.records or () if isinstance(r, StepRecord)
               and r.state == "ready"]
        assert new
        for record in new:
            state = inspect(record)
            assert state.persistent and not state.modified and record in s
            assert s.get(StepRecord, record.id) is record
            assert record.instance is loaded.row
            assert record.breach_notified is False and record.requester_only in (True, False)
        ids = [r.id for r in new]
        wanted = {r.id: (r.task_id, r.bpmn_id, r.state, r.ready_at, r.breach_notified)
                  for r in new}
    with j.sessions.begin() as s:
        rows = s.scalars(select(StepRecord).where(StepRecord.id.in_(ids))).all()
        assert {r.id: (r.task_id, r.bpmn_id, r.state, r.ready_at, r.breach_notified)
                for r in rows} == wanted
