"""A colleague's claim committed while a completion runs, between its read of the task
and its write (PostgreSQL, READ COMMITTED; SQLite runs one writer at a time, so there it
cannot happen): the claim wins and the completion is refused with who holds the task.
It used to pass as well, both answered 200, found by the concurrency test in
``tests/integration/production``. Here the claim is slipped in deterministically, from
the completing session's first write (its UPDATE of the record)."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.errors import TaskClaimedByOther
from engine.users import actor_of, add_user
from tests.support.journey import Clock, FakeConference, Journey, make_alur, seed

pytestmark = pytest.mark.postgres


def test_a_claim_committed_during_a_completion_wins(pg_sessions: sessionmaker[Session]) -> None:
    clock, alur = Clock(), make_alur(FakeConference())
    j = Journey(pg_sessions, alur, clock, seed(pg_sessions, alur, clock))
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with pg_sessions.begin() as s:
        colleague = actor_of(add_user(s, "staf2", roles=["staf_iidc"], now=clock(),
                                      email="staf2@uji.id", display_name="Staf2"))

    completing, bind, claimed = pg_sessions(), pg_sessions.kw["bind"], []

    def claim_meanwhile(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if claimed or not statement.startswith("UPDATE step_records"):
            return  # before the completion's first write: its read is done
        claimed.append(True)
        with pg_sessions.begin() as other:
            alur.claim(other, task_id, colleague, clock())

    event.listen(bind, "before_cursor_execute", claim_meanwhile)
    try:
        with pytest.raises(TaskClaimedByOther) as refused:
            alur.complete(completing, task_id, j.people.staf, {"catatan_verifikasi": "x"},
                          clock())
    finally:
        event.remove(bind, "before_cursor_execute", claim_meanwhile)
    completing.close()
    assert claimed
    assert refused.value.by == "staf2"
    with pg_sessions() as s:
        record = store.step_by_task(s, task_id)
        assert (record.state, record.claimed_by, record.data) == ("ready", "staf2", None)
        kinds = [e.kind for e in store.events_of(s, j.instance_id) if e.task_id == task_id]
    assert kinds == ["task_claimed"]
