"""A claimed task can be taken over by anyone of its lane (confirmed against the holder
they saw; an event; the holder mailed), and released or reassigned by an admin to a user
of the lane's role. Two people taking over at once: one wins, the other hears who."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import store
from engine.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from engine.users import Actor, actor_of, add_user
from tests.support.journey import Journey


@pytest.fixture
def lane(sessions: sessionmaker[Session], journey: Callable[[], Journey]) -> dict[str, Actor]:
    """Two more staff of the verifying lane and an admin."""
    j = journey()
    with sessions.begin() as s:
        made = {name: actor_of(add_user(s, name, roles=roles, now=j.clock(),
                                        email=f"{name}@uji.id", display_name=name.title()))
                for name, roles in (("staf2", ["staf_iidc"]), ("staf3", ["staf_iidc"]),
                                    ("boss", ["admin"]))}
    return made


def claimed_by_staf(journey: Callable[[], Journey]) -> tuple[Journey, str]:
    j = journey()
    j.start()
    j.submit()
    task_id = j.task_for(j.people.staf, "Task_Verifikasi")
    with j.sessions.begin() as s:
        j.alur.claim(s, task_id, j.people.staf, j.clock())
    return j, task_id


def told(j: Journey, task_id: str) -> list[dict[str, object]]:
    with j.sessions() as s:
        return [dict(job.payload) for job in store.jobs_of(s, j.instance_id)
                if job.task_id == task_id and job.payload.get("user")]


def events(j: Journey, kind: str) -> list[tuple[str | None, dict[str, object]]]:
    with j.sessions() as s:
        return [(e.actor, dict(e.detail)) for e in store.events_of(s, j.instance_id)
                if e.kind == kind]


def test_a_colleague_takes_over_and_the_holder_is_told(
    journey: Callable[[], Journey], lane: dict[str, Actor]
) -> None:
    j, task_id = claimed_by_staf(journey)
    with j.sessions.begin() as s:
        previous = j.alur.take_over(s, task_id, lane["staf2"], j.clock(), expect="staf")
    assert previous == "staf"
    assert events(j, "task_taken_over") == [("staf2", {"previous": "staf"})]
    assert told(j, task_id) == [{"event": "taken_over", "user": "staf", "by": "Staf2"}]
    # The old holder can no longer send the form.
    with j.sessions.begin() as s, pytest.raises(TaskClaimedByOther) as refused:
        j.alur.complete(s, task_id, j.people.staf, {"catatan_verifikasi": "x"}, j.clock())
    assert refused.value.by == "staf2"
    j.run_worker()
    with j.sessions() as s:
        (mail,) = [m for m, _ in store.mail_messages(s) if "diambil alih" in m.subject]
    assert mail.to == "staf@uji.id" and "kini dikerjakan oleh Staf2" in mail.body


def test_taking_over_needs_the_lane_and_the_holder_one_saw(
    journey: Callable[[], Journey], lane: dict[str, Actor]
) -> None:
    j, task_id = claimed_by_staf(journey)
    with j.sessions.begin() as s, pytest.raises(Forbidden):
        j.alur.take_over(s, task_id, j.people.subkoor, j.clock(), expect="staf")
    with j.sessions.begin() as s, pytest.raises(NotFound):
        j.alur.take_over(s, task_id, j.people.others["pemohon2"], j.clock(), expect="staf")
    with j.sessions.begin() as s, pytest.raises(TaskClaimedByOther):
        j.alur.take_over(s, task_id, lane["staf2"], j.clock(), expect="staf3")  # stale page
    j.verify()
    with j.sessions.begin() as s, pytest.raises(TaskAlreadyCompleted) as done:
        j.alur.take_over(s, task_id, lane["staf2"], j.clock(), expect="staf")
    assert done.value.by == "staf"


def test_two_take_overs_at_once_one_wins_the_other_hears_who(
    journey: Callable[[], Journey], lane: dict[str, Actor], sessions: sessionmaker[Session]
) -> None:
    j, task_id = claimed_by_staf(journey)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def take(who: str) -> None:
        barrier.wait()
        try:
            with sessions.begin() as s:
                j.alur.take_over(s, task_id, lane[who], j.clock(), expect="staf")
            outcomes[who] = "ok"
        except TaskClaimedByOther as err:
            outcomes[who] = err.by

    threads = [threading.Thread(target=take, args=(w,)) for w in ("staf2", "staf3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = next(w for w, o in outcomes.items() if o == "ok")
    loser = next(w for w in outcomes if w != winner)
    assert outcomes[loser] == winner
    assert [a for a, _ in events(j, "task_taken_over")] == [winner]
    assert len(told(j, task_id)) == 1


def test_an_admin_releases_or_reassigns_within_the_lanes_role(
    journey: Callable[[], Journey], lane: dict[str, Actor]
) -> None:
    j, task_id = claimed_by_staf(journey)
    boss = lane["boss"]
    with j.sessions() as s:
        assert [u for u, _ in j.alur.assignees(s, task_id, boss)] == ["staf", "staf2", "staf3"]
        assert j.alur.assignees(s, task_id, j.people.staf) == []
    with j.sessions.begin() as s, pytest.raises(NotFound):
        j.alur.assign(s, task_id, boss, j.clock(), to="subkoor", expect="staf")
    with j.sessions.begin() as s, pytest.raises(Forbidden):
        j.alur.assign(s, task_id, j.people.staf, j.clock(), to="staf2", expect="staf")
    with j.sessions.begin() as s:
        j.alur.assign(s, task_id, boss, j.clock(), to="staf2", expect="staf")
    assert events(j, "task_assigned") == [("boss", {"previous": "staf", "to": "staf2"})]
    assert [(p["event"], p["user"]) for p in told(j, task_id)] == [
        ("assigned", "staf2"), ("taken_over", "staf")]
    with j.sessions.begin() as s:
        j.alur.unclaim(s, task_id, boss, j.clock())
    assert events(j, "task_unclaimed") == [("boss", {"previous": "staf2"})]
    assert told(j, task_id)[-1] == {"event": "released", "user": "staf2", "by": "Boss"}
    with j.sessions.begin() as s, pytest.raises(Conflict):  # the page showed staf2
        j.alur.assign(s, task_id, boss, j.clock(), to="staf3", expect="staf2")
    j.verify()  # anyone of the lane finishes it now
