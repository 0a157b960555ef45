"""The in-process worker thread of ``alur run`` (``ALUR_WORKER=thread``): polls the outbox
and runs due jobs. ``alur worker`` runs the same loop in its own process."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from engine.db import make_sessionmaker
from engine.facade import Alur
from webui.extensions import utcnow

log = logging.getLogger(__name__)


class WorkerThread(threading.Thread):
    def __init__(self, alur: Alur, db_engine: Engine, poll_s: float, name: str = "alur-worker"):
        super().__init__(name=name, daemon=True)
        self.alur = alur
        self.sessions = make_sessionmaker(db_engine)
        self.poll_s = poll_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.alur.run_jobs(self.sessions, utcnow, limit=50, worker_id=self.name)
            except Exception:  # keep serving; the job stays due and is retried
                log.exception("worker loop failed")
                busy = 0
            if not busy:
                self.stopping.wait(self.poll_s)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
