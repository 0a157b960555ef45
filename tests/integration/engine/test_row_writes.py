"""A save writes the rows it changed with Core UPDATEs (``engine.rowwrites``), keeping the
instance's optimistic lock: a version someone else saved first refuses the save, and
nothing of it is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from sqlalchemy import Table, update

from engine import instances, runtime, store
from engine.errors import Conflict
from engine.models import Instance
from tests.support import sql
from tests.support.journey import FPVC, Journey


def test_a_version_saved_meanwhile_refuses_the_save_and_writes_nothing(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    table = cast(Table, Instance.__table__)
    s = j.sessions()
    loaded = instances.load(s, j.instance_id)
    task = runtime.ready_user_tasks(loaded.workflow)[0]
    record = store.step_by_task(s, str(task.id))
    record.state, record.completed_by = "completed", "pemohon"
    runtime.complete_user_task(task, FPVC)
    # Another writer saves the instance after our read (its version moves on).
    s.connection().execute(update(table).where(table.c.id == j.instance_id)
                           .values(lock_version=table.c.lock_version + 1))
    with pytest.raises(Conflict):
        instances.save(s, loaded, j.clock(), max_passes=50)
    s.close()
    with j.sessions.begin() as s:
        rows = store.step_rows(s, j.instance_id)
        assert [(r.bpmn_id, r.state, r.completed_by) for r in rows] == [
            ("Task_IsiFPVC", "ready", None)]


def test_a_completion_updates_each_changed_row_once(journey: Callable[[], Journey]) -> None:
    """The record and the instance, each one UPDATE with what changed (the instance with
    its version check); the commit finds nothing left to write."""
    j = journey()
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with sql.statements(j.sessions.kw["bind"]) as sent, j.sessions.begin() as s:
        view = j.alur.complete(s, task_id, j.people.staf, {"catatan_verifikasi": "x"},
                               j.clock())
    updates = [u for u in sent if u.startswith("UPDATE")]
    assert [u.split()[1] for u in updates] == ["step_records", "instances"]
    assert "lock_version" in updates[1].split("WHERE")[1]
    assert [(s.bpmn_id, s.state) for s in view.steps][-2:] == [
        ("Task_Verifikasi", "completed"), ("Task_Persetujuan", "ready")]
    with j.sessions.begin() as s:
        assert store.step_by_task(s, task_id).completed_by == "staf"


def test_a_save_that_changes_nothing_writes_nothing(journey: Callable[[], Journey]) -> None:
    """As with the ORM's flush: values set again unchanged are no change, and no change
    is no UPDATE and no new version (a concurrent save is not refused for it)."""
    j = journey()
    j.start()
    with j.sessions() as s:
        version = store.instance(s, j.instance_id).lock_version
    with sql.statements(j.sessions.kw["bind"]) as sent, j.sessions.begin() as s:
        instances.save(s, instances.load(s, j.instance_id), j.clock(), max_passes=50)
    assert [u for u in sent if u.startswith("UPDATE")] == []
    with j.sessions() as s:
        assert store.instance(s, j.instance_id).lock_version == version


def test_a_rolled_back_savepoint_leaves_the_rows_as_the_database_holds_them(
    journey: Callable[[], Journey],
) -> None:
    """As after a flush: the rows a savepoint wrote are expired when it rolls back (they
    read what the database holds again), and a later save in the same transaction is not
    refused for a version that was never committed."""
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        loaded = instances.load(s, j.instance_id)
        version, step = loaded.row.lock_version, loaded.row.current_step
        task_id = str(runtime.ready_user_tasks(loaded.workflow)[0].id)
        record = store.step_by_task(s, task_id)
        with pytest.raises(RuntimeError), s.begin_nested():
            record.state, record.completed_by = "completed", "pemohon"
            runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
            instances.save(s, loaded, j.clock(), max_passes=50)
            assert (loaded.row.current_step, loaded.row.lock_version) != (step, version)
            raise RuntimeError("this job failed")
        assert (loaded.row.current_step, loaded.row.lock_version) == (step, version)
        assert (record.state, record.completed_by) == ("ready", None)
        again = instances.load(s, j.instance_id)
        record = store.step_by_task(s, task_id)
        record.state, record.completed_by = "completed", "pemohon"
        runtime.complete_user_task(runtime.ready_user_tasks(again.workflow)[0], FPVC)
        instances.save(s, again, j.clock(), max_passes=50)  # no Conflict
    with j.sessions.begin() as s:
        assert store.instance(s, j.instance_id).lock_version == version + 1
        assert store.step_by_task(s, task_id).state == "completed"


def test_a_released_savepoint_is_undone_with_the_savepoint_around_it(
    journey: Callable[[], Journey],
) -> None:
    """A savepoint released inside another that then rolls back: what the inner one wrote
    is undone too (as the session undoes what its flush wrote there)."""
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        loaded = instances.load(s, j.instance_id)
        version = loaded.row.lock_version
        task_id = str(runtime.ready_user_tasks(loaded.workflow)[0].id)
        with pytest.raises(RuntimeError), s.begin_nested():
            with s.begin_nested():
                runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
                instances.save(s, loaded, j.clock(), max_passes=50)
            raise RuntimeError("the outer job failed")
        assert loaded.row.lock_version == version
        assert [r.bpmn_id for r in store.step_rows(s, j.instance_id)] == ["Task_IsiFPVC"]
        assert store.step_by_task(s, task_id).state == "ready"
