"""Each pass is kept as it was: after a decline and a signature, every step record still
shows what its own pass submitted (decision, reason, note, who and when), the old
decision is history, and the revising requester reads why the request came back."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from engine.models import pack_json
from tests.support.journey import FPVC, Journey


def by_step(view, bpmn_id: str):
    return [s for s in view.steps if s.bpmn_id == bpmn_id]


def test_every_pass_keeps_its_own_decision_reason_and_note(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.start()
    j.submit()
    j.act(j.people.staf, "Task_Verifikasi", {"catatan_verifikasi": "Surat belum ada"})
    j.decide(False, reason="Jadwal bentrok dengan rapat pimpinan")

    during = j.view(j.people.staf)  # the requester has not resubmitted yet
    assert during.last_reason == "Jadwal bentrok dengan rapat pimpinan"
    declined = by_step(during, "Task_Persetujuan")[0]
    assert declined.decision is not None and declined.decision.declined
    assert not declined.superseded

    revise = by_step(during, "Task_IsiFPVC")[-1]
    with j.sessions.begin() as s:
        task = j.alur.open_task(s, revise.task_id, j.people.pemohon, j.clock())
    assert task.sent_back is not None
    assert task.sent_back.decision is not None
    assert task.sent_back.decision.reason == "Jadwal bentrok dengan rapat pimpinan"
    assert task.sent_back.completed_by_name == "subkoor" and task.sent_back.pass_no == 1

    j.submit(jumlah_peserta=30)
    pass2 = j.view(j.people.staf)  # pass 2 under way: the decline is history now
    assert pass2.last_reason is None
    assert "keputusan" not in pass2.data and "alasan" not in pass2.data
    assert "catatan_verifikasi" not in pass2.data
    assert by_step(pass2, "Task_Persetujuan")[0].superseded

    j.act(j.people.staf, "Task_Verifikasi", {"catatan_verifikasi": "Lengkap"})
    j.decide(True)
    j.run_worker()
    done = j.receive()
    first, second = by_step(done, "Task_Persetujuan")
    assert first.data == {"keputusan": "tidak_setuju",
                          "alasan": "Jadwal bentrok dengan rapat pimpinan"}
    assert first.decision is not None and first.decision.value == "tidak_setuju"
    assert first.superseded and first.pass_no == 1
    assert second.data == {"keputusan": "setuju", "alasan": None}
    assert second.decision is not None and not second.decision.declined
    assert not second.superseded and second.pass_no == 2
    notes = [s.data["catatan_verifikasi"] for s in by_step(done, "Task_Verifikasi")]
    assert notes == ["Surat belum ada", "Lengkap"]
    forms = [s.data for s in by_step(done, "Task_IsiFPVC")]
    assert forms[0]["jumlah_peserta"] == FPVC["jumlah_peserta"]
    assert forms[1]["jumlah_peserta"] == 30
    link = by_step(done, "Task_BuatLink")[0]
    assert link.data is not None and link.data["meeting"]["join_url"].startswith("https://")
    assert link.completed_by_name == "Sistem"
    assert [s.completed_by_name for s in by_step(done, "Task_Verifikasi")] == ["staf", "staf"]
    assert done.data["keputusan"] == "setuju"


def test_a_completed_step_is_written_once(journey: Callable[[], Journey]) -> None:
    import pytest

    from engine import store

    j = journey()
    j.start()
    j.submit()
    with j.sessions.begin() as s:
        record = store.steps_of(s, j.instance_id)[0]
        assert record.data is not None and record.data["nama_pemohon"] == "Ani Lestari"
        with pytest.raises(ValueError, match="written once"):
            record.data = {"nama_pemohon": "Orang lain"}


def test_the_host_link_stays_out_of_each_pass_for_readers_without_host_roles(
    journey: Callable[[], Journey],
) -> None:
    j = journey()
    j.full()
    with j.sessions.begin() as s:  # a provider result with a host link, as Zoom gives
        s.execute(
            text("UPDATE step_records SET data = :d WHERE bpmn_id = 'Task_BuatLink'"),
            {"d": pack_json({"meeting": {"join_url": "https://zoom.uji/j/1",
                                         "host_url": "https://zoom.uji/s/1?zak=rahasia"}})},
        )
    for who, sees in ((j.people.pemohon, False), (j.people.others["auditor"], False),
                      (j.people.subkoor, False), (j.people.staf, True)):
        step = by_step(j.view(who), "Task_BuatLink")[0]
        assert ("host_url" in step.data["meeting"]) is sees, who.username


def test_a_request_declined_before_the_upgrade_still_shows_its_reason(
    journey: Callable[[], Journey],
) -> None:
    """Records written before migration 0008 have no data: the newest decision is read
    from the workflow's data, as before, and nothing is made up for older passes."""
    j = journey()
    j.start()
    j.submit()
    j.verify()
    j.decide(False, reason="Surat belum lengkap")
    with j.sessions.begin() as s:
        s.execute(text("UPDATE step_records SET data = NULL"))
    view = j.view()
    assert view.last_reason == "Surat belum lengkap"
    assert all(s.data is None for s in view.steps)
