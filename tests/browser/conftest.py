"""Browser fixtures: the real app served on loopback over a prepared SQLite database, Debian's Chromium
driven by Playwright, signing in as demo users, and screenshots under test-artifacts/screenshots/."""
from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from engine.db import make_engine, make_sessionmaker
from engine.models import Call, User
from engine.runtime import Runtime
from engine.signin import Throttle
from web import create_app
from web.ticking import run_tick

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "test-password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class LiveApp:
    """The running app: its address, and the engine side of its database for setup and checks."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    runtime: Runtime
    users: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def tick(self, now: datetime) -> dict[str, object]:
        """One scheduler pass as of `now` (what `rootball tick --now` does) on the app's database."""
        return run_tick(self.sessions, now)

    @contextmanager
    def clock(self, now: datetime) -> Iterator[None]:
        """Let the block happen from `now` on: the app serves from this process, so its requests see it too."""
        with time_machine.travel(now, tick=True):
            yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("需要 Debian 的 Chromium：apt-get update && apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveApp]:
    """The real app on a free loopback port, over a fresh copy of the prepared test database."""
    db_path = tmp_path / "rootball.db"
    shutil.copy(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-tests", "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                      "LOGIN_THROTTLE": Throttle(account_free=1000, address_free=1000)})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        users = {u.username: u.id for u in session.scalars(select(User))}
        calls = {c.track: c.id for c in session.scalars(select(Call))}
    try:
        yield LiveApp(f"http://127.0.0.1:{server.server_port}", engine, sessions, Runtime(sessions), users, calls)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        engine.dispose()
        app.extensions["rootball"].engine.dispose()


class Screenshots:
    """Numbered full-page screenshots in test-artifacts/screenshots/<test name>/."""

    def __init__(self, folder: Path):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Screenshots:
    """Where this test's screenshots go."""
    return Screenshots(SCREENSHOTS / re.sub(r"[^\w-]+", "_", request.node.name))


class People:
    """One browser context per person, each signed in once; JavaScript errors on any page fail the test.

    What the Content-Security-Policy blocked is kept in `policy_violations` for the scenarios to check.
    """

    def __init__(self, browser: Browser, live: LiveApp):
        self.browser, self.live = browser, live
        self.pages: dict[str, Page] = {}
        self.passwords: dict[str, str] = {}
        self.errors: list[str] = []
        self.policy_violations: list[str] = []

    def __call__(self, username: str, password: str = PASSWORD) -> Page:
        """`username`'s page, signed in."""
        self.passwords.setdefault(username, password)
        if username not in self.pages:
            context = self.browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.on("pageerror", lambda error, who=username: self.errors.append(f"{who}: {error}"))
            page.on("console", lambda message, who=username: self._console(who, message))
            self.pages[username] = page
            self.sign_in(username)
        return self.pages[username]

    def _console(self, who: str, message: ConsoleMessage) -> None:
        # Chromium reports what the Content-Security-Policy blocked as a console error.
        if "Content Security Policy" in message.text:
            self.policy_violations.append(f"{who} on {message.page.url if message.page else '?'}: {message.text}")

    def sign_in(self, *usernames: str) -> None:
        """Sign in (again: sessions end after a month, and the scenarios move time by months)."""
        for username in usernames:
            page = self.pages[username]
            page.goto(f"{self.live.url}/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", self.passwords[username])
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            assert "/login" not in page.url, f"{username} could not sign in"

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def people(browser: Browser, live: LiveApp) -> Iterator[People]:
    """Signed-in pages per demo user; asserts that no page raised a JavaScript error."""
    crowd = People(browser, live)
    yield crowd
    crowd.close()
    assert not crowd.errors, f"JavaScript errors: {crowd.errors}"
