"""The simulated people of ``bench/load.py`` and the tally of what they saw.

Each person is a thread with its own ``requests.Session`` and API token and acts as a client
script would, finding work where a person finds it:

- a requester starts a request with the form filled in; when the approver sends it back
  they find the revision in their inbox and send it again; they poll the request until
  the worker has made the meeting link, then confirm receipt from their inbox;
- staff read the inbox, claim an unclaimed verification (two staff may reach for the same
  one: the loser's 409 is an expected answer, counted apart), open it, complete it;
- approvers do the same with the approval: they decline a request marked for a revision
  on its first pass (the marker is in the activity's name, which the inbox shows) and sign
  every other one with their password.

Every answer's time is recorded under its route template (``GET /tasks/<id>``), never the
raw URL. An error is a 5xx, a connection failure or any answer other than the expected one.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

REVISE_MARK = "[revisi]"
DECLINE = {"keputusan": "tidak_setuju", "alasan": "Lengkapi surat permohonan"}


class Broken(Exception):
    """The journey cannot go on (an error was counted for it)."""


@dataclass
class Tally:
    """Everything the people saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    started: int = 0
    finished: int = 0
    declined: int = 0
    completions: int = 0  # task completions: a start with its form, and each complete
    first_at: float | None = None
    last_at: float | None = None

    def answer(self, route: str, seconds: float) -> None:
        with self.lock:
            self.times[route].append(seconds)

    def conflict(self, route: str) -> None:
        with self.lock:
            self.conflicts[route] += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def completed(self, *, declined: bool = False) -> None:
        with self.lock:
            self.completions += 1
            self.declined += declined

    def journey_started(self) -> None:
        with self.lock:
            self.started += 1
            if self.first_at is None:
                self.first_at = time.perf_counter()

    def journey_finished(self) -> None:
        with self.lock:
            self.finished += 1
            self.last_at = time.perf_counter()

    def error_count(self) -> int:
        """Errors, counting a journey that did not finish (its error, if it had one, is
        counted once) and a run that finished none (it measured nothing)."""
        unfinished = self.started - self.finished
        return max(len(self.errors), unfinished) + (self.finished == 0)

    @property
    def seconds(self) -> float:
        if self.first_at is None or self.last_at is None:
            return 0.0
        return self.last_at - self.first_at


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Run:
    """The bounds of one layout's run: how many journeys, until when."""

    journeys: int
    start_until: float  # no journey starts after this (time.monotonic)
    finish_until: float  # a journey not finished by then is an error
    poll_s: float
    revise_every: int  # every n-th journey is declined once and revised; 0: none
    stop: threading.Event = field(default_factory=threading.Event)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ticket(self) -> int | None:
        """The number of the next journey to drive, or None when the run is over."""
        with self._lock:
            if self._next >= self.journeys or time.monotonic() > self.start_until:
                return None
            self._next += 1
            return self._next

    def revised(self, number: int) -> bool:
        return self.revise_every > 0 and number % self.revise_every == 0


@dataclass
class Api:
    """One person's HTTP client."""

    base: str
    username: str
    token: str
    tally: Tally
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, template: str, *ids: str, expect: int = 200,
             conflict_ok: bool = False, json: Any = None) -> Any:
        """The JSON answer when the status is ``expect``; None for an expected 409.
        Anything else is counted as an error and raises ``Broken``."""
        route = f"{method} {template.replace('{}', '<id>')}"
        started = time.perf_counter()
        try:
            response = self.http.request(method, f"{self.base}/api/v1{template.format(*ids)}",
                                         json=json, timeout=60,
                                         headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as err:
            self.tally.error(f"{route} as {self.username}: {type(err).__name__}: {err}")
            raise Broken from err
        self.tally.answer(route, time.perf_counter() - started)
        if response.status_code == expect:
            try:
                return response.json()
            except ValueError as err:
                self.tally.error(f"{route} as {self.username}: not JSON: {response.text[:300]}")
                raise Broken from err
        if response.status_code == 409 and conflict_ok:
            self.tally.conflict(route)
            return None
        self.tally.error(f"{route} as {self.username}: {response.status_code} "
                         f"{response.text[:300]}")
        raise Broken


# -- requesters ----------------------------------------------------------------------------
def requester(api: Api, run: Run, form: dict[str, Any]) -> None:
    """Drive journeys one after another until the run gives no more tickets."""
    while not run.stop.is_set() and (number := run.ticket()) is not None:
        try:
            _journey(api, run, form, number)
        except Broken:  # counted as an error already
            pass
        except Exception as err:  # an answer of an unexpected shape
            api.tally.error(f"journey {number} of {api.username}: {err!r}")


def _journey(api: Api, run: Run, form: dict[str, Any], number: int) -> None:
    revise = run.revised(number)
    title = f"Rapat beban {number}" + (f" {REVISE_MARK}" if revise else "")
    data = {**form, "nama_kegiatan": title}
    api.tally.journey_started()
    instance_id = api.call("POST", "/instances", json={"data": data}, expect=201)["id"]
    api.tally.completed()  # the start completes the first form
    if revise:
        _act(api, _wait_for_task(api, run, instance_id, "Task_IsiFPVC"), data)
    _wait(run, api, lambda: api.call("GET", "/instances/{}", instance_id)["meeting"],
          f"the meeting link of {instance_id}")
    task = _wait_for_task(api, run, instance_id, "Task_TerimaJadwal")
    done = _act(api, task, {"diterima": True})
    if done["status"] != "completed":
        api.tally.error(f"journey {instance_id} ended {done['status']}, not completed")
        raise Broken
    api.tally.journey_finished()


def _wait(run: Run, api: Api, check: Callable[[], Any], what: str) -> Any:
    while True:
        if (answer := check()):
            return answer
        if time.monotonic() > run.finish_until or run.stop.is_set():
            api.tally.error(f"{api.username}: gave up waiting for {what}")
            raise Broken
        time.sleep(run.poll_s)


def _wait_for_task(api: Api, run: Run, instance_id: str, bpmn_id: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((t for t in api.call("GET", "/tasks")
                     if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id), None)

    found: dict[str, Any] = _wait(run, api, find, f"{bpmn_id} of {instance_id}")
    return found


def _act(api: Api, task: dict[str, Any], data: dict[str, Any], **extra: Any) -> Any:
    """Open the task, then complete it."""
    api.call("GET", "/tasks/{}", task["task_id"])
    done = api.call("POST", "/tasks/{}/complete", task["task_id"],
                    json={"data": data, **extra})
    api.tally.completed(declined=data == DECLINE)
    return done


# -- staff and approvers -------------------------------------------------------------------
def lane_worker(api: Api, run: Run, bpmn_id: str, password: str, seed: int) -> None:
    """Work the lane's tasks from the inbox until the run stops."""
    chance = random.Random(seed)
    while not run.stop.is_set():
        try:
            if not _work_one(api, run, bpmn_id, password, chance):
                time.sleep(run.poll_s)
        except Broken:  # counted as an error already
            time.sleep(run.poll_s)
        except Exception as err:  # an answer of an unexpected shape
            api.tally.error(f"{api.username} working {bpmn_id}: {err!r}")
            time.sleep(run.poll_s)


def _work_one(api: Api, run: Run, bpmn_id: str, password: str,
              chance: random.Random) -> bool:
    """Take one task from the inbox and complete it; False when there was none."""
    free = [t for t in api.call("GET", "/tasks")
            if t["bpmn_id"] == bpmn_id and t["claimed_by"] in (None, api.username)]
    if not free:
        return False
    task = chance.choice(free)
    if task["claimed_by"] is None and api.call(
            "POST", "/tasks/{}/claim", task["task_id"], conflict_ok=True) is None:
        return True  # a colleague was quicker: look again at once
    if bpmn_id == "Task_Verifikasi":
        _act(api, task, {"catatan_verifikasi": "Lengkap"})
    elif REVISE_MARK in (task["kegiatan"] or "") and task["pass"] == 1:
        _act(api, task, DECLINE)
    else:
        _act(api, task, {"keputusan": "setuju"}, password=password)
    return True
