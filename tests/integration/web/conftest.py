"""Fixtures for the HTML pages: a ``Site`` that signs people in (one test client each),
posts forms with their CSRF token, and moves requests along through the engine facade
when a test only cares about a later step.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from engine import migrate, users
from engine.db import make_sessionmaker
from engine.views import InstanceView, StepView
from tests.conftest import PASSWORD, make_app
from webui.extensions import db, engine

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TOMORROW = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
FPVC_FORM = {
    "nama_pemohon": "Ani Lestari",
    "nip": "198701012010012001",
    "jabatan": "Analis",
    "instansi": "Dinas Pendidikan",
    "email": "ani@tangerangkota.go.id",
    "telepon": "0812-3456-7890",
    "nama_kegiatan": "Rapat Koordinasi PPDB",
    "tanggal": TOMORROW,
    "jam_mulai": "09:00",
    "jam_selesai": "10:30",
    "jumlah_peserta": "25",
    "platform": "jitsi",
    "keterangan": "",
}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def now() -> datetime:
    return datetime.now(UTC)


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


class Site:
    """The app as people use it, plus engine shortcuts to set a scene quickly."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    # -- people ------------------------------------------------------------------------
    def client(self, username: str | None = None, lang: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if lang:
            self.post(client, f"/bahasa/{lang}", {"next": "/masuk"})
        if username:
            response = self.post(client, "/masuk", {"username": username, "password": PASSWORD})
            assert response.status_code == 302, text(response)[:300]
        return client

    @staticmethod
    def token(client: FlaskClient) -> str:
        match = _TOKEN.search(text(client.get("/masuk")))
        assert match, "no CSRF token on /masuk"
        return match.group(1)

    def post(self, client: FlaskClient, path: str, data: dict[str, Any] | None = None,
             **kwargs: Any) -> TestResponse:
        form = {"csrf_token": self.token(client), **(data or {})}
        return client.post(path, data=form, **kwargs)

    # -- engine shortcuts --------------------------------------------------------------
    def actor(self, username: str) -> users.Actor:
        with self.app.app_context():
            return users.actor_of(users.get_user(db.session, username))

    def start(self, username: str = "pemohon") -> InstanceView:
        with self.app.app_context():
            view = engine().start(db.session, self.actor(username), now())
            db.session.commit()
            return view

    def complete(self, task_id: str, username: str, data: dict[str, Any]) -> InstanceView:
        """Complete as ``username`` (who signs with their test password when asked)."""
        with self.app.app_context():
            view = engine().complete(db.session, task_id, self.actor(username), data, now(),
                                     password=PASSWORD)
            db.session.commit()
            return view

    def view(self, instance_id: str, username: str = "admin") -> InstanceView:
        with self.app.app_context():
            return engine().instance(db.session, instance_id, self.actor(username))

    def run_jobs(self) -> int:
        with self.app.app_context():
            return engine().run_jobs(make_sessionmaker(db.engine), now)

    @staticmethod
    def ready(view: InstanceView) -> StepView:
        return next(s for s in view.steps if s.state == "ready" and s.kind == "user")

    def at_step(self, step: str, username: str = "pemohon", **fpvc: Any) -> InstanceView:
        """A new request of ``username`` moved on until SOP step ``step`` is ready."""
        view = self.start(username)
        plan = [("1", username, {**FPVC_FORM, **fpvc}), ("2", "staf", {}),
                ("3", "subkoor", {"keputusan": "setuju"})]
        for number, who, data in plan:
            if self.ready(view).step == step:
                return view
            view = self.complete(self.ready(view).task_id, who, data)
            if number == "3":
                self.run_jobs()
                view = self.view(view.id)
        assert self.ready(view).step == step, [(s.bpmn_id, s.state) for s in view.steps]
        return view


def upload(site: Site, username: str, task: str, content: bytes | None,
           name: str = "surat.pdf", **fields: str) -> tuple[int, str]:
    """Send the task's form with ``content`` as its letter (none: only the form's fields,
    such as the hidden field of a letter already held); the status and the page."""
    client = site.client(username)
    values = MultiDict({**FPVC_FORM, **fields, "csrf_token": site.token(client)})
    if content is not None:
        values.add("surat_resmi", FileStorage(io.BytesIO(content), name,
                                              content_type="application/pdf"))
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart(values)
    response = client.post(f"/tugas/{task}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    return response.status_code, text(response)


def stored_files(site: Site) -> list[Path]:
    """The letters on disk, whoever sent them."""
    directory = Path(site.app.config["UPLOAD_DIR"])
    return sorted(directory.glob("*")) if directory.exists() else []


@pytest.fixture
def site(app: Flask) -> Site:
    return Site(app)


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app for a whole module (the authorization walk makes hundreds of requests)."""
    tmp: Path = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'alur.db'}"
    migrate.upgrade(url)
    # The walks post a wrong password as every role from one address; sign-in throttling
    # has its own tests (test_sign_in_throttle.py).
    app = make_app(url, tmp, SIGNIN_MAX_FAILURES=1_000_000)
    yield Site(app)
    with app.app_context():
        db.engine.dispose()
