"""Fake provider servers for connector tests: real HTTP servers on 127.0.0.1 (an
ephemeral port, a ``ThreadingHTTPServer`` in a daemon thread, started and stopped as a
context manager) that honour the providers' published contracts and record every request
they get. ``FakeServer`` is the shared base; ``zoom_server`` and ``bbb_server`` hold the
providers. Test-only: nothing in ``engine``, ``connectors`` or ``webui`` imports this.
"""

from __future__ import annotations

import abc
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it (``query`` is the raw query string)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        """Query parameters, last value wins."""
        return {k: v[-1] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    """What to answer; ``delay`` seconds pass before the answer is written."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, data: Any, **headers: str) -> Reply:
        body = json.dumps(data).encode()
        return cls(status, body, {"Content-Type": "application/json", **headers})


class _Server(ThreadingHTTPServer):
    # Join handler threads on close, so a delayed reply never outlives the test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.fake.errors.append(f"handler error for {client_address}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Recorded(self.command, url.path, url.query, dict(self.headers.items()), body)
        fake = self.server.fake
        with fake.lock:
            fake.requests.append(request)
        reply = fake.handle(request)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up waiting (a timeout test): nothing to answer
            fake.abandoned.append(request)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeServer(abc.ABC):
    """Base of the fakes: subclasses implement ``handle``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.abandoned: list[Recorded] = []
        self.errors: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @abc.abstractmethod
    def handle(self, request: Recorded) -> Reply:
        """The provider's answer to one request (each fake implements its contract)."""

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def received(self, method: str | None = None, path_contains: str = "") -> list[Recorded]:
        """The recorded requests, optionally filtered."""
        with self.lock:
            return [
                r for r in self.requests
                if (method is None or r.method == method) and path_contains in r.path
            ]
