"""A second, different SOP dropped beside the first runs end to end with no code change.

"Peminjaman Ruang Rapat" (tests/fixtures/ruang_rapat) has its own lanes and roles
(``pegawai``, ``bagian_umum``), forms, field meanings, decision, loop, number prefix and mail
texts: everything it means is in its files. Through the JSON API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import store, users
from engine.db import make_sessionmaker
from tests.conftest import PASSWORD, make_app, now
from tests.support.api_client import ApiUser, api_users
from webui.extensions import db, engine

ROOT = Path(__file__).resolve().parents[3]
PACK = ROOT / "tests/fixtures/ruang_rapat"
PROCESS = "peminjaman_ruang_rapat"
TOMORROW = (now() + timedelta(days=1)).date().isoformat()
BOOKING = {
    "keperluan": "Rapat evaluasi anggaran", "unit_kerja": "Bagian Keuangan", "ruang": "garuda",
    "jumlah_orang": 25, "hari": TOMORROW, "dari": "09:00", "sampai": "11:00",
    "surel": "wati@uji.go.id",
}


def two_packs(folder: Path) -> Path:
    """A processes/ folder holding the video-conference SOP and the room-booking one."""
    shutil.copytree(ROOT / "processes", folder)
    for item in PACK.iterdir():
        if item.is_dir():
            shutil.copytree(item, folder / item.name, dirs_exist_ok=True)
        else:
            shutil.copy(item, folder)
    return folder


@pytest.fixture(params=["sqlite", "postgres"])
def rooms(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    app = make_app(url, tmp_path, PROCESSES_DIR=str(two_packs(tmp_path / "processes")))
    with app.app_context():
        for name, role in (("wati", "pegawai"), ("umum", "bagian_umum")):
            users.add_user(db.session, name, roles=[role], now=now(), password=PASSWORD,
                           display_name=name.title(), email=f"{name}@uji.go.id")
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def task(user: ApiUser, instance_id: str) -> dict[str, Any]:
    (found,) = [t for t in user.ok("get", "/tasks") if t["instance_id"] == instance_id]
    return found  # type: ignore[no-any-return]


def complete(user: ApiUser, instance_id: str, data: dict[str, Any], status: int = 200) -> Any:
    task_id = task(user, instance_id)["task_id"]
    return user.ok("post", f"/tasks/{task_id}/complete", status, json={"data": data})


@pytest.mark.postgres
def test_a_second_sop_runs_end_to_end_through_the_api(rooms: Flask) -> None:
    api = api_users(rooms, ("wati", "umum", "pemohon", "staf", "auditor"))
    wati, umum = api["wati"], api["umum"]
    processes = {p["process_id"] for p in wati.ok("get", "/processes")}
    assert {PROCESS, "permintaan_layanan_video_conference"} <= processes

    started = wati.ok("post", "/instances", 201, json={"process_id": PROCESS, "data": BOOKING})
    number, instance_id = started["number"], started["id"]
    assert number.startswith("RR-") and started["version"] == 1
    # Its lanes decide who works it: not the video-conference staff, nor its requesters.
    api["pemohon"].ok("post", "/instances", 403, json={"process_id": PROCESS})
    assert [t["bpmn_id"] for t in umum.ok("get", "/tasks")] == ["Task_Periksa"]
    assert all(t["instance_id"] != instance_id for t in api["staf"].ok("get", "/tasks"))
    api["staf"].ok("get", f"/instances/{instance_id}", 404)
    assert api["auditor"].ok("get", f"/instances/{instance_id}")["number"] == number

    # The decision and its reason are the pack's: sending it back needs a note.
    refused = complete(umum, instance_id, {"hasil": "kembalikan"}, 422)
    assert set(refused["fields"]) == {"catatan"}
    complete(umum, instance_id, {"hasil": "kembalikan", "catatan": "Ruang Garuda dipakai."})
    back = wati.ok("get", f"/instances/{instance_id}")
    assert back["returned_reason"] == "Ruang Garuda dipakai."
    revise = task(wati, instance_id)
    assert revise["bpmn_id"] == "Task_Ajukan" and revise["pass"] == 2

    complete(wati, instance_id, {**BOOKING, "ruang": "merak", "jumlah_orang": 10})
    complete(umum, instance_id, {"hasil": "setujui"})
    assert wati.ok("get", f"/instances/{instance_id}")["returned_reason"] is None
    done = complete(wati, instance_id, {"kunci_diambil": True})
    assert done["status"] == "completed" and done["data"]["ruang"] == "merak"
    assert [s["bpmn_id"] for s in done["steps"]] == [
        "Task_Ajukan", "Task_Periksa", "Task_Ajukan", "Task_Periksa", "Task_AmbilKunci",
    ]


@pytest.mark.postgres
def test_its_mail_uses_its_own_texts_and_reaches_its_own_roles(rooms: Flask) -> None:
    api = api_users(rooms, ("wati", "umum"))
    started = api["wati"].ok("post", "/instances", 201,
                             json={"process_id": PROCESS, "data": BOOKING})
    complete(api["umum"], started["id"], {"hasil": "kembalikan", "catatan": "Bentrok."})
    with rooms.app_context():
        assert engine().run_jobs(make_sessionmaker(db.engine), now) >= 1  # mails, in a batch
        mails = [(m.to, m.subject, m.body) for m, _ in store.mail_messages(db.session)
                 if m.instance_id == started["id"]]
    number = started["number"]
    assert ("umum@uji.go.id", f"[{number}] Peminjaman ruang: Memeriksa jadwal ruang") in {
        (to, subject) for to, subject, _ in mails}
    (returned,) = [body for to, subject, body in mails
                   if subject == f"[{number}] Peminjaman ruang dikembalikan"]
    assert "Catatan: Bentrok." in returned and "Rapat evaluasi anggaran" in returned
