"""Every endpoint for every role: the same rules as the HTML pages. A requester sees only
their own requests (anyone else's is a 404); only the lane's people act on a task (403 for
others who may see it); only the process owner deploys; auditors read and never change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.api_client import ApiJourney, ApiUser, Started
from tests.support.journey import FPVC

BPMN = Path(__file__).resolve().parents[3] / "processes/permintaan_layanan_video_conference.bpmn"
ROLES = ("pemohon", "pemohon2", "staf", "subkoor", "auditor", "admin")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(status: int, who: tuple[str, ...], others: int = 403,
         hidden_from: tuple[str, ...] = ("pemohon2",)) -> dict[str, int]:
    table = everyone(others)
    table.update(dict.fromkeys(hidden_from, 404))
    table.update(dict.fromkeys(who, status))
    return table


VIEWERS = ("pemohon", "staf", "subkoor", "auditor", "admin")
MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("get", "/processes", everyone(200)),
    ("post", "/processes", only(200, ("admin",), hidden_from=())),
    ("post", "/instances", only(201, ("pemohon", "pemohon2", "admin"), hidden_from=())),
    ("get", "/instances", everyone(200)),
    ("get", "/instances/{instance}", only(200, VIEWERS)),
    ("post", "/instances/{instance}/cancel", only(200, ("pemohon", "staf", "admin"))),
    ("get", "/tasks", everyone(200)),
    ("get", "/tasks/{task}", only(200, VIEWERS)),
    ("post", "/tasks/{task}/claim", only(200, ("staf",))),
    # Releasing: the holder, or an admin (anyone's claim).
    ("post", "/tasks/{task}/unclaim", only(200, ("staf", "admin"))),
    ("post", "/tasks/{task}/take-over", only(200, ("staf",))),
    ("post", "/tasks/{task}/assign", only(200, ("admin",))),
    ("post", "/tasks/{task}/complete", only(200, ("staf",))),
]


def call(user: ApiUser, method: str, path: str) -> Any:
    if path == "/processes" and method == "post":
        return user.post(path, data={"file": (BPMN.open("rb"), BPMN.name)})
    if path.endswith("/complete"):
        return user.post(path, json={"data": {"catatan_verifikasi": "Lengkap"}})
    if path == "/instances" and method == "post":
        return user.post(path, json={"data": FPVC})
    if path.endswith("/cancel"):
        return user.post(path, json={"reason": "Acara ditunda."})
    if path.endswith("/take-over"):
        return user.post(path, json={})  # nobody holds it: taking over is taking
    if path.endswith("/assign"):
        return user.post(path, json={"to": "staf"})
    return user.open(method, path)


@pytest.mark.parametrize(("method", "path", "expected"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_endpoint_by_role(app: Flask, api: dict[str, ApiUser], method: str, path: str,
                          expected: dict[str, int]) -> None:
    """Each role on a request of its own at step 2, so one role's change cannot hide
    another's answer."""
    got = {}
    for role in ROLES:
        journey = ApiJourney(app, api)
        journey.start()
        concrete = path.format(instance=journey.instance_id,
                               task=journey.task_for("staf", "Task_Verifikasi"))
        response = call(api[role], method, concrete)
        assert response.is_json, (role, response.status_code)
        got[role] = response.status_code
    assert got == expected


def test_instance_lists_hold_only_what_the_caller_may_see(api: dict[str, ApiUser],
                                                         started: Started) -> None:
    seen = {role: len(api[role].ok("get", "/instances")) for role in ROLES}
    assert seen == {**dict.fromkeys(ROLES, 1), "pemohon2": 0}
    mine = {role: len(api[role].ok("get", "/instances?mine=true")) for role in ROLES}
    assert mine == {**dict.fromkeys(ROLES, 0), "pemohon": 1}
    assert api["staf"].ok("get", "/instances?status=completed") == []
    assert len(api["staf"].ok("get", "/instances?status=running")) == 1


def test_the_task_list_holds_only_tasks_the_caller_may_act_on(api: dict[str, ApiUser],
                                                             started: Started) -> None:
    holders = {role for role in ROLES
               if started.verify_task in [t["task_id"] for t in api[role].ok("get", "/tasks")]}
    assert holders == {"staf"}


def test_a_task_lists_with_its_due_time_and_claim(api: dict[str, ApiUser],
                                                  started: Started) -> None:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/claim")
    (item,) = api["staf"].ok("get", "/tasks")
    assert item["bpmn_id"] == "Task_Verifikasi" and item["lane"] == "Staf Seksi IIDC"
    assert item["claimed_by"] == "staf"
    assert item["due_at"] > item["ready_at"]
    assert item["ready_at"].endswith("+07:00")
    api["staf"].ok("post", f"/tasks/{started.verify_task}/unclaim")
    assert api["staf"].ok("get", "/tasks")[0]["claimed_by"] is None


def test_only_someone_who_may_act_records_the_opening(api: dict[str, ApiUser],
                                                       started: Started) -> None:
    path = f"/tasks/{started.verify_task}"
    for reader in ("auditor", "subkoor", "pemohon"):
        seen = api[reader].ok("get", path)
        assert seen["can_act"] is False and seen["opened_at"] is None
    opened = api["staf"].ok("get", path)
    assert opened["can_act"] is True and opened["opened_by"] == "staf"
    assert opened["schema"]["properties"]["catatan_verifikasi"]
    assert api["staf"].ok("get", path)["opened_at"] == opened["opened_at"]


def test_the_approvers_task_carries_its_form_and_the_request(api: dict[str, ApiUser],
                                                             started: Started) -> None:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/complete",
                   json={"data": {"catatan_verifikasi": "ok"}})
    (approve,) = api["subkoor"].ok("get", "/tasks")
    task = api["subkoor"].ok("get", f"/tasks/{approve['task_id']}")
    assert task["form"] == "persetujuan.schema.json"
    assert task["instance"]["kegiatan"] == FPVC["nama_kegiatan"]
    assert task["schema"]["properties"]["keputusan"]["enum"] == ["setuju", "tidak_setuju"]
