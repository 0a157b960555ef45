"""The outbox worker loop: ``alur worker`` runs it in the foreground (SIGINT/SIGTERM stop
it after the job in hand), ``alur run`` in a thread (``ALUR_WORKER=thread``). It polls for
due jobs, records a heartbeat every few seconds, and when the database cannot be reached
it waits longer each time (up to a minute) instead of spinning, then carries on by itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from engine import workers
from engine.db import make_sessionmaker
from engine.facade import Alur
from webui.extensions import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 60.0


def worker_id(kind: str = "worker") -> str:
    """Unique per process and readable in the jobs table: host, pid, kind."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{kind}"


class WorkerLoop:
    def __init__(self, alur: Alur, db_engine: Engine, poll_s: float, name: str) -> None:
        self.alur = alur
        self.sessions = make_sessionmaker(db_engine)
        self.poll_s = poll_s
        self.name = name
        self.stopping = threading.Event()
        self.ran = 0  # jobs run since the start
        self._beaten = 0.0
        self._failures = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.stopping.wait(self.tick())

    def tick(self) -> float:
        """Beat, run due jobs; how long to wait before the next tick."""
        try:
            self._beat()
            busy = self.alur.run_jobs(self.sessions, utcnow, limit=50, worker_id=self.name,
                                      stop=self.stopping.is_set)
        except (OperationalError, InterfaceError) as err:  # database away: back off, one line
            self._failures += 1
            delay = min(self.poll_s * 2.0**self._failures, MAX_BACKOFF_S)
            log.warning("database unreachable (%s); next try in %.1f s",
                        type(err.orig).__name__, delay)
            return delay
        except Exception:  # keep serving; the job stays due and is retried
            log.exception("worker loop failed")
            return self.poll_s
        if self._failures:
            log.warning("database reachable again")
            self._failures = 0
        self.ran += busy
        return 0.0 if busy else self.poll_s

    def _beat(self) -> None:
        if time.monotonic() - self._beaten < workers.BEAT_EVERY_S:
            return
        with self.sessions.begin() as session:
            workers.beat(session, self.name, utcnow())
        self._beaten = time.monotonic()

    def stop(self) -> None:
        self.stopping.set()


class WorkerThread(threading.Thread):
    """``alur run``'s in-process worker."""

    def __init__(self, alur: Alur, db_engine: Engine, poll_s: float) -> None:
        super().__init__(name="alur-worker", daemon=True)
        self.loop = WorkerLoop(alur, db_engine, poll_s, worker_id("thread"))

    def run(self) -> None:
        self.loop.run()

    def stop(self) -> None:
        self.loop.stop()
        self.join(timeout=30)
