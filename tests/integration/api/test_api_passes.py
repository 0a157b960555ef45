"""Each pass over the JSON API: after a decline and a signature, every step of
``/instances/<id>`` carries its own pass's data and decision, the old decision is marked
superseded, and the revising requester's task says why the request came back."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.api_client import ApiJourney, ApiUser

REASON = "Jadwal bentrok dengan rapat pimpinan"


def steps_of(instance: dict[str, Any], bpmn_id: str) -> list[dict[str, Any]]:
    return [s for s in instance["steps"] if s["bpmn_id"] == bpmn_id]


def test_every_pass_answers_with_its_own_decision_and_reason(
    app: Flask, api: dict[str, ApiUser]
) -> None:
    j = ApiJourney(app, api)
    j.start()
    j.act("staf", "Task_Verifikasi", {"catatan_verifikasi": "Surat belum ada"})
    j.decide(False, reason=REASON)

    # the requester revising: the task itself says why it came back
    task_id = j.task_for("pemohon", "Task_IsiFPVC")
    task = api["pemohon"].ok("get", f"/tasks/{task_id}")
    assert task["pass"] == 2
    back = task["sent_back"]
    assert back["decision"]["value"] == "tidak_setuju" and back["decision"]["reason"] == REASON
    assert back["data"]["alasan"] == REASON and back["pass"] == 1
    assert back["completed_by"] == "subkoor" and back["completed_at"].endswith("+07:00")

    j.revise(jumlah_peserta=30)
    during = j.instance("staf")  # pass 2 under way: the decline is history
    assert "keputusan" not in during["data"] and "alasan" not in during["data"]
    first = steps_of(during, "Task_Persetujuan")[0]
    assert first["superseded"] is True and first["decision"]["reason"] == REASON

    j.verify()
    j.decide(True)
    assert j.run_worker() >= 1
    done = j.receive()
    declined, signed = steps_of(done, "Task_Persetujuan")
    assert declined["data"] == {"keputusan": "tidak_setuju", "alasan": REASON}
    assert declined["decision"]["declined"] is True and declined["superseded"] is True
    assert signed["data"] == {"keputusan": "setuju", "alasan": None}
    assert signed["decision"]["declined"] is False and signed["superseded"] is False
    notes = [s["data"]["catatan_verifikasi"] for s in steps_of(done, "Task_Verifikasi")]
    assert notes == ["Surat belum ada", "Lengkap"]
    assert [s["data"]["jumlah_peserta"] for s in steps_of(done, "Task_IsiFPVC")] == [25, 30]
    assert done["data"]["keputusan"] == "setuju"

    # the first (declined) approval step, opened afterwards, still shows its own decision
    old = api["subkoor"].ok("get", f"/tasks/{declined['task_id']}")
    assert old["state"] == "completed" and old["data"]["alasan"] == REASON
    assert old["decision"]["value"] == "tidak_setuju"


def test_a_first_pass_task_has_no_reason_to_come_back(
    app: Flask, api: dict[str, ApiUser]
) -> None:
    j = ApiJourney(app, api)
    j.start()
    task = api["staf"].ok("get", f"/tasks/{j.task_for('staf', 'Task_Verifikasi')}")
    assert task["sent_back"] is None
