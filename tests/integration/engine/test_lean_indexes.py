"""The events' partial indexes (migration 0012) hold only the kinds their queries read, and
those queries can use them on both databases: the kind is written into the SQL, so even a
generic PostgreSQL plan proves the index's WHERE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from alembic import command
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from engine import breaches, signature, signin, store
from engine.migrate import alembic_config
from engine.models import BREACHED_KIND, THROTTLED_KINDS, Event
from engine.reporting.queries import breach_counts
from engine.reporting.scope import Scope
from tests.support.journey import Clock, Journey


def test_the_indexed_kinds_are_the_ones_the_queries_name() -> None:
    assert set(THROTTLED_KINDS) == {signin.FAILED, signin.SUCCEEDED, signature.FAILED}
    assert breaches.EVENT == BREACHED_KIND


def _plans(sessions: sessionmaker[Session], run: Callable[[Session], Any]) -> str:
    """EXPLAIN of every statement ``run`` issues; PostgreSQL told to avoid table scans, so
    the plan names an index whenever one is usable at all."""
    with sessions() as s:
        conn = s.connection()
        seen: list[tuple[str, Any]] = []

        def listener(*args: Any) -> None:
            seen.append((args[2], args[3]))

        event.listen(conn, "before_cursor_execute", listener)
        run(s)
        event.remove(conn, "before_cursor_execute", listener)
        lines = []
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for sql, params in seen:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(explain + sql, params).all()
            lines += [str(row[-1]) for row in rows]
        s.rollback()
        return "\n".join(lines)


def test_the_throttles_and_breach_counts_read_the_partial_indexes(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    now = clock()
    with sessions.begin() as s:
        for i in range(3):
            store.add_event(s, at=now - timedelta(minutes=i), kind=signin.FAILED,
                            actor="ani", remote_addr="10.0.0.1")
            store.add_event(s, at=now, kind="task_completed", actor="ani",
                            instance_id="i" * 32, task_id=f"t{i}")
    policy = signin.SignInPolicy(max_failures=3, window=timedelta(minutes=15))

    def throttle(s: Session) -> None:
        assert signin.refused_until(s, "ani", "10.0.0.1", now, policy) is not None

    plans = _plans(sessions, throttle)
    assert plans.count("ix_events_throttle") >= 3, plans
    plans = _plans(sessions, lambda s: breach_counts(s, Scope()))
    assert "ix_events_breach" in plans, plans
    with sessions() as s:  # the other kinds are in the table, not in the partial indexes
        assert s.query(Event).count() == 6


def test_the_migration_goes_down_and_up(sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    command.downgrade(config, "0011_packed_workflow")
    assert "ix_events_kind_at" in _index_names(engine)
    command.upgrade(config, "head")
    names = _index_names(engine)
    assert {"ix_events_throttle", "ix_events_breach"} <= names
    assert not {"ix_events_kind_at", "ix_events_kind", "ix_mail_messages_created_at"} & names


def _index_names(engine: Any) -> set[str]:
    found = inspect(engine)
    names = {i["name"] for t in ("events", "mail_messages") for i in found.get_indexes(t)}
    engine.dispose()
    return {n for n in names if n}


def test_the_inbox_reads_the_waiting_steps_only(
    journey: Callable[[], Journey], sessions: sessionmaker[Session]
) -> None:
    j = journey()
    j.full()  # completed: none of its steps is in the partial index any more
    j.start()
    j.submit()
    staf = j.people.staf

    def inbox(s: Session) -> None:
        steps = store.ready_steps_for(s, roles=staf.roles, user_id=staf.user_id)
        assert [r.bpmn_id for r in steps] == ["Task_Verifikasi"]

    plans = _plans(sessions, inbox)
    if sessions.kw["bind"].dialect.name == "sqlite":
        assert "ix_step_ready_role" in plans, plans
    assert "SCAN step_records\n" not in plans + "\n" and "Seq Scan on step_records" not in plans
