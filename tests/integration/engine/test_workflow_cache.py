"""The restored workflows a process keeps between transactions (``engine.workflow_cache``):
used only for what the database holds, never for what a rolled back transaction did."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from engine import instances, runtime, store, versions, workflow_cache
from engine.models import Instance
from tests.support.journey import FPVC, Journey, ready_ids


def _complete_first_step(j: Journey) -> str:
    """Complete the request form on the loaded workflow and save it; its task id."""
    with j.sessions.begin() as s:
        loaded = instances.load(s, j.instance_id)
        task = runtime.ready_user_tasks(loaded.workflow)[0]
        runtime.complete_user_task(task, FPVC)
        instances.save(s, loaded, j.clock(), max_passes=50)
        return str(task.id)


def test_the_workflow_a_commit_saved_is_the_next_transactions(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        first = instances.load(s, j.instance_id).workflow
        instances.save(s, instances.Loaded(store.instance(s, j.instance_id), first), j.clock(),
                       max_passes=50)
    with j.sessions.begin() as s:
        again = instances.load(s, j.instance_id).workflow
    assert again is first  # restored once, then handed on
    with j.sessions.begin() as s:  # taken by the last transaction, which saved nothing
        assert instances.load(s, j.instance_id).workflow is not first


def test_a_rolled_back_change_never_reaches_the_next_load(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    _complete_first_step(j)  # committed: cached
    s = j.sessions()
    loaded = instances.load(s, j.instance_id)
    task = runtime.ready_user_tasks(loaded.workflow)[0]
    runtime.complete_user_task(task, {"catatan_verifikasi": "x"})
    instances.save(s, loaded, j.clock(), max_passes=50)
    assert ready_ids(loaded.workflow) == ["Task_Persetujuan"]
    s.rollback()
    s.close()
    with j.sessions.begin() as s:
        assert ready_ids(instances.load(s, j.instance_id).workflow) == ["Task_Verifikasi"]


def test_a_change_in_a_rolled_back_savepoint_is_not_cached(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    with j.sessions.begin() as s, pytest.raises(RuntimeError), s.begin_nested():
        loaded = instances.load(s, j.instance_id)
        runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
        instances.save(s, loaded, j.clock(), max_passes=50)
        raise RuntimeError("this job failed")
    with j.sessions.begin() as s:
        assert ready_ids(instances.load(s, j.instance_id).workflow) == ["Task_IsiFPVC"]


def test_a_tree_written_elsewhere_is_restored_not_taken_from_the_cache(
    journey: Callable[[], Journey],
) -> None:
    """Another process saved the instance (or a backup put an older tree back): what the
    database holds wins, whatever this process cached."""
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        older = dict(store.instance(s, j.instance_id, workflow=True).workflow)
    _complete_first_step(j)  # cached: the request form done
    with j.sessions.begin() as s:
        s.execute(update(Instance).where(Instance.id == j.instance_id).values(workflow=older))
    with j.sessions.begin() as s:
        assert ready_ids(instances.load(s, j.instance_id).workflow) == ["Task_IsiFPVC"]


def test_a_transaction_closed_without_a_commit_caches_nothing(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    s = j.sessions()
    loaded = instances.load(s, j.instance_id)
    runtime.complete_user_task(runtime.ready_user_tasks(loaded.workflow)[0], FPVC)
    instances.save(s, loaded, j.clock(), max_passes=50)
    s.close()
    with j.sessions.begin() as s:
        assert ready_ids(instances.load(s, j.instance_id).workflow) == ["Task_IsiFPVC"]


def test_the_cache_keeps_at_most_its_limit(
    journey: Callable[[], Journey], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workflow_cache, "LIMIT", 2)
    ids = [journey().start().id for _ in range(3)]  # each start caches its workflow
    j = journey()
    with j.sessions.begin() as s:
        rows = [store.instance(s, i, workflow=True) for i in ids]
        hits = [workflow_cache.take(r.id, versions.key_of(r.version), r.stored_workflow)
                for r in rows]
    assert [h is not None for h in hits] == [False, True, True]  # the oldest went first


def test_a_page_reads_the_cached_workflow_and_gives_it_back_unchanged(
    journey: Callable[[], Journey],
) -> None:
    """The task page and the request page read the saved workflow without restoring it,
    hand out copies of its data, and leave it cached for the next completion."""
    j = journey()
    j.start()
    j.submit()
    with j.sessions.begin() as s:
        saved = instances.load(s, j.instance_id).workflow  # taken, then kept again
        instances.keep(s, instances.Loaded(store.instance(s, j.instance_id), saved))
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s:
        page = j.alur.open_task(s, task_id, j.people.staf, j.clock())
        request = j.alur.instance(s, j.instance_id, j.people.staf)
    page.context["nama_kegiatan"] = "changed by a reader"
    request.data["nama_kegiatan"] = "changed by a reader"
    with j.sessions.begin() as s:
        again = instances.load(s, j.instance_id).workflow
    assert again is saved
    task = runtime.find_task(again, task_id)
    assert task is not None and task.data["nama_kegiatan"] == FPVC["nama_kegiatan"]


def test_the_cache_turned_off_restores_every_load_and_counts_the_misses(
    journey: Callable[[], Journey],
) -> None:
    """``set_limit(0)``: a committed save keeps nothing, the next load restores from the
    stored tree (as in another process); ``stats`` counts the lookups and the hits."""
    j = journey()
    j.start()
    workflow_cache.stats(reset=True)
    previous = workflow_cache.set_limit(0)
    try:
        _complete_first_step(j)
        with j.sessions.begin() as s:
            assert ready_ids(instances.load(s, j.instance_id).workflow) == [
                "Task_Verifikasi"]
        assert workflow_cache.stats() == (2, 0)
    finally:
        workflow_cache.set_limit(previous)
    with j.sessions.begin() as s:  # back on: kept again once a save commits
        instances.save(s, instances.load(s, j.instance_id), j.clock(), max_passes=50)
    with j.sessions.begin() as s:
        instances.load(s, j.instance_id)
    assert workflow_cache.stats(reset=True) == (4, 1)
    assert workflow_cache.stats() == (0, 0)


def test_a_hit_compares_the_stored_bytes_and_unpacks_no_tree(
    journey: Callable[[], Journey],
) -> None:
    """A load finds the saved workflow by the bytes the row holds: the tree is not
    unpacked (nor parsed) unless the workflow must be restored."""
    j = journey()
    j.start()
    _complete_first_step(j)
    workflow_cache.stats(reset=True)
    with j.sessions.begin() as s:
        loaded = instances.load(s, j.instance_id)
        assert "workflow" not in loaded.row.__dict__  # the unpacked tree was never read
        assert workflow_cache.stats() == (1, 1)
        stored = s.scalars(select(Instance.stored_workflow)
                           .where(Instance.id == j.instance_id)).one()
        assert loaded.row.stored_workflow == stored
        assert loaded.row.workflow == instances.runtime.dump_workflow(loaded.workflow)
