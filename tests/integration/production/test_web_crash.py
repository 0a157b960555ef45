"""The web server killed (SIGKILL: gunicorn's master and workers at once on PostgreSQL,
``alur run`` on SQLite) in the middle of a burst of task completions from four staff
clients. Started again, it has every completion it answered 200; each one that got no
answer, sent again, either completes now or answers 409 naming the same person (it was
written before the kill); and every request then runs to its end."""

from __future__ import annotations

import threading
from collections import Counter

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
from tests.support.live import START_TIMEOUT_S

STAFF = ("staf", "staf2", "staf3", "staf4")
BURST = 24  # verifications, six per staff client
KILL_AFTER = 4  # acknowledged completions before the kill: the rest are in flight or unsent


def verification(client: Client, task_id: str) -> dict[str, object]:
    return {"data": {"catatan_verifikasi": f"{client.who} {task_id}"}}


def burst(clients: list[Client], task_ids: list[str],
          enough: threading.Event) -> list[threading.Thread]:
    """Each client completes its share one after the other, until the server is gone;
    ``enough`` is set once ``KILL_AFTER`` completions were answered."""
    lock, answered = threading.Lock(), [0]

    def complete(client: Client, share: list[str]) -> None:
        for task_id in share:
            answer = client.call("complete", "POST", f"/tasks/{task_id}/complete",
                                 verification(client, task_id))
            if answer.status is None:
                return
            with lock:
                answered[0] += 1
                if answered[0] >= KILL_AFTER:
                    enough.set()

    threads = [threading.Thread(target=complete, args=(c, share_of(task_ids, i)))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    return threads


def share_of(task_ids: list[str], i: int) -> list[str]:
    return task_ids[i::len(STAFF)]


def to_the_end(clients: dict[str, Client], ours: set[str]) -> None:
    """Sign each verified request, wait for the worker's link, accept it."""
    for who, step, data in (
        ("subkoor", "Task_Persetujuan", {"data": {"keputusan": "setuju"}, "password": PASSWORD}),
        ("pemohon", "Task_TerimaJadwal", {"data": {"diterima": True}}),
    ):
        client, left = clients[who], set(ours)
        while left:
            tasks = eventually(lambda c=client, s=step, o=left: [  # type: ignore[misc]
                t for t in c.call("inbox", "GET", "/tasks").body
                if t["bpmn_id"] == s and t["instance_id"] in o])
            for task in tasks:
                answer = client.call("complete", "POST", f"/tasks/{task['task_id']}/complete",
                                     data)
                assert answer.status == 200, answer
                left.discard(task["instance_id"])


def test_a_killed_web_server_loses_no_acknowledged_completion(any_layout: Layout) -> None:
    layout = any_layout
    tokens = add_people(layout.database_url, {name: ["staf_iidc"] for name in STAFF[1:]})
    layout.env["ALUR_WORKER"] = "thread" if layout.on_sqlite else "off"
    url = layout.web(workers=2)
    web = layout.processes[-1]
    if not layout.on_sqlite:
        layout.start("worker")
    log: list[Answer] = []
    clients = {who: Client(url, who, tokens[who], log)
               for who in ("pemohon", "subkoor", *STAFF)}
    started = [clients["pemohon"].call("start", "POST", "/instances",
                                       {"data": {**FPVC, "keterangan": f"ke-{i}"}})
               for i in range(BURST)]
    assert [a.status for a in started] == [201] * BURST
    ours = {a.body["id"] for a in started}
    inbox = clients["staf"].call("inbox", "GET", "/tasks").body
    task_ids = sorted(t["task_id"] for t in inbox if t["instance_id"] in ours)
    assert len(task_ids) == BURST

    enough = threading.Event()
    threads = burst([clients[who] for who in STAFF], task_ids, enough)
    assert enough.wait(START_TIMEOUT_S)
    layout.kill(web)
    for thread in threads:
        thread.join()
    sent = [a for a in log if a.action == "complete"]
    answered = {a.task_id: a for a in sent if a.status == 200}
    unanswered = [a for a in sent if a.status is None]
    print(f"before the kill: {len(answered)} answered 200, "  # noqa: T201
          f"{len(unanswered)} without an answer, {BURST - len(sent)} not sent")
    assert KILL_AFTER <= len(answered) < BURST and unanswered  # the kill cut the burst
    assert set(Counter(a.status for a in sent)) <= {200, None}

    url = layout.web(workers=2)  # started again on the same database
    for client in clients.values():
        client.url = url
    outcome = Outcome.read(layout.database_url, ours)
    for task_id, answer in answered.items():  # each acknowledged completion is there
        record = outcome.records[task_id]
        assert (record.state, record.completed_by) == ("completed", answer.who)
        assert record.data["catatan_verifikasi"] == f"{answer.who} {task_id}"

    acknowledged = [a for a in log if a.status in (200, 201) and a.action in ("start",
                                                                              "complete")]
    retried = Counter[int]()
    left = [t for t in task_ids if t not in answered]
    for task_id in left:  # sent again by the client that sent it (or meant to)
        (client,) = [clients[who] for i, who in enumerate(STAFF)
                     if task_id in share_of(task_ids, i)]
        again = client.call("complete", "POST", f"/tasks/{task_id}/complete",
                            verification(client, task_id))
        retried[again.status or 0] += 1
        assert again.status in (200, 409), again
        if again.status == 409:  # written before the kill, its answer lost: the same person
            assert again.body["by"] == client.who, again
        acknowledged.append(again)
    print(f"sent again: {dict(retried)}")  # noqa: T201
    before = len(log)
    to_the_end(clients, ours)
    acknowledged += [a for a in log[before:] if a.action == "complete" and a.status == 200]
    layout.stop()

    no_server_errors([a for a in log if a.status is not None], layout.output())
    outcome = Outcome.read(layout.database_url, ours)
    outcome.check_ended()
    assert {r.status for r in outcome.instances.values()} == {"completed"}
    outcome.check_acknowledged(acknowledged)
    outcome.check_events()
    outcome.check_claims()
    assert audit_verifies(layout.env)
