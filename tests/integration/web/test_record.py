"""The record on the pages: after a decline and a signature, the request page's timeline
shows each decision with its reason and each verification note, who and when; the old
decision reads as history; the revising requester's task page says why it came back; the
step CSV and the auditor's JSON record carry each pass's data; ``alur audit verify`` holds,
then fails at an edited row."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import text as sql

from tests.integration.web.conftest import FPVC_FORM, Site, text
from webui.cli import main
from webui.extensions import db

REASON = "Jadwal bentrok dengan rapat pimpinan"


def declined_then_signed(site: Site) -> str:
    view = site.at_step("2")
    note = {"catatan_verifikasi": "Surat belum ada"}
    view = site.complete(site.ready(view).task_id, "staf", note)
    view = site.complete(site.ready(view).task_id, "subkoor",
                         {"keputusan": "tidak_setuju", "alasan": REASON})
    return view.id


def finish(site: Site, instance_id: str) -> None:
    view = site.view(instance_id)
    revised = {**FPVC_FORM, "keterangan": "Digeser"}
    view = site.complete(site.ready(view).task_id, "pemohon", revised)
    view = site.complete(site.ready(view).task_id, "staf", {"catatan_verifikasi": "Lengkap"})
    site.complete(site.ready(view).task_id, "subkoor", {"keputusan": "setuju"})
    site.run_jobs()


def test_the_revising_requester_reads_why_on_the_task_page(site: Site) -> None:
    instance_id = declined_then_signed(site)
    revise = site.ready(site.view(instance_id)).task_id
    page = text(site.client("pemohon").get(f"/tugas/{revise}"))
    assert "Alasan tidak disetujui" in page and REASON in page
    assert "Pengajuan ke-1 · Subkoor" in page
    detail = text(site.client("pemohon").get(f"/permintaan/{instance_id}"))
    assert "Permintaan dikembalikan" in detail


def test_the_timeline_keeps_every_pass_and_the_old_decision_is_history(site: Site) -> None:
    instance_id = declined_then_signed(site)
    finish(site, instance_id)
    page = text(site.client("pemohon").get(f"/permintaan/{instance_id}"))
    assert "Permintaan dikembalikan" not in page  # resubmitted and signed since
    assert "Keputusan pengajuan ke-1:" in page and REASON in page
    note = 'Catatan verifikasi: <span class="prewrap">{}</span>'
    assert note.format("Surat belum ada") in page and note.format("Lengkap") in page
    assert "Keputusan:" in page and "Disetujui &amp; ditandatangani" in page
    assert ">Subkoor<" in page and ">Staf<" in page  # who, by display name
    first = next(s for s in site.view(instance_id).steps if s.bpmn_id == "Task_Persetujuan")
    old = text(site.client("subkoor").get(f"/tugas/{first.task_id}"))
    assert "Isian langkah ini (pengajuan ke-1)" in old
    assert "Tidak disetujui" in old and REASON in old
    above_timeline = old.split("Riwayat langkah", 1)[0]  # the timeline lists both passes
    assert "Disetujui &amp; ditandatangani" not in above_timeline  # that pass's own data


def test_during_pass_two_staff_do_not_see_the_old_decision_as_current(site: Site) -> None:
    instance_id = declined_then_signed(site)
    view = site.view(instance_id)
    site.complete(site.ready(view).task_id, "pemohon", FPVC_FORM)
    verify = site.ready(site.view(instance_id)).task_id
    page = text(site.client("staf").get(f"/tugas/{verify}"))
    data_card = page.split("Data permintaan", 1)[1].split("Riwayat langkah", 1)[0]
    assert "Tidak disetujui" not in data_card and REASON not in data_card
    assert "Keputusan pengajuan ke-1:" in page  # history, in the timeline
    detail = text(site.client("pemohon").get(f"/permintaan/{instance_id}"))
    assert "Permintaan dikembalikan" not in detail


def test_the_step_csv_carries_each_pass_data(site: Site) -> None:
    instance_id = declined_then_signed(site)
    finish(site, instance_id)
    body = text(site.client("auditor").get("/laporan/langkah.csv"))
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["instance_id"] == instance_id]
    decisions = [json.loads(r["data"]) for r in rows if r["bpmn_id"] == "Task_Persetujuan"]
    assert decisions == [{"alasan": REASON, "keputusan": "tidak_setuju"},
                         {"alasan": None, "keputusan": "setuju"}]
    assert {r["completed_by_name"] for r in rows if r["bpmn_id"] == "Task_Verifikasi"} == {"Staf"}


def test_auditors_download_the_whole_record(site: Site) -> None:
    instance_id = declined_then_signed(site)
    finish(site, instance_id)
    response = site.client("auditor").get(f"/permintaan/{instance_id}/rekaman.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    record = response.get_json(force=True)
    assert record["format"] == "alur.rekaman/1" and record["instance"]["id"] == instance_id
    approvals = [s for s in record["steps"] if s["bpmn_id"] == "Task_Persetujuan"]
    assert [s["data"]["keputusan"] for s in approvals] == ["tidak_setuju", "setuju"]
    assert all(len(s["record_sha256"]) == 64 for s in approvals)
    seqs = [e["seq"] for e in record["events"]]
    assert seqs == sorted(seqs) and record["chain"]["head"]["seq"] >= seqs[-1]
    digests = {e["task_id"]: e["detail"].get("record_sha256") for e in record["events"]
               if e["kind"] == "task_completed"}
    assert all(digests[s["task_id"]] == s["record_sha256"] for s in approvals)
    assert record["withheld"] == ["host_url"]
    assert site.client("pemohon").get(f"/permintaan/{instance_id}/rekaman.json").status_code == 403


def test_audit_verify_holds_then_names_the_edited_row(site: Site) -> None:
    instance_id = declined_then_signed(site)
    runner = site.app.test_cli_runner()
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "Utuh:" in result.output, result.output
    exported = runner.invoke(main, ["audit", "export", instance_id])
    assert exported.exit_code == 0 and json.loads(exported.output)["instance"]["id"] == instance_id
    assert runner.invoke(main, ["audit", "export", "tidak-ada"]).exit_code == 1
    with site.app.app_context():
        seq = db.session.execute(sql("SELECT seq FROM events WHERE kind = 'task_completed' "
                                     "ORDER BY seq DESC LIMIT 1")).scalar_one()
        db.session.execute(sql("UPDATE events SET actor = 'orang-lain' WHERE seq = :s"),
                           {"s": seq})
        db.session.commit()
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and f"event #{seq}" in result.output
