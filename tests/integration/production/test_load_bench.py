"""``bench/load.py`` run small, so it cannot rot: a few people drive a few whole journeys
(two of them declined and revised) on each layout, and the bench must end with every
journey finished, no error, and nothing left behind (no process working in its folder, no
database on its port). No speed is asserted; the figures are the bench's.

Also how the bench's client tells answers apart: a 409 on a claim is an expected conflict,
anything else unexpected (a 5xx, a 409 elsewhere, no answer at all) is an error."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.live import free_port

BENCH = Path(__file__).resolve().parents[3] / "bench"
sys.path.insert(0, str(BENCH))

from load_people import Api, Broken, Tally  # noqa: E402

SMALL = ["--users", "4", "--journeys", "5", "--revise-every", "2", "--seconds", "300",
         "--grace", "300", "--engine-n", "2", "--poll", "0.1"]


def run_bench(layout: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / "load.py"), "--layout", layout, *args],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_nothing_left(done.stdout)
    return done.stdout


def assert_nothing_left(out: str) -> None:
    """The run's folder is gone, no process works in it, no database answers on its port."""
    folder = Path(re.findall(r"^run folder: (\S+)", out, re.M)[0])
    assert not folder.exists()
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        with contextlib.suppress(OSError):
            assert not str(cwd.readlink()).startswith(str(folder)), cwd
    for port in re.findall(r"^database: postgresql\S+@127\.0\.0\.1:(\d+)/", out, re.M):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", int(port))) != 0, f"PostgreSQL on {port}"


def assert_clean(out: str) -> None:
    assert "journeys: 5 of 5 finished (2 declined once and revised)" in out, out
    assert re.search(r"throughput: [\d.]+ journeys/s, [\d.]+ task completions/s "
                     r"\(26 completions\)", out), out  # 5 x 4, and 3 more per revision
    assert "\nerrors: 0\n" in out, out
    assert "POST /tasks/<id>/complete" in out and "/tasks/<id>?" not in out, out
    assert re.search(r"ratio http/engine: [\d.]+", out), out
    assert out.rstrip().endswith("total errors: 0"), out


def test_the_load_bench_runs_clean_on_the_embedded_default() -> None:
    out = run_bench("embedded", *SMALL)
    assert "== alur run (embedded" in out and "gunicorn" not in out
    assert_clean(out)


@pytest.mark.postgres
def test_the_load_bench_runs_clean_on_gunicorn_and_postgresql() -> None:
    postgres.require_bindir()
    out = run_bench("postgres", *SMALL)
    assert "== gunicorn + PostgreSQL (2 web processes" in out
    assert re.search(r"^database: postgresql\S+@127\.0\.0\.1:\d+/", out, re.M), out
    assert_clean(out)


class Answers(BaseHTTPRequestHandler):
    """Answers a status read from the path: ``/api/v1/409`` is a 409."""

    def do_POST(self) -> None:
        status = int(self.path.rsplit("/", 1)[1])
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "x"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_claim_conflict_is_expected_and_every_other_surprise_an_error(answering: str) -> None:
    tally = Tally()
    api = Api(answering, "staf_1", "token", tally)
    assert api.call("POST", "/{}", "201", expect=201) == {"error": "x"}
    assert api.call("POST", "/{}", "409", conflict_ok=True) is None
    for status in ("409", "500", "503", "422"):
        with pytest.raises(Broken):
            api.call("POST", "/{}", status)
    with pytest.raises(Broken):
        Api(f"http://127.0.0.1:{free_port()}", "staf_1", "token", tally).call("GET", "/tasks")
    assert tally.conflicts == {"POST /<id>": 1}
    assert [e.split(":")[0] for e in tally.errors] == ["POST /<id> as staf_1"] * 4 + [
        "GET /tasks as staf_1"]
    assert len(tally.times["POST /<id>"]) == 6  # every answer is timed, under its template


def test_a_journey_that_did_not_finish_is_an_error_counted_once() -> None:
    tally = Tally()
    assert tally.error_count() == 1  # nothing finished: nothing was measured
    for _ in range(3):
        tally.journey_started()
    tally.journey_finished()
    tally.journey_finished()
    assert tally.error_count() == 1  # one journey left unfinished, with no error said
    tally.error("POST /tasks/<id>/complete as staf_1: 500")
    assert tally.error_count() == 1  # the same journey's error
    tally.error("GET /tasks as subkoor_iidc_1: 502")
    assert tally.error_count() == 2
    tally.journey_finished()
    assert tally.error_count() == 2
