"""Fixtures for the browser journeys: Debian's Chromium driven by Playwright (one browser
per session), a real ``alur run`` per test module with people whose passwords we know,
one browser context per person (their own cookies, as on their own computer) and
full-page screenshots under ``test-output/browser/<test name>/``.

Chromium comes from the distribution (``/usr/bin/chromium``), never from
``playwright install``. Without it the browser tests are skipped, except in CI
(``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from engine import users
from engine.db import make_engine, make_sessionmaker
from tests.browser.pages import PEOPLE, Person, Shots, SignIn, sign_in
from tests.fakes.zoom_server import FakeZoom
from tests.support.live import Server, alur_server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ACTION_TIMEOUT_MS = 60_000  # every action and page load; generous for a loaded CI host
DESKTOP = {"width": 1280, "height": 900}
expect.set_options(timeout=ACTION_TIMEOUT_MS)  # expect() has its own 5 s default


@dataclass
class Site:
    """The live server; people are registered on it the first time they are needed,
    straight into its database (``alur users add`` itself is tested in tests/integration/cli;
    a process per person cost a second or more each on a loaded host)."""

    server: Server
    registered: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.server.url

    def person(self, username: str) -> Person:
        person = PEOPLE[username]
        if username not in self.registered:
            database = make_engine(self.server.env["ALUR_DATABASE_URL"])
            with make_sessionmaker(database).begin() as session:
                users.add_user(session, person.username, roles=[person.role],
                               now=datetime.now(UTC), display_name=person.display_name,
                               email=f"{person.username}@tangerangkota.go.id",
                               password=person.password)
            database.dispose()
            self.registered.add(username)
        return person


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra ``ALUR_*`` settings for the module's server; a module overrides this fixture
    (for example to point Zoom at a fake server)."""
    return {}


@pytest.fixture(scope="module")
def zoom() -> Iterator[FakeZoom]:
    """A fake Zoom with one host account, for a module whose server uses it."""
    with FakeZoom(hosts=("vc1@tangerangkota.go.id",)) as server:
        yield server


def refusing_zoom(zoom: FakeZoom) -> dict[str, str]:
    """Server settings for a module whose Zoom refuses Alur's secret, with one attempt per
    automated job: the manual-link task appears after one try."""
    config = zoom.config(ZOOM_CLIENT_SECRET="rahasia-yang-salah", JOB_MAX_ATTEMPTS=1)
    return {f"ALUR_{key}": str(value) for key, value in config.items()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Browser,
         server_env: dict[str, str]) -> Iterator[Site]:
    """A real ``alur run`` (SQLite file, in-process worker) for the tests of one module."""
    with alur_server(tmp_path_factory.mktemp("alur-browser"), server_env) as server:
        yield Site(server)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder = Path(request.config.rootpath) / "test-output" / "browser" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)


@pytest.fixture
def open_as(browser: Browser, site: Site) -> Iterator[SignIn]:
    """``open_as("ani")``: a new browser context for that person, signed in through the
    login page; ``viewport=`` for another screen size. Every context closes at teardown,
    and nothing the Content-Security-Policy blocked may have been reported on the way."""
    contexts: list[BrowserContext] = []
    blocked: list[str] = []

    def _open(username: str, *, viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(base_url=site.url, viewport=viewport or DESKTOP,
                                      accept_downloads=True, locale="id-ID",
                                      timezone_id="Asia/Jakarta")
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        person = site.person(username)
        sign_in(page, person.username, person.password)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert blocked == [], blocked
