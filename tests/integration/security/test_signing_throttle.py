"""Attack replay: 50 wrong passwords on one approval task were all checked, none
throttled, none on record. A wrong signing password is now recorded like a failed sign-in
(``signature_failed`` with the task and address) and, after five within fifteen minutes,
further ones are refused unchecked (429, ``Retry-After``), in the browser and the API."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Event
from tests.conftest import PASSWORD
from tests.integration.web.conftest import Site, text
from tests.support.api_client import ApiUser, Started
from webui.extensions import db

REFUSED = "Terlalu banyak kata sandi salah saat menandatangani"


def signature_failures(site_app: object) -> list[Event]:
    with site_app.app_context():  # type: ignore[attr-defined]
        return list(db.session.scalars(select(Event).where(Event.kind == "signature_failed")))


def test_wrong_signing_passwords_are_recorded_then_throttled_in_the_browser(site: Site) -> None:
    view = site.at_step("3")
    task = site.ready(view).task_id
    subkoor = site.client("subkoor")
    for i in range(5):
        response = site.post(subkoor, f"/tugas/{task}",
                             {"keputusan": "setuju", "password": f"tebakan-{i}"},
                             environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert response.status_code == 422, i
    failures = signature_failures(site.app)
    assert len(failures) == 5
    assert {(e.actor, e.task_id, e.instance_id, e.remote_addr) for e in failures} == {
        ("subkoor", task, view.id, "10.9.8.7")}
    # The sixth is refused without being checked, even with the right password.
    response = site.post(subkoor, f"/tugas/{task}", {"keputusan": "setuju", "password": PASSWORD})
    assert response.status_code == 429
    assert REFUSED in text(response)
    assert 840 < int(response.headers["Retry-After"]) <= 900
    assert site.ready(site.view(view.id)).step == "3"  # nothing signed
    assert len(signature_failures(site.app)) == 5


def test_wrong_signing_passwords_are_throttled_over_the_api(
    app: object, api: dict[str, ApiUser], started: Started
) -> None:
    api["staf"].ok("post", f"/tasks/{started.verify_task}/complete", json={"data": {}})
    (task,) = api["subkoor"].ok("get", "/tasks")
    path = f"/tasks/{task['task_id']}/complete"
    statuses = [api["subkoor"].post(path, json={"data": {"keputusan": "setuju"},
                                                "password": f"salah-{i}"}).status_code
                for i in range(50)]
    assert statuses == [422] * 5 + [429] * 45
    response = api["subkoor"].post(path, json={"data": {"keputusan": "setuju"},
                                               "password": PASSWORD})
    assert response.status_code == 429
    assert REFUSED in response.get_json()["error"]
    assert "Retry-After" in response.headers
    assert len(signature_failures(app)) == 5


def test_a_right_signature_still_works_after_a_typo(site: Site) -> None:
    view = site.at_step("3")
    task = site.ready(view).task_id
    subkoor = site.client("subkoor")
    site.post(subkoor, f"/tugas/{task}", {"keputusan": "setuju", "password": "typo"})
    response = site.post(subkoor, f"/tugas/{task}", {"keputusan": "setuju", "password": PASSWORD})
    assert response.status_code == 302
