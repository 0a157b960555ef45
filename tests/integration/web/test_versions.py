"""``/admin/proses``: an upload (several files, or one zip) is validated and previewed
with its differences, and goes live only when confirmed; versions are listed with their
request counts, diagram and exact files; an older one can be made active again; waiting
requests are moved after a confirmation page that says which can and cannot move."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from engine import packfiles
from engine.models import Event
from tests.integration.web.conftest import Site, now, text
from tests.support.revision import BPMN, revised_pack
from webui.extensions import db, engine

PROC = "/admin/proses/permintaan_layanan_video_conference"


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(site: Site, client, files: list[tuple[bytes, str]]):  # type: ignore[no-untyped-def]
    return site.post(client, "/admin/proses",
                     {"file": [(io.BytesIO(data), name) for data, name in files]},
                     content_type="multipart/form-data")


def active_versions(site: Site) -> list[int]:
    with site.app.app_context():
        return [v.version for v in engine().versions(db.session) if v.active]


def test_a_revision_is_previewed_with_its_changes_and_deployed_only_when_confirmed(
    site: Site,
) -> None:
    admin, revised = site.client("admin"), revised_pack()
    site.at_step("2")
    files = [(revised.bpmn, revised.filename)] + [(d, n) for n, d in revised.files.items()]
    response = upload(site, admin, files)
    assert response.status_code == 302 and "/admin/proses/pratinjau/" in response.location
    page = text(admin.get(response.location))
    assert "Perbedaan dari versi aktif 1" in page
    assert "Langkah baru" in page and "Menelaah kelengkapan surat" in page
    assert "Target waktu berubah" in page and "2 mnt" in page and "3 mnt" in page
    assert "Isian berganti nama" in page and "catatan_verifikasi" in page
    assert 'class="node task userTask state-current"' in page  # the new step, marked
    assert active_versions(site) == [1]  # nothing is live yet
    confirmed = site.post(admin, response.location)
    assert confirmed.status_code == 302
    listed = text(admin.get(confirmed.location))
    assert "versi 2 aktif" in listed
    assert "1 permintaan masih berjalan pada versi lama" in listed
    assert active_versions(site) == [2]
    assert admin.get(response.location).status_code == 404  # a preview is confirmed once


def test_one_zip_with_the_forms_under_forms_is_a_pack(site: Site) -> None:
    admin, revised = site.client("admin"), revised_pack()
    data = zipped({revised.filename: revised.bpmn,
                   **{f"forms/{n}": d for n, d in revised.files.items()}})
    response = upload(site, admin, [(data, "revisi.zip")])
    assert response.status_code == 302, text(response)
    assert "Langkah baru" in text(admin.get(response.location))


def test_a_bpmn_alone_keeps_the_active_forms_and_the_same_content_is_no_new_version(
    site: Site,
) -> None:
    admin = site.client("admin")
    response = upload(site, admin, [(BPMN.read_bytes(), BPMN.name)])
    page = text(admin.get(response.location))
    assert "sama dengan versi 1" in page
    confirmed = site.post(admin, response.location)
    assert "tidak ada versi baru" in text(admin.get(confirmed.location))
    assert active_versions(site) == [1]


def test_a_refused_upload_names_every_problem_and_changes_nothing(site: Site) -> None:
    admin = site.client("admin")
    bomb = zipped({"../luar.json": b"{}", "/etc/passwd.json": b"{}", "a\\b.json": b"{}",
                   "besar.json": b" " * (packfiles.MAX_FILE_BYTES + 1), "skrip.sh": b"echo"})
    response = upload(site, admin, [(bomb, "nakal.zip")])
    assert response.status_code == 422
    page = text(response)
    for problem in ("../luar.json", "/etc/passwd.json", "a\\b.json", "besar.json", "skrip.sh",
                    "tepat satu berkas BPMN"):
        assert problem in page, problem
    revised = revised_pack()
    response = upload(site, admin, [(revised.bpmn, "revisi.bpmn")])  # telaah form left out
    assert response.status_code == 422 and "telaah.schema.json" in text(response)
    for content in (b"<bpmn:definitions", b"\xff\xfe\x00garbage"):
        response = upload(site, admin, [(content, "rusak.bpmn")])
        assert response.status_code == 422 and "rusak.bpmn ditolak" in text(response)
    assert active_versions(site) == [1]


def test_versions_list_counts_diagram_download_and_reactivation(site: Site) -> None:
    admin = site.client("admin")
    site.at_step("2")
    with site.app.app_context():
        engine().deploy_pack(db.session, revised_pack(), actor="pemilik", now=now())
        db.session.commit()
    page = text(admin.get("/admin/proses"))
    assert "Pindahkan ke versi 2" in page and "Aktifkan lagi" in page
    assert 'data-label="Berjalan" class="num">1<' in page
    diagram = admin.get(f"{PROC}/2")
    assert diagram.status_code == 200 and "Menelaah kelengkapan surat" in text(diagram)
    download = admin.get(f"{PROC}/2/unduh")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.read(BPMN.name) == revised_pack().bpmn
    assert archive.read("forms/telaah.schema.json") == revised_pack().files["telaah.schema.json"]
    confirm = admin.get(f"{PROC}/1/aktifkan")
    assert "Aktifkan lagi versi 1?" in text(confirm)
    done = site.post(admin, f"{PROC}/1/aktifkan")
    assert done.status_code == 302 and active_versions(site) == [1]
    with site.app.app_context():
        event = db.session.scalars(select(Event).where(Event.kind == "process_reactivated")).one()
    assert event.actor == "admin" and event.detail["version"] == 1


def test_moving_waiting_requests_lists_who_can_and_cannot_move(site: Site) -> None:
    admin = site.client("admin")
    waiting, past = site.at_step("2"), site.at_step("3")
    with site.app.app_context():
        engine().deploy_pack(db.session, revised_pack(), actor="pemilik", now=now())
        db.session.commit()
    page = text(admin.get(f"{PROC}/1/pindah?ke=2"))
    assert "Dapat dipindahkan (1)" in page and "Tidak dapat dipindahkan (1)" in page
    assert "Menelaah kelengkapan surat" in page  # the reason past cannot move
    english = text(site.client("admin", lang="en").get(f"{PROC}/1/pindah?ke=2"))
    assert "which this request has not been through" in english
    response = site.post(admin, f"{PROC}/1/pindah?ke=2", {"instance": [waiting.id, past.id]})
    assert response.status_code == 302
    flashed = text(admin.get(response.location))
    assert "1 permintaan dipindahkan ke versi 2" in flashed
    assert "1 permintaan tidak dapat dipindahkan" in flashed
    assert site.view(waiting.id).summary.version == 2
    assert site.view(past.id).summary.version == 1
