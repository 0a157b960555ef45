"""A BPMN revision whose condition would run code on the server is refused at deploy, and
even a version stored with such a condition (written before validation knew better, or
put into the database by hand) cannot run it: signing fails with a script error and
nothing is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from engine import runtime
from engine.deploy import store_version
from engine.errors import DefinitionError
from engine.facade import Alur
from tests.support.journey import PROCESSES, Clock, Journey

BPMN = PROCESSES / "permintaan_layanan_video_conference.bpmn"


def rce_revision(target: Path) -> bytes:
    condition = (
        f'keputusan == "setuju" and not '
        f'__import__("pathlib").Path("{target}").write_text("x")'
    )
    return BPMN.read_bytes().replace(
        b'keputusan == "setuju"', condition.replace('"', "&quot;").encode()
    )


def test_the_revision_that_runs_code_is_refused_and_the_active_version_stays(
    alur: Alur, sessions: sessionmaker[Session], clock: Clock, tmp_path: Path
) -> None:
    with sessions.begin() as s:
        alur.deploy(s, BPMN.read_bytes(), BPMN.name, actor="t", now=clock())
        with pytest.raises(DefinitionError) as info:
            alur.deploy(s, rce_revision(tmp_path / "x"), BPMN.name, actor="t", now=clock())
        versions = alur.versions(s)
    message = str(info.value)
    assert "alur 'Flow_Ditandatangani'" in message
    assert "fungsi '__import__' tidak diizinkan" in message
    assert [(v.version, v.active) for v in versions] == [(1, True)]


def test_a_stored_version_with_a_forbidden_condition_cannot_run_it(
    journey: Callable[[], Journey],
    alur: Alur,
    sessions: sessionmaker[Session],
    clock: Clock,
    tmp_path: Path,
) -> None:
    target = tmp_path / "ditulis-oleh-bpmn"
    data = rce_revision(target)
    parser = runtime.new_parser()  # Spiff's own parse, without Alur's validation
    parser.add_bpmn_xml(etree.fromstring(data), BPMN.name)
    spec = parser.get_spec("permintaan_layanan_video_conference")
    subs = parser.get_subprocess_specs("permintaan_layanan_video_conference")
    good = alur.compile(BPMN.read_bytes(), BPMN.name)
    bad = dataclasses.replace(
        good,
        sha256="0" * 64,
        xml=data.decode(),
        spec=runtime.dump_spec(runtime.new_workflow(spec, subs)),
    )
    with sessions.begin() as s:
        assert store_version(s, bad, actor="t", now=clock()).created
    j = journey()
    j.start()
    j.submit()
    j.verify()
    with pytest.raises(runtime.ScriptError, match="__import__"):
        j.decide(True)
    assert not target.exists()
    assert j.view().steps[-1].bpmn_id == "Task_Persetujuan"  # the signing did not happen
