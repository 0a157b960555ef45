"""Attack replay: the Sub Koordinator signed their own request and staff verified their
own. Someone holding the requester's role and a staff or approver role now cannot act
on their own request outside the requester's lane (403 with a plain message; the task
page says why and shows no form), unless the process says
``separation_of_duties=false``."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import users
from tests.conftest import PASSWORD
from tests.integration.web.conftest import FPVC_FORM, Site, now, text
from tests.support.api_client import cli_token
from tests.support.journey import PROCESSES
from webui.extensions import db, engine

BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"
OWN = "Permintaan Anda sendiri harus dikerjakan rekan lain"


@pytest.fixture
def dual(site: Site) -> Site:
    """``rangkap`` holds the requester, staff and approver roles at once."""
    with site.app.app_context():
        users.add_user(db.session, "rangkap", roles=["pemohon", "staf_iidc", "subkoor_iidc"],
                       now=now(), password=PASSWORD)
        db.session.commit()
    return site


def test_staff_cannot_verify_their_own_request(dual: Site) -> None:
    view = dual.at_step("2", username="rangkap")
    task = dual.ready(view).task_id
    client = dual.client("rangkap")
    page = text(client.get(f"/tugas/{task}"))
    assert OWN in page and "Verifikasi Selesai" not in page
    assert view.summary.number not in text(client.get("/tugas"))  # not in their inbox
    assert view.summary.number in text(dual.client("staf").get("/tugas"))
    response = dual.post(client, f"/tugas/{task}", {})
    assert response.status_code == 403 and OWN in text(response)
    assert dual.post(client, f"/tugas/{task}/ambil", {}).status_code == 403
    assert dual.ready(dual.view(view.id)).step == "2"
    # A colleague verifies it.
    dual.complete(task, "staf", {})


def test_an_approver_cannot_sign_their_own_request(dual: Site) -> None:
    view = dual.at_step("2", username="rangkap")
    view = dual.complete(dual.ready(view).task_id, "staf", {})
    task = dual.ready(view).task_id
    client = dual.client("rangkap")
    response = dual.post(client, f"/tugas/{task}", {"keputusan": "setuju",
                                                    "password": PASSWORD})
    assert response.status_code == 403 and OWN in text(response)
    token = cli_token(dual.app, "rangkap")
    api = dual.app.test_client().post(
        f"/api/v1/tasks/{task}/complete", headers={"Authorization": f"Bearer {token}"},
        json={"data": {"keputusan": "setuju"}, "password": PASSWORD})
    assert api.status_code == 403 and OWN in api.get_json()["error"]
    dual.complete(task, "subkoor", {"keputusan": "setuju"})  # the other approver may


def test_the_requesters_own_steps_are_not_affected(dual: Site) -> None:
    view = dual.start("rangkap")
    task = dual.ready(view).task_id
    response = dual.post(dual.client("rangkap"), f"/tugas/{task}", FPVC_FORM)
    assert response.status_code == 302, text(response)[:300]


def test_a_process_may_allow_it(dual: Site, tmp_path: Path) -> None:
    xml = BPMN.read_bytes().replace(
        b'<spiffworkflow:property name="initiator_lane" value="Pemohon" />',
        b'<spiffworkflow:property name="initiator_lane" value="Pemohon" />\n'
        b'        <spiffworkflow:property name="separation_of_duties" value="false" />', 1)
    assert b"separation_of_duties" in xml
    with dual.app.app_context():
        engine().deploy(db.session, xml, BPMN.name, actor="test", now=now())
        db.session.commit()
    view = dual.at_step("2", username="rangkap")
    task = dual.ready(view).task_id
    client = dual.client("rangkap")
    assert OWN not in text(client.get(f"/tugas/{task}"))
    assert dual.post(client, f"/tugas/{task}", {}).status_code == 302
