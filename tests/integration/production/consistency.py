"""What the concurrency and crash tests check after the storm: every answer a client got,
written down as it came (``Answer``, ``Client``), held against the database the server
left behind (``Outcome``). Each task is completed at most once and by the one client told
so (200), with the data that client sent; every completion has its event, in the order
claims and releases allow; nothing happens to a request after its cancellation; the audit
chain verifies (``alur audit verify``, the operator's own check)."""

from __future__ import annotations

import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.db import make_engine
from engine.models import Event, Instance, StepRecord
from tests.support.live import ALUR, CLI_TIMEOUT_S

# A request on a loaded 2-core host can wait long behind the others (SQLite has one writer):
# generous, because a passing run never waits for it.
REQUEST_TIMEOUT_S = 120
FINE = frozenset({200, 201, 403, 409, 422})  # a refusal is an answer; a 5xx never is
CLAIMS = ("task_claimed", "task_unclaimed", "task_taken_over", "task_assigned")


@dataclass(frozen=True)
class Answer:
    """One call and what came back; ``status`` None: no answer (the server died)."""

    who: str
    action: str
    path: str
    sent: Mapping[str, Any] | None
    status: int | None
    body: Any

    @property
    def task_id(self) -> str:
        return self.path.split("/")[2]


@dataclass
class Client:
    """One user with their own token and HTTP connection; every answer goes to ``log``."""

    url: str
    who: str
    token: str
    log: list[Answer]
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, action: str, method: str, path: str,
             body: Mapping[str, Any] | None = None) -> Answer:
        try:
            response = self.http.request(
                method, f"{self.url}/api/v1{path}", json=body, timeout=REQUEST_TIMEOUT_S,
                headers={"Authorization": f"Bearer {self.token}"})
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # refused, reset, or cut off in the middle of the answer: no answer
            answer = Answer(self.who, action, path, body, None, None)
        else:
            json = response.headers.get("Content-Type", "").startswith("application/json")
            answer = Answer(self.who, action, path, body, response.status_code,
                            response.json() if json else response.text[:500])
        self.log.append(answer)  # list.append is atomic: the threads share one log
        return answer


def no_server_errors(answers: Iterable[Answer], output: str) -> None:
    """Every call was answered with a status the API documents; no traceback logged."""
    statuses = Counter(a.status for a in answers)
    assert set(statuses) <= FINE, statuses
    assert "Traceback" not in output, output[-3000:]


@dataclass
class Outcome:
    """The database after the storm, read in one session."""

    instances: dict[str, Instance]
    records: dict[str, StepRecord]
    events: list[Event]

    @classmethod
    def read(cls, database_url: str, instance_ids: Iterable[str]) -> Outcome:
        ids = list(instance_ids)
        engine = make_engine(database_url)
        with Session(engine) as session:
            instances = {r.id: r for r in session.scalars(
                select(Instance).where(Instance.id.in_(ids)))}
            records = {r.task_id: r for r in session.scalars(
                select(StepRecord).where(StepRecord.instance_id.in_(ids)))}
            events = list(session.scalars(select(Event).order_by(Event.seq)))
            session.expunge_all()
        engine.dispose()
        return cls(instances, records, [e for e in events if e.instance_id in instances])

    def completions(self) -> dict[str, list[Event]]:
        found: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            if event.kind in ("task_completed", "service_completed"):
                found[event.task_id or ""].append(event)
        return found

    def first_form(self, instance_id: str) -> StepRecord:
        """The requester's first task of the first pass (a start with data completes it)."""
        return min((r for r in self.records.values() if r.instance_id == instance_id
                    and r.pass_no == 1 and r.requester_only), key=lambda r: r.id)

    def check_acknowledged(self, acknowledged: Iterable[Answer]) -> None:
        """Each completion answered 200 is on record, once, with its client's data and
        name; the 201 of a start with data covers the first form. Every completed user
        task was acknowledged to exactly one client: no lost and no phantom write."""
        told: Counter[str] = Counter()
        for answer in acknowledged:
            record = (self.first_form(answer.body["id"]) if answer.action == "start"
                      else self.records[answer.task_id])
            told[record.task_id] += 1
            sent = answer.sent or {}
            assert (record.state, record.completed_by) == ("completed", answer.who), answer
            assert {k: record.data.get(k) for k in sent["data"]} == sent["data"], answer
        completed = {t for t, r in self.records.items()
                     if r.kind == "user" and r.state == "completed" and r.data is not None}
        assert set(told) == completed, completed ^ set(told)
        assert set(told.values()) == {1}, told.most_common(3)

    def check_events(self) -> None:
        """Each completed record has exactly one completion event, by its completer, over
        its final fields; a record never completed has none."""
        completions = self.completions()
        for task_id, record in self.records.items():
            events = completions.pop(task_id, [])
            if record.state != "completed" or record.data is None:
                assert events == [], (record.bpmn_id, record.state, events)
                continue
            (event,) = events
            assert event.actor == (record.completed_by if record.kind == "user" else "sistem")
            assert event.detail["record_sha256"] == audit.record_digest(record)
        assert not completions, completions  # no event of a record that is not there

    def check_claims(self) -> None:
        """Replaying each task's claim events and its completion in chain order: a claim
        only when free, a release or take-over only from the holder then, a completion
        only by the holder (or with nobody holding it), nothing after the completion."""
        for task_id, record in self.records.items():
            holder: str | None = None
            done = False
            for event in (e for e in self.events if e.task_id == task_id):
                detail, where = event.detail or {}, (record.bpmn_id, event.seq, event.kind)
                if event.kind not in (*CLAIMS, "task_completed"):
                    continue
                assert not done, where
                if event.kind == "task_claimed":
                    assert holder is None, (where, holder)
                    holder = event.actor
                elif event.kind == "task_completed":
                    assert holder in (None, event.actor), (where, holder, event.actor)
                    done = True
                else:
                    assert detail.get("previous") == holder, (where, holder, detail)
                    holder = (None if event.kind == "task_unclaimed"
                              else detail.get("to", event.actor))

    def check_cancelled(self) -> None:
        """Nothing completed in a cancelled request after its cancellation."""
        for instance_id, row in self.instances.items():
            if row.status != "cancelled":
                continue
            (cancel,) = [e for e in self.events if e.instance_id == instance_id
                         and e.kind == "instance_cancelled"]
            later = [e for e in self.events if e.instance_id == instance_id
                     and e.seq > cancel.seq and e.kind in ("task_completed", "service_completed",
                                                           *CLAIMS)]
            assert later == [], later
            for record in self.records.values():
                if record.instance_id == instance_id and record.completed_at:
                    assert record.completed_at <= cancel.at
                    assert record.state != "ready"

    def check_ended(self) -> None:
        """Every request reached its end: completed with no open step, or cancelled."""
        for row in self.instances.values():
            assert row.status in ("completed", "cancelled"), (row.number, row.status)
            open_ = [r.bpmn_id for r in self.records.values()
                     if r.instance_id == row.id and r.state == "ready"]
            assert open_ == [], (row.number, row.status, open_)


def audit_verifies(env: Mapping[str, str]) -> str:
    """``alur audit verify`` on the layout's database: exit 0, its output."""
    done = subprocess.run([str(ALUR), "audit", "verify"], env=dict(env), capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
