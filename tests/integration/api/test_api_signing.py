"""Signing through the API asks the approver's password again, as the HTML page does;
the password is checked and never stored, and declining needs none."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.support.api_client import ApiUser, Started


@pytest.fixture
def approval(api: dict[str, ApiUser], started: Started) -> str:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/complete", json={"data": {}})
    (task,) = api["subkoor"].ok("get", "/tasks")
    return f"/tasks/{task['task_id']}/complete"


@pytest.mark.parametrize(("password", "message"), [
    (None, "Masukkan kata sandi"), ("", "Masukkan kata sandi"), (123, "Masukkan kata sandi"),
    ("salah", "Kata sandi salah"),
])
def test_signing_without_the_right_password_is_422(api: dict[str, ApiUser], approval: str,
                                                   password: object, message: str) -> None:
    body = api["subkoor"].ok("post", approval, 422,
                             json={"data": {"keputusan": "setuju"}, "password": password})
    assert list(body["fields"]) == ["password"]
    assert body["fields"]["password"].startswith(message)
    assert api["subkoor"].ok("get", "/tasks")  # still waiting for a signature


def test_signing_with_the_password_approves_and_never_stores_it(api: dict[str, ApiUser],
                                                                approval: str) -> None:
    done = api["subkoor"].ok("post", approval,
                             json={"data": {"keputusan": "setuju"}, "password": PASSWORD})
    assert done["data"]["keputusan"] == "setuju"
    assert "password" not in done["data"] and PASSWORD not in repr(done)


def test_declining_needs_no_password(api: dict[str, ApiUser], approval: str) -> None:
    done = api["subkoor"].ok("post", approval, json={
        "data": {"keputusan": "tidak_setuju", "alasan": "Ruang penuh"}})
    assert done["current_step"] == "Mengisi FPVC dan/atau mengirim surat resmi"


def test_someone_outside_the_lane_is_403_whatever_the_password(api: dict[str, ApiUser],
                                                               approval: str) -> None:
    api["staf"].ok("post", approval, 403,
                   json={"data": {"keputusan": "setuju"}, "password": PASSWORD})
