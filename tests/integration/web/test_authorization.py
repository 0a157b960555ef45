"""Every route, every role: the expected status, proven by walking ``app.url_map``.

The table below names each route of the HTML areas with what anonymous visitors and each
role get. A route missing from the table fails ``test_every_html_route_has_a_rule``; routes
of other areas (the API, reports) are held to the rule every route must meet: nobody
anonymous gets a 200 unless the view is marked ``public``, and no request gives a 500.
pemohon2 asking for pemohon's request, letter or invite gets 404 and learns nothing.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import packfiles
from tests.integration.web.conftest import PDF, Site, now, text
from tests.support.revision import BPMN
from webui.extensions import db, engine, pending_deploys

PROC = "/admin/proses/permintaan_layanan_video_conference"

ROLES = ("anon", "pemohon", "pemohon2", "staf", "subkoor", "auditor", "admin")
HTML_AREAS = ("auth", "requests", "inbox", "tasks", "admin", "static", "verify", "sop", "record",
              "health")
LOGIN = 302  # an anonymous visitor of a protected page is sent to /masuk
PROCESS_ID = "permintaan_layanan_video_conference"
_ids = itertools.count()


def everyone(status: int, anon: int = LOGIN) -> dict[str, int]:
    return {role: (anon if role == "anon" else status) for role in ROLES}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {role: LOGIN if role == "anon" else allowed.get(role, others) for role in ROLES}


STAFF_READ = only({"staf": 200, "subkoor": 200, "auditor": 200, "admin": 200})
OWN_OR_STAFF = {**everyone(200), "pemohon2": 404}
ADMIN_PAGE = only({"admin": 200})
ADMIN_POST = only({"admin": 302})


@dataclass
class Scene:
    """What the routes are tried on: pemohon's request at step 2 with a letter, one at
    step 5 with a meeting, and a user the admin routes may change."""

    site: Site
    request_id: str = ""
    task_id: str = ""
    attachment_id: str = ""
    meeting_request_id: str = ""
    document_id: str = ""  # the FPVC of the request at step 5
    document_code: str = ""
    claimed_task_id: str = ""  # a step-2 task staf2 holds
    pending_token: str = ""  # an uploaded process pack waiting for confirmation
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, role: str) -> FlaskClient:
        if role not in self.clients:
            self.clients[role] = self.site.client(None if role == "anon" else role)
        return self.clients[role]

    def fresh(self, step: str = "2") -> tuple[str, str]:
        """A new request of pemohon at ``step``: (instance id, ready task id)."""
        view = self.site.at_step(step)
        return view.id, self.site.ready(view).task_id

    def claimed(self) -> str:
        """A new step-2 task that staf2 holds."""
        _, task_id = self.fresh("2")
        with self.site.app.app_context():
            engine().claim(db.session, task_id, self.site.actor("staf2"), now())
            db.session.commit()
        return task_id


def add_letter(site: Site, instance_id: str) -> str:
    directory = site.app.config["UPLOAD_DIR"]
    attachment_id = f"{next(_ids):032x}"
    with site.app.app_context():
        __import__("os").makedirs(directory, exist_ok=True)
        with open(f"{directory}/{attachment_id}.pdf", "wb") as out:
            out.write(PDF)
        engine().add_attachment(db.session, instance_id, site.actor("pemohon"),
                                attachment_id=attachment_id, filename="surat.pdf",
                                stored_name=f"{attachment_id}.pdf", content_type="application/pdf",
                                size=len(PDF), sha256="0" * 64, now=now())
        db.session.commit()
    return attachment_id


@pytest.fixture(scope="module")
def scene(shared_site: Site) -> Scene:
    s = Scene(shared_site)
    s.request_id, s.task_id = s.fresh("2")
    s.attachment_id = add_letter(shared_site, s.request_id)
    s.meeting_request_id, _ = s.fresh("5")
    with shared_site.app.app_context():
        [doc] = engine().documents.of_instance(db.session, s.meeting_request_id,
                                               shared_site.actor("admin"))
        s.document_id, s.document_code = doc.id, doc.code
    with shared_site.app.app_context():
        from engine import users
        users.add_user(db.session, "korban", roles=["pemohon"], now=now(), password="x" * 8)
        users.add_user(db.session, "staf2", roles=["staf_iidc"], now=now(), password="x" * 8)
        db.session.commit()
        s.pending_token = pending_deploys().keep(packfiles.from_folder(BPMN))
    s.claimed_task_id = s.claimed()
    return s


Path = Callable[[Scene], str]


def korban_token(scene: Scene) -> int:
    """A new API token of the user the admin routes change: its id."""
    with scene.site.app.app_context():
        from engine import users
        user = users.get_user(db.session, "korban")
        users.issue_token(db.session, user, now())
        token_id = users.token_views(db.session, user)[0].token_id
        db.session.commit()
    return token_id


@dataclass(frozen=True)
class Rule:
    endpoint: str
    method: str
    path: Path
    expect: dict[str, int]
    data: Callable[[], dict[str, Any]] = dict
    fresh_scene: bool = False  # the route changes state: a new request for each role
    fresh_client: bool = False  # the route ends the session


def on_fresh(step: str, suffix: str) -> Path:
    return lambda s: suffix.format(*s.fresh(step))


RULES = [
    Rule("static", "GET", lambda s: "/static/alur.css", everyone(200, anon=200)),
    Rule("auth.login", "GET", lambda s: "/masuk", everyone(200, anon=200)),
    Rule("auth.login_submit", "POST", lambda s: "/masuk", everyone(401, anon=401),
         data=lambda: {"username": "pemohon", "password": "salah"}),
    Rule("auth.logout", "POST", lambda s: "/keluar", everyone(302, anon=302), fresh_client=True),
    Rule("auth.language", "POST", lambda s: "/bahasa/id", everyone(302, anon=302)),
    Rule("auth.home", "GET", lambda s: "/", everyone(302)),
    Rule("requests.mine", "GET", lambda s: "/permintaan", everyone(200)),
    # Those whose role the process's initiator lane names may start it (and admins).
    Rule("requests.new", "POST", lambda s: "/permintaan/baru",
         only({"pemohon": 302, "pemohon2": 302, "admin": 302})),
    Rule("requests.everything", "GET", lambda s: "/permintaan/semua", STAFF_READ),
    Rule("requests.detail", "GET", lambda s: f"/permintaan/{s.request_id}", OWN_OR_STAFF),
    Rule("requests.letter", "GET",
         lambda s: f"/permintaan/{s.request_id}/berkas/{s.attachment_id}", OWN_OR_STAFF),
    Rule("requests.calendar", "GET",
         lambda s: f"/permintaan/{s.meeting_request_id}/undangan.ics", OWN_OR_STAFF),
    Rule("requests.document", "GET",
         lambda s: f"/permintaan/{s.meeting_request_id}/dokumen/{s.document_id}", OWN_OR_STAFF),
    # Cancelling: the requester, the operator lane (staf) and admins; a reason is required.
    Rule("requests.confirm_cancel", "GET", lambda s: f"/permintaan/{s.request_id}/batal",
         {**only({"pemohon": 200, "staf": 200, "admin": 200}), "pemohon2": 404}),
    Rule("requests.withdraw", "POST", on_fresh("2", "/permintaan/{0}/batal"),
         {**only({"pemohon": 302, "staf": 302, "admin": 302}), "pemohon2": 404},
         data=lambda: {"alasan": "Acara ditunda."}, fresh_scene=True),
    # Taking over a colleague's claim: anyone of the task's lane (staf), after confirming.
    Rule("inbox.confirm_take_over", "GET", lambda s: f"/tugas/{s.claimed_task_id}/ambil-alih",
         {**only({"staf": 200}), "pemohon2": 404}),
    Rule("inbox.take_over", "POST", lambda s: f"/tugas/{s.claimed()}/ambil-alih",
         {**only({"staf": 302}), "pemohon2": 404}, data=lambda: {"dari": "staf2"},
         fresh_scene=True),
    # Releasing or reassigning anyone's claim: admins only.
    Rule("inbox.assignment", "GET", lambda s: f"/tugas/{s.claimed_task_id}/penugasan",
         only({"admin": 200})),
    Rule("inbox.assign", "POST", lambda s: f"/tugas/{s.claimed()}/penugasan", ADMIN_POST,
         data=lambda: {"kepada": "staf", "dari": "staf2"}, fresh_scene=True),
    # the whole record: auditors and admins only; requesters may not, even their own
    Rule("record.download", "GET", lambda s: f"/permintaan/{s.request_id}/rekaman.json",
         only({"auditor": 200, "admin": 200})),
    Rule("inbox.index", "GET", lambda s: "/tugas", everyone(200)),
    Rule("inbox.claim", "POST", on_fresh("2", "/tugas/{1}/ambil"),
         {**only({"staf": 302}), "pemohon2": 404}, fresh_scene=True),
    # Releasing: the holder, or an admin (anyone's claim).
    Rule("inbox.release", "POST", on_fresh("2", "/tugas/{1}/lepas"),
         {**only({"staf": 302, "admin": 302}), "pemohon2": 404}, fresh_scene=True),
    Rule("tasks.show", "GET", lambda s: f"/tugas/{s.task_id}", OWN_OR_STAFF),
    # Step 1 of a fresh request is a draft: its requester's alone (admins may look).
    Rule("tasks.submit", "POST", on_fresh("1", "/tugas/{1}"),
         {**only({"pemohon": 422}, others=404), "admin": 403}, fresh_scene=True),
    Rule("admin.index", "GET", lambda s: "/admin", ADMIN_PAGE),
    Rule("admin.people", "GET", lambda s: "/admin/pengguna", ADMIN_PAGE),
    Rule("admin.create_person", "POST", lambda s: "/admin/pengguna", ADMIN_POST,
         data=lambda: {"username": f"baru{next(_ids)}", "password": "rahasia-baru",
                       "roles": "pemohon"}),
    Rule("admin.person", "GET", lambda s: "/admin/pengguna/korban", ADMIN_PAGE),
    Rule("admin.set_profile", "POST", lambda s: "/admin/pengguna/korban/profil", ADMIN_POST,
         data=lambda: {"display_name": "Korban Uji", "email": "korban@uji.go.id"}),
    Rule("admin.set_roles", "POST", lambda s: "/admin/pengguna/korban/peran", ADMIN_POST,
         data=lambda: {"roles": "pemohon"}),
    Rule("admin.set_active", "POST", lambda s: "/admin/pengguna/korban/aktif", ADMIN_POST,
         data=lambda: {"active": "0"}),
    Rule("admin.revoke_token", "POST",
         lambda s: f"/admin/pengguna/korban/token/{korban_token(s)}/cabut", ADMIN_POST),
    Rule("admin.set_password", "POST", lambda s: "/admin/pengguna/korban/sandi", ADMIN_POST,
         data=lambda: {"password": "sandi-baru-1"}),
    Rule("admin.incidents", "GET", lambda s: "/admin/insiden", ADMIN_PAGE),
    # Not an incident: the admin passes the guard and meets the engine's 409.
    Rule("admin.retry", "POST", lambda s: f"/admin/insiden/{s.request_id}/coba-lagi",
         only({"admin": 409})),
    Rule("admin.outbox", "GET", lambda s: "/admin/surat", ADMIN_PAGE),
    Rule("admin.processes", "GET", lambda s: "/admin/proses", ADMIN_PAGE),
    Rule("admin.deploy", "POST", lambda s: "/admin/proses", ADMIN_POST,
         data=lambda: {"file": (io.BytesIO(b""), "")}),
    # The public verification of a document: nobody signs in; a post without a file is 422.
    Rule("verify.index", "GET", lambda s: "/verifikasi", everyone(200, anon=200)),
    Rule("verify.show", "GET", lambda s: f"/verifikasi/{s.document_code}",
         everyone(200, anon=200)),
    Rule("verify.check", "POST", lambda s: f"/verifikasi/{s.document_code}",
         everyone(422, anon=422)),
    Rule("sop.sheet", "GET", lambda s: f"/proses/{PROCESS_ID}/v1/sop",
         only({"auditor": 200, "admin": 200})),
    Rule("sop.sheet_pdf", "GET", lambda s: f"/proses/{PROCESS_ID}/v1/sop.pdf",
         only({"auditor": 200, "admin": 200})),
    Rule("admin.preview", "GET", lambda s: f"/admin/proses/pratinjau/{s.pending_token}",
         ADMIN_PAGE),
    # The same content as the active version: confirmed, nothing new (admin comes last).
    Rule("admin.confirm", "POST", lambda s: f"/admin/proses/pratinjau/{s.pending_token}",
         ADMIN_POST),
    Rule("admin.version_diagram", "GET", lambda s: f"{PROC}/1", ADMIN_PAGE),
    Rule("admin.download", "GET", lambda s: f"{PROC}/1/unduh", ADMIN_PAGE),
    Rule("admin.reactivate", "GET", lambda s: f"{PROC}/1/aktifkan", ADMIN_PAGE),
    # Version 1 is the active one: the admin passes the guard and meets the engine's 409.
    Rule("admin.reactivate", "POST", lambda s: f"{PROC}/1/aktifkan", only({"admin": 409})),
    Rule("admin.migrate", "GET", lambda s: f"{PROC}/1/pindah?ke=1", only({"admin": 409})),
    Rule("admin.migrate", "POST", lambda s: f"{PROC}/1/pindah?ke=1", only({"admin": 409})),
    # Public and cheap; no worker has run in this scene, so it is not ready (503).
    Rule("health.healthz", "GET", lambda s: "/healthz", everyone(200, anon=200)),
    Rule("health.readyz", "GET", lambda s: "/readyz", everyone(503, anon=503)),
]


def call(scene: Scene, rule: Rule, role: str) -> Any:
    client = scene.site.client(None if role == "anon" else role) if rule.fresh_client \
        else scene.client(role)
    path = rule.path(scene)
    if rule.method == "GET":
        return client.get(path)
    response = scene.site.post(client, path, rule.data())
    if rule.fresh_client:  # signing out ends every session of the account
        scene.clients.pop(role, None)
    return response


def is_public(scene: Scene, rule: Rule) -> bool:
    view = scene.site.app.view_functions[rule.endpoint]
    return bool(view.__dict__.get("alur_public")) or rule.endpoint == "static"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_each_role_gets_the_expected_status(scene: Scene, rule: Rule) -> None:
    got = {}
    for role in ROLES:
        with call(scene, rule, role) as response:
            got[role] = response.status_code
            if role == "anon" and response.status_code == LOGIN and not is_public(scene, rule):
                assert response.location.startswith("/masuk"), (rule.endpoint, response.location)
    assert got == rule.expect


def test_every_html_route_has_a_rule(shared_site: Site) -> None:
    ours = {r.endpoint for r in shared_site.app.url_map.iter_rules()
            if r.endpoint.split(".")[0] in HTML_AREAS}
    assert ours == {rule.endpoint for rule in RULES}


def dummy_path(rule: Any) -> str:
    values = {arg: "1" if "int" in type(conv).__name__.lower() else "x"
              for arg, conv in rule._converters.items()}
    return str(rule.build(values, append_unknown=False)[1])


def test_no_route_serves_anonymous_visitors_unless_public(shared_site: Site) -> None:
    app, client = shared_site.app, shared_site.client()
    for rule in app.url_map.iter_rules():
        public = app.view_functions[rule.endpoint].__dict__.get("alur_public") \
            or rule.endpoint == "static"
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            path, token = dummy_path(rule), shared_site.token(client)  # /keluar resets it
            response = client.open(path, method=method, data={"csrf_token": token},
                                   headers={"X-CSRFToken": token})
            with response:
                status = response.status_code
            not_ready = rule.endpoint == "health.readyz" and status == 503  # no worker here
            assert status < 500 or not_ready, (method, path, status)
            if not public:
                assert status in (302, 401, 403, 404), (method, path, status)


def test_another_requester_learns_nothing_about_a_request(scene: Scene) -> None:
    view = scene.site.view(scene.request_id)
    client = scene.client("pemohon2")
    for path in (f"/permintaan/{scene.request_id}",
                 f"/permintaan/{scene.request_id}/berkas/{scene.attachment_id}",
                 f"/permintaan/{scene.meeting_request_id}/undangan.ics",
                 f"/tugas/{scene.task_id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        page = text(response)
        for secret in (view.summary.number, "Rapat Koordinasi PPDB", "surat.pdf", "Ani Lestari"):
            assert secret not in page, (path, secret)
    assert view.summary.number not in text(client.get("/permintaan"))
    assert view.summary.number not in text(client.get("/tugas"))
