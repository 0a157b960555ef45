"""Who works a ready task now: claiming ("Ambil"), releasing ("Lepas"), taking over a
colleague's claim ("Ambil alih") and, for admins, releasing or reassigning anyone's.

Every change of the claim is one conditional UPDATE (``store.claim_step`` with the holder
the caller saw), so two people acting at once never both win: the loser hears who holds
the task now (``TaskClaimedByOther``) or who finished it (``TaskAlreadyCompleted``).
Each change is an event; a holder who loses the task, and a user a task is assigned to,
are told by mail (a ``notify`` job). Imports no web layer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine import store, tasks
from engine.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from engine.forms import N_
from engine.models import StepRecord
from engine.users import Actor, actor_of, get_user, users_with_role


def claim(session: Session, task_id: str, actor: Actor, now: datetime) -> None:
    record = tasks.ready_for(session, task_id, actor)
    tasks.check_separation(record, actor)
    if not store.claim_step(session, task_id, actor.username, now, expect=None):
        _lost(session, record, actor)
        return
    _event(session, record, "task_claimed", actor.username, now)


def unclaim(session: Session, task_id: str, actor: Actor, now: datetime) -> None:
    """Release one's own claim; an admin releases anyone's (the holder is told)."""
    record = _ready_task(session, task_id, actor)
    holder = record.claimed_by
    if holder is None:
        return
    if holder != actor.username and not actor.has("admin"):
        raise TaskClaimedByOther(task_id, holder)
    if not store.claim_step(session, task_id, None, now, expect=holder):
        _lost(session, record, actor)
    _event(session, record, "task_unclaimed", actor.username, now, previous=holder)
    if holder != actor.username:
        _tell(session, record, now, "released", holder, actor.display_name)


def take_over(session: Session, task_id: str, actor: Actor, now: datetime, *,
              expect: str | None) -> str | None:
    """Take the task from ``expect``, the holder the actor saw and confirmed taking it
    from; returns the previous holder. Anyone of the task's lane may."""
    record = tasks.ready_for(session, task_id, actor)
    tasks.check_separation(record, actor)
    holder = record.claimed_by
    if holder == actor.username:
        return None
    if holder != expect:  # it changed hands since the confirmation page: ask again
        _raise_current(record, holder)
    if not store.claim_step(session, task_id, actor.username, now, expect=holder):
        _lost(session, record, actor)
    _event(session, record, "task_taken_over", actor.username, now, previous=holder)
    if holder is not None:
        _tell(session, record, now, "taken_over", holder, actor.display_name)
    return holder


def assignees(session: Session, task_id: str, actor: Actor) -> list[tuple[str, str]]:
    """(username, display name) of the users an admin may assign the task to."""
    record = _ready_task(session, task_id, actor)
    if not actor.has("admin") or record.requester_only or record.role is None:
        return []
    return [(u.username, u.display_name) for u in users_with_role(session, record.role)
            if not tasks.separated(record, actor_of(u))]  # not their own request


def assign(session: Session, task_id: str, actor: Actor, now: datetime, *, to: str,
           expect: str | None) -> None:
    """An admin gives the task to ``to`` (who must hold the lane's role)."""
    record = _ready_task(session, task_id, actor)
    if not actor.has("admin"):
        raise Forbidden("Hanya admin yang dapat menugaskan tugas kepada orang lain.")
    if to not in {name for name, _ in assignees(session, task_id, actor)}:
        raise NotFound(N_("Pengguna '%(name)s' tidak memegang peran langkah ini."), name=to)
    holder = record.claimed_by
    if holder != expect:
        _raise_current(record, holder)
    if holder == to:
        return
    if not store.claim_step(session, task_id, to, now, expect=holder):
        _lost(session, record, actor)
    _event(session, record, "task_assigned", actor.username, now, previous=holder, to=to)
    _tell(session, record, now, "assigned", to, actor.display_name)
    if holder is not None:
        _tell(session, record, now, "taken_over", holder, actor.display_name)


def _ready_task(session: Session, task_id: str, actor: Actor) -> StepRecord:
    """A ready task of the lane's people, or of anyone for an admin."""
    if not actor.has("admin"):
        return tasks.ready_for(session, task_id, actor)
    record = store.step_by_task(session, task_id)
    if record.state == "completed":
        raise TaskAlreadyCompleted(task_id, record.completed_by)
    if record.state != "ready" or record.kind != "user":
        raise Conflict("Tugas ini sudah tidak aktif.")
    return record


def _raise_current(record: StepRecord, holder: str | None) -> None:
    if holder is None:
        raise Conflict("Tugas ini sudah dilepas; muat ulang halaman.")
    raise TaskClaimedByOther(record.task_id, holder)


def _lost(session: Session, record: StepRecord, actor: Actor) -> None:
    """The conditional update matched nothing: someone changed the task first."""
    session.refresh(record)
    if record.state == "completed":
        raise TaskAlreadyCompleted(record.task_id, record.completed_by)
    if record.state != "ready":
        raise Conflict("Tugas ini sudah tidak aktif.")
    if record.claimed_by != actor.username:
        _raise_current(record, record.claimed_by)


def _event(session: Session, record: StepRecord, kind: str, actor: str, now: datetime,
           **detail: str | None) -> None:
    store.add_event(session, at=now, kind=kind, actor=actor, instance_id=record.instance_id,
                    task_id=record.task_id, detail={k: v for k, v in detail.items() if v})


def _tell(session: Session, record: StepRecord, now: datetime, event: str, user: str,
          by: str) -> None:
    """Mail ``user`` about the change (written by the worker, like every mail)."""
    try:
        get_user(session, user)
    except NotFound:
        return
    store.add_job(session, kind="notify", now=now, instance_id=record.instance_id,
                  task_id=record.task_id, payload={"event": event, "user": user, "by": by})
