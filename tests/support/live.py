"""A real ``alur run`` in a subprocess on a free loopback port, for the tests and the
benchmarks that talk to the server the way a browser or a script does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ALUR = Path(sys.executable).parent / "alur"
# Time limits for a loaded CI host (seven suites on two cores): generous, because a passing
# test never waits for them, and a limit that trips on a slow machine proves nothing.
CLI_TIMEOUT_S = 300
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float) -> str:
    """The body of ``url`` once it answers; raises when it has not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    started_in: float
    output: str = ""

    def cli(self, *args: str, input: str | None = None) -> str:
        """Run another ``alur`` command against the same database."""
        done = subprocess.run(
            [str(ALUR), *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=CLI_TIMEOUT_S,
            check=True,
        )
        return done.stdout


@contextmanager
def alur_server(folder: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "ALUR_DATABASE_URL": f"sqlite:///{folder / 'alur.db'}",
        "ALUR_SECRET_KEY": "uji-langsung",
        "ALUR_WORKER": "thread",
        "ALUR_WORKER_POLL_S": "0.1",
        "ALUR_UPLOAD_DIR": str(folder / "uploads"),
        "ALUR_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ALUR), "run", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=folder,
    )
    server = Server(f"http://127.0.0.1:{port}", env, process, 0.0)
    try:
        wait_for(f"{server.url}/masuk", timeout=START_TIMEOUT_S)
        server.started_in = time.monotonic() - started
        yield server
    finally:
        process.terminate()
        try:
            server.output = process.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            server.output = process.communicate()[0]
