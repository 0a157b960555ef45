"""Two colleagues open the same step at once (PostgreSQL, READ COMMITTED; SQLite runs
one writer at a time from BEGIN IMMEDIATE, so there it cannot happen): each read the
step unopened, and the opening written last used to replace the first one, with a second
``task_opened`` event. The first opening stands; the second records nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.users import actor_of, add_user
from tests.support.journey import Clock, FakeConference, Journey, make_alur, seed

pytestmark = pytest.mark.postgres


def test_a_task_opened_by_two_at_once_records_the_first_opening_only(
    pg_sessions: sessionmaker[Session],
) -> None:
    """Two colleagues open the same step at the same moment, each reading it unopened:
    the record keeps the first opening (who and when) and the chain one ``task_opened``."""
    clock, alur = Clock(), make_alur(FakeConference())
    j = Journey(pg_sessions, alur, clock, seed(pg_sessions, alur, clock))
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s:
        colleague = actor_of(add_user(s, "staf2", roles=["staf_iidc"], now=j.clock(),
                                      email="staf2@uji.id"))
    second = j.sessions()
    seen = store.step_by_task(second, task_id, workflow=True)  # read unopened
    assert seen.opened_at is None
    first_at = j.clock.advance(10)
    with j.sessions.begin() as s:
        j.alur.open_task(s, task_id, j.people.staf, first_at)
    j.alur.open_task(second, task_id, colleague, j.clock.advance(10))
    second.commit()
    second.close()
    with j.sessions.begin() as s:
        record = store.step_by_task(s, task_id)
        assert (record.opened_at, record.opened_by) == (first_at, j.people.staf.username)
        opened = [e for e in store.events_of(s, j.instance_id) if e.kind == "task_opened"
                  and e.task_id == task_id]
        assert len(opened) == 1
