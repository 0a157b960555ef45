"""Benchmark: the durations report and the inbox at 1,000 and 100,000 finished instances.

Seeds SQLite files with bulk inserts (realistic step records: about one request in five is
sent back once, a few twice, some automatic links fail and are made by hand, a few requests
are cancelled; each completed record stamped with its durations by the engine's own
``engine.reporting.stamps``), plus ~20 running requests waiting in the staff inbox. Then
times the facade call (also for one instansi of ten, a narrow filter that reads only the
kept requests' records), the ``/laporan`` page through the Flask test client, and the
staff inbox query.

    .venv/bin/python bench/report_scale.py [--keep DIR] [--workflow-kb N]

``--workflow-kb`` pads each instance's serialized workflow (a finished one is ~12 KB): the
report must not care, as it reads instances only through covering indexes.

Prints the report's time on the calendar and on the working-hours clock at 1k and 100k
(best of five); the last two lines are ``report 100k: X.XX s`` (the slower clock) and
``ratio inbox 100k/1k: X.XX``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import migrate, store, users  # noqa: E402
from engine.models import DURATION_COLUMNS, Instance, StepRecord  # noqa: E402
from engine.reporting import stamps  # noqa: E402
from webui import create_app
from webui.auth import EPOCH_KEY  # noqa: E402
from webui.extensions import db, engine  # noqa: E402

START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)  # a Monday, 08:00 WIB
INSTANSI = ("Dinas Pendidikan", "Dinas Kesehatan", "Bappeda", "BPKAD", "Dinas Perhubungan",
            "Kecamatan Cipondoh", "Kecamatan Karawaci", "Sekretariat Daerah", "Inspektorat",
            "Dinas Sosial")
STAFF_LANE = "Staf Seksi IIDC"
SUBKOOR_LANE = "Sub Koordinator Infrastruktur Internet dan Data Center"
USER_STEPS = (  # bpmn_id, name, lane, step, target_s, mean wait, mean work (seconds)
    ("Task_IsiFPVC", "Mengisi FPVC dan/atau mengirim surat resmi", "Pemohon", "1", 180, 20, 150),
    ("Task_Verifikasi", "Menerima dan memverifikasi FPVC", STAFF_LANE, "2", 120, 300, 90),
    ("Task_Persetujuan", "Memberi persetujuan atas permintaan", SUBKOOR_LANE, "3", 120, 600, 60),
)
LINK = ("Task_BuatLink", "Membuat link jadwal video conference", STAFF_LANE, "4")
MANUAL = ("Task_BuatLinkManual", "Membuat link video conference secara manual", STAFF_LANE, "4")
RECEIVE = ("Task_TerimaJadwal", "Detail jadwal video conference diterima", "Pemohon", "5")
ROLES = {"Pemohon": "pemohon", STAFF_LANE: "staf_iidc", SUBKOOR_LANE: "subkoor_iidc"}


class Seeder:
    """Builds instance and step-record rows for one database, in memory, then inserts them."""

    def __init__(self, version_id: int, requester_id: int, rng: random.Random,
                 workflow_kb: int = 0) -> None:
        self.version_id, self.requester_id, self.rng = version_id, requester_id, rng
        self.workflow = {"padding": "x" * (workflow_kb * 1024)} if workflow_kb else {}
        self.instances: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []

    def _record(self, inst: str, spec: tuple[Any, ...], pass_no: int, ready: datetime,
                wait: float | None, work: float, *, target: int | None = None,
                kind: str = "user", state: str = "completed") -> datetime:
        opened = ready + timedelta(seconds=wait) if wait is not None else None
        done = (opened or ready) + timedelta(seconds=work)
        # Stamped as the engine stamps a completed record (engine.reporting.stamps).
        stamped = (stamps.durations_of(stamps.configured(), ready, opened, done)
                   if state == "completed" else dict.fromkeys(DURATION_COLUMNS))
        self.steps.append({
            "task_id": str(uuid.uuid4()), "instance_id": inst, "bpmn_id": spec[0],
            "name": spec[1], "lane": spec[2], "role": ROLES[spec[2]], "step": spec[3],
            "kind": kind,
            "requester_only": spec[2] == "Pemohon", "pass_no": pass_no, "state": state,
            "target_s": target, "ready_at": ready,
            "due_at": ready + timedelta(seconds=target) if target else None,
            "opened_at": opened, "opened_by": "u" if opened else None,
            "completed_at": done if state != "ready" else None,
            "completed_by": "u" if state == "completed" else None, "breach_notified": False,
            **stamped,
        })
        return done

    def _pass(self, inst: str, pass_no: int, t: datetime) -> datetime:
        for spec in USER_STEPS:
            wait = self.rng.expovariate(1 / spec[5])
            work = self.rng.lognormvariate(0, 0.5) * spec[6]
            t = self._record(inst, spec, pass_no, t, wait, work, target=spec[4])
        return t

    def finished(self, created: datetime) -> None:
        inst = uuid.uuid4().hex
        roll = self.rng.random()
        passes = 3 if roll < 0.03 else 2 if roll < 0.2 else 1
        t = created
        for pass_no in range(1, passes + 1):
            t = self._pass(inst, pass_no, t)
        cancelled = self.rng.random() < 0.03
        if not cancelled:
            failed = self.rng.random() < 0.05
            t = self._record(inst, LINK, passes, t, None, self.rng.uniform(1, 8), kind="service",
                             state="cancelled" if failed else "completed")
            if failed:
                t = self._record(inst, MANUAL, passes, t, 120, self.rng.uniform(120, 900))
            t = self._record(inst, RECEIVE, passes, t, self.rng.expovariate(1 / 3600), 30)
        self._instance(inst, created, "cancelled" if cancelled else "completed", passes, t)

    def running(self, created: datetime) -> None:
        inst = uuid.uuid4().hex
        t = self._record(inst, USER_STEPS[0], 1, created, 10, 100, target=180)
        self._record(inst, USER_STEPS[1], 1, t, None, 0, target=120, state="ready")
        self._instance(inst, created, "running", 1, None)

    def _instance(self, inst: str, created: datetime, status: str, passes: int,
                  done: datetime | None) -> None:
        self.instances.append({
            "id": inst, "number": "VC-" + inst[:8].upper(),
            "process_version_id": self.version_id, "requester_id": self.requester_id,
            "status": status, "workflow": self.workflow, "serializer_version": "bench",
            "lock_version": 1,
            "pass_count": passes, "current_step": None, "kegiatan": "Rapat koordinasi",
            "tanggal": created.date().isoformat(), "instansi": self.rng.choice(INSTANSI),
            "created_at": created, "completed_at": done,
            # stamped as the engine stamps a request when it completes
            **(stamps.end_to_end_of(stamps.configured(), created, done)
               if status == "completed" and done is not None
               else {"end_to_end_s": None, "end_to_end_office_s": None}),
        })


def chunks(rows: list[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def build_app(path: Path, n: int, workflow_kb: int = 0) -> Any:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "WORKER": "off", "UPLOAD_DIR": str(path.parent / "uploads")})
    with app.app_context():
        session = db.session
        now = datetime.now(UTC)
        engine().deploy_dir(session, actor="bench", now=now)
        requester = users.add_user(session, "pemohon", roles=["pemohon"], now=now)
        users.add_user(session, "staf", roles=["staf_iidc"], now=now)
        users.add_user(session, "auditor", roles=["auditor"], now=now)
        seeder = Seeder(store.active_version(session).id, requester.id, random.Random(n),
                        workflow_kb)
        span = timedelta(days=365) / n
        for i in range(n):
            seeder.finished(START + span * i + timedelta(seconds=seeder.rng.uniform(0, 3600)))
        for i in range(20):
            seeder.running(START + timedelta(days=366, minutes=i))
        for rows in chunks(seeder.instances):
            session.execute(insert(Instance.__table__), rows)
        for rows in chunks(seeder.steps):
            session.execute(insert(StepRecord.__table__), rows)
        session.commit()
    return app


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def cpu_of(fn: Callable[[], Any]) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def measure(app: Any) -> dict[str, float]:
    with app.app_context():
        session = db.session
        staff = users.actor_of(users.get_user(session, "staf"))
        auditor = users.get_user(session, "auditor")
        auditor_id, auditor_epoch = auditor.id, auditor.session_epoch
        report = best_of(lambda: engine().durations(session), repeat=5)
        report_cpu = min(cpu_of(lambda: engine().durations(session)) for _ in range(3))
        hours = stamps.configured()  # the records were stamped with these (ALUR_OFFICE_HOURS)
        office = best_of(lambda: engine().durations(session, office_hours=hours), repeat=5)
        # a narrow filter: the report reads the kept requests' records, not all of them
        narrow = best_of(lambda: engine().durations(session, instansi=INSTANSI[0]), repeat=3)
        inbox = best_of(lambda: engine().inbox(session, staff), repeat=20)
        assert len(engine().inbox(session, staff)) == 20
        session.rollback()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = str(auditor_id), True
        sess[EPOCH_KEY] = auditor_epoch  # a session signed in now (webui.auth)

    def page() -> None:
        response = client.get("/laporan")
        assert response.status_code == 200, response.status_code

    return {"report": report, "report_cpu": report_cpu, "office": office, "page": best_of(page),
            "inbox": inbox, "narrow": narrow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the databases in this folder")
    parser.add_argument("--workflow-kb", type=int, default=0,
                        help="pad each instance's workflow JSON to about N KB")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="alur-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for n in (1_000, 100_000):
        path = folder / f"report_{n}.db"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        app = build_app(path, n, args.workflow_kb)
        print(f"seeded {n:>7,} instances in {time.perf_counter() - started:6.1f} s")
        results[n] = measure(app)
        r = results[n]
        print(f"{n:>7,} instances: report {r['report']:.3f} s (cpu {r['report_cpu']:.3f} s), "
              f"on the working-hours clock {r['office']:.3f} s, one instansi "
              f"{r['narrow']:.3f} s, page {r['page']:.3f} s, inbox {r['inbox'] * 1000:.2f} ms")
    for n in (1_000, 100_000):
        print(f"report {n // 1000}k: calendar {results[n]['report']:.3f} s, "
              f"working hours {results[n]['office']:.3f} s")
    print(f"report 100k: {max(results[100_000]['report'], results[100_000]['office']):.2f} s "
          "(the slower clock; goal < 1 s)")
    print(f"ratio inbox 100k/1k: {results[100_000]['inbox'] / results[1_000]['inbox']:.2f}")


if __name__ == "__main__":
    main()
