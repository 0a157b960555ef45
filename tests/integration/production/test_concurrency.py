"""Many people on the same tasks at once, over the JSON API of a real server: staff,
approvers and requesters (each their own user and token, each a thread) pick tasks of a
few running requests at random and complete, claim, release, take over or cancel them,
until every request has ended. On SQLite (``alur run``, its worker in a thread) and on
PostgreSQL (gunicorn with two processes and an ``alur worker``).

Afterwards: no 5xx; each task completed once, by the one client answered 200, with what it
sent; every completion has its event in an order the claims allow; nothing happened to a
cancelled request after its cancellation; the audit chain verifies. The choices come from
one seeded ``random.Random`` (printed; ``ALUR_CHAOS_SEED`` replays it), the interleaving
from the machine."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import make_engine
from engine.models import Instance
from tests.conftest import PASSWORD
from tests.integration.production.conftest import Layout, add_people, eventually
from tests.integration.production.consistency import (
    Answer,
    Client,
    Outcome,
    audit_verifies,
    no_server_errors,
)
from tests.support.journey import FPVC

REQUESTERS = ("pemohon", "pemohon2")
STAFF = ("staf", "staf2", "staf3", "staf4")
APPROVERS = ("subkoor", "subkoor2", "subkoor3")
REQUESTS = 10  # few requests, nine people: they keep meeting on the same tasks
DOOMED = 3  # of them, cancelled by someone along the way
ENDED = ("completed", "cancelled")
ALL_ENDED_TIMEOUT_S = 300  # a hang guard for a loaded host; a quiet run takes seconds


def seed() -> int:
    chosen = int(os.environ.get("ALUR_CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"ALUR_CHAOS_SEED={chosen}")  # noqa: T201 (replay a failure with it)
    return chosen


def site(layout: Layout) -> str:
    """The web server and a worker, as each layout runs them."""
    if layout.on_sqlite:
        layout.env["ALUR_WORKER"] = "thread"
        return layout.web()
    url = layout.web(workers=2)
    layout.start("worker")
    return url


def form_data(task: dict[str, Any], rng: random.Random, mark: str) -> dict[str, Any]:
    """Valid data for the task's form, marked with who sent it (to find it again)."""
    step = task["bpmn_id"]
    if step == "Task_IsiFPVC":
        return {"data": {**FPVC, "keterangan": mark}}
    if step == "Task_Verifikasi":
        return {"data": {"catatan_verifikasi": mark}}
    if step == "Task_Persetujuan":
        decision = "tidak_setuju" if task["pass"] == 1 and rng.random() < 0.25 else "setuju"
        return {"data": {"keputusan": decision, "alasan": mark}, "password": PASSWORD}
    if step == "Task_TerimaJadwal":
        return {"data": {"diterima": True, "catatan_penerimaan": mark}}
    raise AssertionError(f"unexpected task {step}")  # the link is made by the worker


class Person:
    """One user acting at random on the tasks in their inbox."""

    def __init__(self, client: Client, rng: random.Random, ours: set[str],
                 doomed: set[str]) -> None:
        self.client, self.rng, self.ours, self.doomed = client, rng, ours, doomed
        self.may_cancel = client.who not in APPROVERS  # the requester or staff may

    def act(self, n: int) -> bool:
        """One move; False when the inbox held nothing of ours."""
        inbox = self.client.call("inbox", "GET", "/tasks")
        tasks = [t for t in inbox.body if t["instance_id"] in self.ours]
        if not tasks:
            return False
        task, who, roll = self.rng.choice(tasks), self.client.who, self.rng.random()
        path, mark = f"/tasks/{task['task_id']}", f"{who}#{n}"
        if self.may_cancel and task["instance_id"] in self.doomed and roll < 0.1:
            self.client.call("cancel", "POST", f"/instances/{task['instance_id']}/cancel",
                             {"reason": f"Batal {mark}"})
        elif roll < (0.75 if task["claimed_by"] == who else 0.45):
            self.client.call("complete", "POST", f"{path}/complete",
                             form_data(task, self.rng, mark))
        elif roll < 0.65:
            self.client.call("claim", "POST", f"{path}/claim")
        elif roll < 0.8:
            self.client.call("unclaim", "POST", f"{path}/unclaim")
        else:
            self.client.call("take-over", "POST", f"{path}/take-over",
                             {"from": task["claimed_by"]})
        return True


def statuses(database_url: str, ids: set[str]) -> dict[str, str]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.execute(select(Instance.id, Instance.status)
                               .where(Instance.id.in_(ids)))
        found = {row.id: row.status for row in rows}
    engine.dispose()
    return found


def storm(clients: dict[str, Client], rng: random.Random, ours: set[str],
          database_url: str) -> None:
    """Everyone acts at once until every request has ended."""
    doomed = set(rng.sample(sorted(ours), DOOMED))
    stop, failures = threading.Event(), []

    def person(who: str) -> None:
        me = Person(clients[who], random.Random(f"{rng.random()}:{who}"), ours, doomed)
        try:
            for n in range(1, 100_000):
                if stop.is_set():
                    return
                if not me.act(n):
                    stop.wait(0.05)  # waiting for a colleague or the worker
        except BaseException as err:
            failures.append(err)
            raise

    threads = [threading.Thread(target=person, args=(who,), name=who) for who in clients]
    for thread in threads:
        thread.start()
    try:
        eventually(lambda: set(statuses(database_url, ours).values()) <= set(ENDED)
                   or failures, timeout=ALL_ENDED_TIMEOUT_S)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not failures, failures


def test_many_people_on_the_same_tasks_at_once(any_layout: Layout) -> None:
    layout, chosen = any_layout, seed()
    rng = random.Random(chosen)
    tokens = add_people(layout.database_url, {
        **{name: ["staf_iidc"] for name in STAFF[1:]},
        **{name: ["subkoor_iidc"] for name in APPROVERS[1:]}})
    url = site(layout)
    log: list[Answer] = []
    clients = {who: Client(url, who, tokens[who], log)
               for who in (*REQUESTERS, *STAFF, *APPROVERS)}
    started = [clients[REQUESTERS[i % 2]].call("start", "POST", "/instances",
                                               {"data": {**FPVC, "keterangan": f"mulai {i}"}})
               for i in range(REQUESTS)]
    assert [a.status for a in started] == [201] * REQUESTS, started
    ours = {a.body["id"] for a in started}
    began = time.monotonic()
    storm(clients, rng, ours, layout.database_url)
    print(f"seed {chosen}: {len(log)} calls in {time.monotonic() - began:.1f} s",  # noqa: T201
          sorted(Counter((a.action, a.status) for a in log).items(), key=str))
    layout.stop()

    no_server_errors(log, layout.output())
    outcome = Outcome.read(layout.database_url, ours)
    outcome.check_ended()
    outcome.check_acknowledged(a for a in log if a.action in ("start", "complete")
                               and a.status in (200, 201))
    outcome.check_events()
    outcome.check_claims()
    outcome.check_cancelled()
    assert audit_verifies(layout.env)
    ended = Counter(row.status for row in outcome.instances.values())
    assert ended["cancelled"] <= DOOMED and sum(ended.values()) == REQUESTS
    done = Counter((a.action, a.status) for a in log)  # they did meet on the same tasks:
    assert sum(n for (_, status), n in done.items() if status == 409), done
    assert done["claim", 200] and done["take-over", 200] and done["complete", 200], done
