"""The audit log is one hash chain: ``audit.verify`` holds after real journeys and finds the
first broken link when a row is edited, deleted or inserted behind Alur's back (raw SQL),
and when a completed step record's data is changed; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, store
from engine.models import pack_json
from tests.support.journey import Journey


def verdict(sessions: sessionmaker[Session]) -> audit.Verdict:
    with sessions.begin() as s:
        return audit.verify(s)


def raw(sessions: sessionmaker[Session], sql: str, **params: object) -> None:
    with sessions.begin() as s:
        s.execute(text(sql), params)


def chained_journey(journey: Callable[[], Journey]) -> Journey:
    j = journey()
    j.full(declines=1)
    return j


def test_a_declined_then_signed_journey_leaves_an_unbroken_chain(
    journey: Callable[[], Journey],
) -> None:
    j = chained_journey(journey)
    found = verdict(j.sessions)
    assert found.ok, found.broken
    with j.sessions.begin() as s:
        events = store.events_of(s, j.instance_id)
        records = store.steps_of(s, j.instance_id)
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert all(len(e.hash) == 32 for e in events)
    completed = [r for r in records if r.state == "completed"]
    assert found.records >= len(completed) == 8
    # each completion event carries the digest of its record, data included
    digests = {e.task_id: e.detail.get("record_sha256") for e in events}
    assert all(digests[r.task_id] == audit.record_digest(r) for r in completed)


def test_events_sealed_together_are_linked_by_the_documented_formula(
    journey: Callable[[], Journey],
) -> None:
    """Three events of one commit, each hash recomputed from the README's definition
    (``sha256("<prev_hash>:<seq>:<sha256 of the canonical JSON>")``, UTF-8) with hashlib
    alone: the writer computes nothing ``alur audit verify`` would read otherwise."""
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        before = audit.head(s)
    at = j.clock()
    logged = [{"at": at.isoformat(timespec="microseconds"), "instance_id": None,
               "actor": "pengujî", "kind": "uji", "task_id": None,
               "detail": {"n": n, "teks": "é ✓"}, "remote_addr": "127.0.0.1"}
              for n in range(3)]
    with j.sessions.begin() as s:
        for fields in logged:
            store.add_event(s, at=at, kind="uji", actor="pengujî", detail=fields["detail"],
                            remote_addr="127.0.0.1")
    with j.sessions.begin() as s:
        rows = s.execute(text("SELECT seq, hash FROM events WHERE seq > :seq ORDER BY seq"),
                         {"seq": before["seq"]}).all()
    assert [r.seq for r in rows] == [before["seq"] + n for n in (1, 2, 3)]
    prev = before["hash"]
    for row, fields in zip(rows, logged, strict=True):
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        body = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        link = f"{prev}:{row.seq}:{body}".encode()
        assert bytes(row.hash) == hashlib.sha256(link).digest()
        prev = bytes(row.hash).hex()
    assert verdict(j.sessions).ok


def test_an_edited_event_breaks_the_chain_at_that_row(journey: Callable[[], Journey]) -> None:
    j = chained_journey(journey)
    raw(j.sessions, "UPDATE events SET actor = 'mallory' WHERE seq = 5")
    found = verdict(j.sessions)
    assert not found.ok and found.broken is not None
    assert found.broken.seq == 5 and "diubah" in found.broken.problem
    assert found.head_seq == 4


def test_a_deleted_event_breaks_the_chain_after_the_gap(journey: Callable[[], Journey]) -> None:
    j = chained_journey(journey)
    raw(j.sessions, "DELETE FROM events WHERE seq = 7")
    found = verdict(j.sessions)
    assert found.broken is not None and found.broken.seq == 8
    assert "dihapus" in found.broken.problem


def test_an_inserted_event_breaks_the_chain_at_that_row(journey: Callable[[], Journey]) -> None:
    j = chained_journey(journey)
    with j.sessions.begin() as s:
        head = s.execute(text("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")).one()
    forged = bytes.fromhex(audit.sha256("forged"))
    raw(
        j.sessions,
        "INSERT INTO events (seq, hash, at, instance_id, actor, kind, detail) "
        "VALUES (:seq, :hash, :at, :inst, 'subkoor', 'task_completed', :detail)",
        seq=head.seq + 1, hash=forged, at=j.clock().replace(tzinfo=None), detail=b"{}",
        inst=j.instance_id,
    )
    found = verdict(j.sessions)
    assert found.broken is not None and found.broken.seq == head.seq + 1


def test_an_event_inserted_in_the_middle_breaks_the_chain_there(
    journey: Callable[[], Journey],
) -> None:
    j = chained_journey(journey)
    # make room at seq 3 by moving every later event up by one, as a forger would
    with j.sessions.begin() as s:
        top = s.execute(text("SELECT max(seq) FROM events")).scalar_one()
        for seq in range(top, 2, -1):
            s.execute(text("UPDATE events SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
        s.execute(
            text("INSERT INTO events (seq, hash, at, actor, kind, detail) "
                 "VALUES (3, :hash, :at, 'admin', 'signed_in', :detail)"),
            {"hash": bytes.fromhex(audit.sha256("x")), "at": j.clock().replace(tzinfo=None),
             "detail": b"{}"},
        )
    found = verdict(j.sessions)
    assert found.broken is not None and found.broken.seq == 3


def test_a_changed_decision_in_a_step_record_is_found(journey: Callable[[], Journey]) -> None:
    j = chained_journey(journey)
    raw(
        j.sessions,
        "UPDATE step_records SET data = :data WHERE bpmn_id = 'Task_Persetujuan' "
        "AND pass_no = 1",
        data=pack_json({"keputusan": "setuju", "alasan": None}),  # as stored (compressed)
    )
    found = verdict(j.sessions)
    assert found.broken is not None and "Task_Persetujuan" in found.broken.problem
    assert "putaran 1" in found.broken.problem


def test_a_deleted_step_record_is_found(journey: Callable[[], Journey]) -> None:
    j = chained_journey(journey)
    raw(j.sessions, "DELETE FROM step_records WHERE bpmn_id = 'Task_Verifikasi' AND pass_no = 1")
    found = verdict(j.sessions)
    assert found.broken is not None and "dihapus" in found.broken.problem


def test_a_rolled_back_transaction_logs_nothing(journey: Callable[[], Journey]) -> None:
    j = journey()
    j.start()
    with j.sessions() as s:
        store.add_event(s, at=j.clock(), kind="uji", actor="x")
        s.rollback()
        s.commit()
    with j.sessions.begin() as s:
        assert not [e for e in store.events_of(s, j.instance_id) if e.kind == "uji"]
    assert verdict(j.sessions).ok


def test_writers_appending_at_once_never_fork_the_chain(journey: Callable[[], Journey]) -> None:
    """Eight threads each commit 15 events (two per transaction) at the same time."""
    j = journey()
    j.start()
    errors: list[BaseException] = []
    gate = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            gate.wait()
            for i in range(15):
                with j.sessions.begin() as s:
                    for k in range(2):
                        store.add_event(s, at=j.clock(), kind="uji", actor=f"w{n}",
                                        detail={"i": i, "k": k})
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    found = verdict(j.sessions)
    assert found.ok, found.broken
    with j.sessions.begin() as s:
        count = s.execute(text("SELECT count(*) FROM events WHERE kind = 'uji'")).scalar_one()
    assert count == 8 * 15 * 2


def test_the_migration_chains_the_events_written_before_it(tmp_path) -> None:
    from datetime import UTC, datetime

    from engine import migrate
    from engine.db import make_engine, make_sessionmaker

    url = f"sqlite:///{tmp_path / 'alt.db'}"
    migrate.upgrade(url, "0004_events_by_time")
    eng = make_engine(url)
    with eng.begin() as conn:
        for n in range(3):
            conn.execute(
                text("INSERT INTO events (at, actor, kind, detail) VALUES (:at, :a, 'x', :d)"),
                {"at": datetime(2026, 1, 1, n, tzinfo=UTC).replace(tzinfo=None),
                 "a": f"u{n}", "d": f'{{"n": {n}}}'},
            )
    migrate.upgrade(url)
    sessions = make_sessionmaker(eng)
    found = verdict(sessions)
    assert found.ok and found.events == 3
    with sessions.begin() as s:
        store.add_event(s, at=datetime(2026, 1, 2, tzinfo=UTC), kind="y", actor="u")
    assert verdict(sessions).events == 4
    eng.dispose()


def test_an_event_of_a_rolled_back_savepoint_is_not_logged(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    with j.sessions.begin() as s:
        store.add_event(s, at=j.clock(), kind="kept", actor="x")
        try:
            with s.begin_nested():
                store.add_event(s, at=j.clock(), kind="dropped", actor="x")
                raise RuntimeError("the savepoint fails")
        except RuntimeError:
            pass
        with s.begin_nested():
            store.add_event(s, at=j.clock(), kind="released", actor="x")
    with j.sessions.begin() as s:
        kinds = s.execute(text("SELECT kind FROM events WHERE actor = 'x' ORDER BY seq")).scalars()
        assert list(kinds) == ["kept", "released"]
    assert verdict(j.sessions).ok


def test_verify_reads_one_snapshot_and_never_blocks_writers(
    journey: Callable[[], Journey],
) -> None:
    from engine.db import make_sessionmaker, make_snapshot_engine

    j = chained_journey(journey)
    url = j.sessions.kw["bind"].url.render_as_string(hide_password=False)
    reader = make_snapshot_engine(url)
    with make_sessionmaker(reader)() as walk:
        before = audit.head(walk)  # the snapshot starts here
        with j.sessions.begin() as s:  # a writer commits meanwhile, unblocked
            store.add_event(s, at=j.clock(), kind="uji", actor="x")
        found = audit.verify(walk)
        assert found.ok and found.head_seq == before["seq"]
    reader.dispose()
    assert verdict(j.sessions).head_seq == before["seq"] + 1
