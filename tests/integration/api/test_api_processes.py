"""Deploying through the API: 201 for a new version, 200 when unchanged, 422 with the
validator's problems (and the active version untouched), 400 without a file; a dry run
that shows the changes; a version's files, reactivation and moving waiting requests."""

from __future__ import annotations

import io
from pathlib import Path

from tests.support.api_client import ApiUser

BPMN = Path(__file__).resolve().parents[3] / "processes/permintaan_layanan_video_conference.bpmn"


def upload(admin: ApiUser, content: bytes, name: str = BPMN.name) -> tuple[int, dict]:
    response = admin.post("/processes", data={"file": (io.BytesIO(content), name)})
    return response.status_code, response.get_json()


def test_the_deployed_version_is_listed(api: dict[str, ApiUser]) -> None:
    (version,) = api["pemohon"].ok("get", "/processes")
    assert version["process_id"] == "permintaan_layanan_video_conference"
    assert version["version"] == 1 and version["active"] is True
    assert len(version["sha256"]) == 64
    assert version["deployed_at"].endswith("+07:00")


def test_the_same_file_again_is_200_unchanged(api: dict[str, ApiUser]) -> None:
    status, body = upload(api["admin"], BPMN.read_bytes())
    assert status == 200
    assert body["created"] is False and body["version"] == 1


def test_a_revised_file_is_201_and_becomes_the_active_version(api: dict[str, ApiUser]) -> None:
    revised = BPMN.read_bytes().replace(b'name="Ditandatangani?"', b'name="Sudah ditandatangani?"')
    status, body = upload(api["admin"], revised)
    assert status == 201
    assert body["created"] is True and body["version"] == 2
    assert body["deployed_by"] == "admin"
    versions = {v["version"]: v["active"] for v in api["admin"].ok("get", "/processes")}
    assert versions == {1: False, 2: True}
    started = api["pemohon"].ok("post", "/instances", 201)
    assert started["version"] == 2


def test_a_broken_file_is_422_with_problems_and_changes_nothing(api: dict[str, ApiUser]) -> None:
    broken = BPMN.read_bytes().replace(b'name="Staf Seksi IIDC"', b'name="Bagian Tak Dikenal"')
    broken = broken.replace(b'<spiffworkflow:property name="role" value="staf_iidc" />', b"")
    status, body = upload(api["admin"], broken)
    assert status == 422
    assert body["problems"] and any("Bagian Tak Dikenal" in p for p in body["problems"])
    assert isinstance(body["fields"]["file"], str)
    status, body = upload(api["admin"], b"<not xml", "rusak.bpmn")
    assert status == 422 and body["problems"]
    assert [v["version"] for v in api["admin"].ok("get", "/processes")] == [1]


def test_a_deploy_without_a_file_is_400(api: dict[str, ApiUser]) -> None:
    body = api["admin"].ok("post", "/processes", 400, data={})
    assert "file" in body["fields"]
    body = api["admin"].ok("post", "/processes", 400, json={"file": "x"})
    assert "file" in body["fields"]


def test_a_path_in_the_uploaded_name_is_refused(api: dict[str, ApiUser]) -> None:
    revised = BPMN.read_bytes().replace(b'name="Ditandatangani?"', b'name="Ditandatangani."')
    status, body = upload(api["admin"], revised, "../../etc/" + BPMN.name)
    assert status == 422 and any("../../etc/" in p for p in body["problems"])
    status, body = upload(api["admin"], revised, BPMN.name)
    assert status == 201 and body["filename"] == BPMN.name


def test_a_dry_run_shows_the_changes_and_deploys_nothing(api: dict[str, ApiUser]) -> None:
    from tests.support.revision import revised_pack

    revised = revised_pack()
    parts = [(io.BytesIO(revised.bpmn), revised.filename)]
    parts += [(io.BytesIO(d), n) for n, d in revised.files.items()]
    response = api["admin"].post("/processes?dry_run=1", data={"file": parts})
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is True and body["active_version"] == 1
    kinds = {(c["kind"], c["element"]) for c in body["changes"]}
    assert ("added", "Task_Telaah") in kinds and ("target", "Task_Verifikasi") in kinds
    assert [v["version"] for v in api["admin"].ok("get", "/processes")] == [1]
    status, _ = upload(api["admin"], b"<not xml", "rusak.bpmn")
    assert status == 422


def test_migrations_reactivation_and_files_through_the_api(api: dict[str, ApiUser]) -> None:
    import zipfile

    from tests.support.revision import revised_pack

    started = api["pemohon"].ok("post", "/instances", 201)
    revised = revised_pack()
    parts = [(io.BytesIO(revised.bpmn), revised.filename)]
    parts += [(io.BytesIO(d), n) for n, d in revised.files.items()]
    assert api["admin"].post("/processes", data={"file": parts}).status_code == 201
    path = "/processes/permintaan_layanan_video_conference"
    body = api["admin"].ok("post", f"{path}/migrations", 200,
                           json={"from_version": 1, "to_version": 2, "dry_run": True})
    assert [(r["instance_id"], r["ok"], r["migrated"]) for r in body["results"]] == [
        (started["id"], True, False)]
    body = api["admin"].ok("post", f"{path}/migrations", 200,
                           json={"from_version": 1, "to_version": 2,
                                 "instances": [started["id"]]})
    assert body["results"][0]["migrated"] is True
    assert api["pemohon"].ok("get", f"/instances/{started['id']}")["version"] == 2
    api["pemohon"].ok("post", f"{path}/migrations", 403, json={})
    api["admin"].ok("post", f"{path}/migrations", 400, json={"from_version": "1"})
    files = api["admin"].get(f"{path}/versions/2/files")
    assert zipfile.ZipFile(io.BytesIO(files.data)).read(revised.filename) == revised.bpmn
    assert api["staf"].get(f"{path}/versions/2/files").status_code == 403
    body = api["admin"].ok("post", f"{path}/versions/1/activate", 200)
    assert body["version"] == 1 and body["active"] is True
    api["admin"].ok("post", f"{path}/versions/1/activate", 409)
    api["staf"].ok("post", f"{path}/versions/2/activate", 403)
