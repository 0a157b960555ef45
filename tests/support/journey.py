"""Drive the SOP through the engine facade, as the people of each lane would.

Used by the integration tests and the benchmarks; every call is a real facade call in its
own transaction, with an explicit clock so durations are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine import runtime
from engine.documents.config import DocumentSettings
from engine.errors import ConnectorError
from engine.facade import Alur, EngineSettings
from engine.outbox import Services, WorkerSettings
from engine.ports import ServiceCall
from engine.users import Actor, actor_of, add_user
from engine.views import InstanceView

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SIGNING_PASSWORD = "tanda-tangan-uji"  # the approver signs with it (step 3)
FPVC = {
    "nama_pemohon": "Ani Lestari",
    "nip": "198701012010012001",
    "jabatan": "Analis",
    "instansi": "Dinas Pendidikan",
    "email": "ani@tangerangkota.go.id",
    "telepon": "0812 3456 7890",
    "nama_kegiatan": "Rapat Koordinasi PPDB",
    "tanggal": "2099-01-15",
    "jam_mulai": "09:00",
    "jam_selesai": "10:30",
    "jumlah_peserta": 25,
    "platform": "jitsi",
    "keterangan": None,
}


class Clock:
    """A settable clock: tests move it forward to give steps known durations."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class FakeConference:
    """A connector double for engine tests (the real providers are tested against local
    servers in tests/unit/connectors): records calls, fails as scripted."""

    def __init__(self) -> None:
        self.calls: list[ServiceCall] = []
        self.failures: list[ConnectorError] = []

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        self.calls.append(call)
        if self.failures:
            raise self.failures.pop(0)
        room = f"AlurVC-{call.instance_id[:8]}"
        return {
            "provider": "jitsi",
            "meeting_id": room,
            "join_url": f"https://meet.uji/{room}",
            "passcode": None,
            "host_url": None,
            "start": None,
            "end": None,
        }


def make_alur(conference: Any, documents: DocumentSettings | None = None, **settings: Any) -> Alur:
    worker = WorkerSettings(backoff_base_s=1.0, **settings)
    services = Services(connectors={"conference.create_meeting": conference}, settings=worker,
                        documents=documents)
    return Alur(EngineSettings(PROCESSES, max_passes=worker.max_passes, worker=worker), services)


@dataclass
class People:
    pemohon: Actor
    staf: Actor
    subkoor: Actor
    others: dict[str, Actor] = field(default_factory=dict)


def seed(sessions: sessionmaker[Session], alur: Alur, clock: Clock) -> People:
    with sessions.begin() as s:
        alur.deploy_dir(s, actor="test", now=clock())
        made = {
            name: actor_of(
                add_user(
                    s,
                    name,
                    roles=roles,
                    now=clock(),
                    email=f"{name}@uji.id",
                    password=SIGNING_PASSWORD if name == "subkoor" else None,
                )
            )
            for name, roles in (
                ("pemohon", ["pemohon"]),
                ("staf", ["staf_iidc"]),
                ("subkoor", ["subkoor_iidc"]),
                ("pemohon2", ["pemohon"]),
                ("auditor", ["auditor"]),
            )
        }
    return People(made.pop("pemohon"), made.pop("staf"), made.pop("subkoor"), made)


@dataclass
class Journey:
    """One request moving through the SOP; each method is one person's action."""

    sessions: sessionmaker[Session]
    alur: Alur
    clock: Clock
    people: People
    instance_id: str = ""

    def start(self) -> InstanceView:
        with self.sessions.begin() as s:
            view = self.alur.start(s, self.people.pemohon, self.clock())
        self.instance_id = view.id
        return view

    def task_for(self, actor: Actor, bpmn_id: str) -> str:
        with self.sessions.begin() as s:
            items = [
                i
                for i in self.alur.inbox(s, actor)
                if i.instance.id == self.instance_id and i.step.bpmn_id == bpmn_id
            ]
        assert items, f"{actor.username} has no {bpmn_id} for {self.instance_id}"
        return items[0].step.task_id

    def act(
        self,
        actor: Actor,
        bpmn_id: str,
        data: dict[str, Any],
        *,
        wait: float = 30,
        work: float = 60,
        password: str | None = None,
    ) -> InstanceView:
        task_id = self.task_for(actor, bpmn_id)
        self.clock.advance(wait)
        with self.sessions.begin() as s:
            self.alur.open_task(s, task_id, actor, self.clock())
        self.clock.advance(work)
        with self.sessions.begin() as s:
            return self.alur.complete(s, task_id, actor, data, self.clock(), password=password)

    def submit(self, **changes: Any) -> InstanceView:
        return self.act(self.people.pemohon, "Task_IsiFPVC", {**FPVC, **changes})

    def verify(self) -> InstanceView:
        return self.act(self.people.staf, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"})

    def decide(self, signed: bool, reason: str = "Jadwal bentrok") -> InstanceView:
        data = (
            {"keputusan": "setuju"} if signed else {"keputusan": "tidak_setuju", "alasan": reason}
        )
        return self.act(
            self.people.subkoor,
            "Task_Persetujuan",
            data,
            password=SIGNING_PASSWORD if signed else None,
        )

    def run_worker(self) -> int:
        return self.alur.run_jobs(self.sessions, self.clock)

    def receive(self) -> InstanceView:
        return self.act(self.people.pemohon, "Task_TerimaJadwal", {"diterima": True})

    def view(self, actor: Actor | None = None) -> InstanceView:
        with self.sessions.begin() as s:
            return self.alur.instance(s, self.instance_id, actor or self.people.pemohon)

    def full(self, *, declines: int = 0) -> InstanceView:
        self.start()
        for _ in range(declines):
            self.submit()
            self.verify()
            self.decide(False)
        self.submit()
        self.verify()
        self.decide(True)
        self.run_worker()
        return self.receive()


def ready_ids(workflow: Any) -> list[str]:
    """The bpmn ids of a workflow's tasks waiting now, sorted."""
    return sorted(t.task_spec.bpmn_id for t in runtime.waiting_tasks(workflow))
