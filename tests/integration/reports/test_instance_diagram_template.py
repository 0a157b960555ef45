"""``reports/_instance_diagram.html`` draws one request on its diagram for whoever may see
it: the current step marked, the path taken emphasised; nothing for anyone else."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_login import login_user
from lxml import etree, html

from engine import users
from tests.integration.reports.seed import seed_known
from webui.auth import LoginUser
from webui.extensions import db

USE = ('{% from "reports/_instance_diagram.html" import instance_diagram %}'
       '{{ instance_diagram(instance_id) }}')
SVG = "{http://www.w3.org/2000/svg}"


def render_as(app: Flask, username: str, instance_id: str) -> str:
    with app.test_request_context("/"):
        user = users.get_user(db.session, username)
        login_user(LoginUser(users.actor_of(user), user.email))
        return render_template_string(USE, instance_id=instance_id)


def test_the_running_request_on_its_diagram(app: Flask) -> None:
    with app.app_context():
        ids = seed_known(db.session, users.get_user(db.session, "pemohon").id)
        db.session.commit()
    out = render_as(app, "pemohon", ids["D"])  # D waits for verification
    svg = etree.fromstring(html.tostring(html.fromstring(out).find(".//svg"), encoding="unicode"))
    assert svg.find(f"{SVG}title").text and svg.find(f"{SVG}desc").text
    current = [g for g in svg.iter(f"{SVG}g") if "state-current" in (g.get("class") or "")]
    assert len(current) == 1 and "Menerima dan memverifikasi FPVC" in current[0].findtext(
        f"{SVG}title")
    taken = [p for p in svg.iter(f"{SVG}polyline") if "taken" in (p.get("class") or "")]
    assert len(taken) == 3  # start → gateway → step 1 → step 2
    assert "▶" in "".join(svg.itertext())


def test_nothing_for_someone_who_may_not_see_the_request(app: Flask) -> None:
    with app.app_context():
        ids = seed_known(db.session, users.get_user(db.session, "pemohon").id)
        db.session.commit()
    assert render_as(app, "pemohon2", ids["D"]).strip() == ""
    assert "<svg" in render_as(app, "staf", ids["D"])
