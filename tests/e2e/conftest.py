"""End-to-end fixtures: the real server and worker in subprocesses, and Debian's Chromium via Playwright.

Nothing here skips: a browser or server that cannot start fails the run, with its output.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    WebError,
    async_playwright,
    expect,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# Artifacts go in one folder per engine: `make test` runs the SQLite and PostgreSQL suites side by side.
ENGINE = "postgres" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000
E2E_WEBHOOK_SECRET = "whsec_e2e_clientpulse"
# The platform endpoint (Checkout, the plan subscriptions) has its own secret, as at Stripe; the app verifies both.
E2E_PLATFORM_WEBHOOK_SECRET = "whsec_e2e_clientpulse_platform"
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcesses:
    """The web server and the Huey consumer, as `make run` starts them."""

    def __init__(self, extra_env: dict[str, str]) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_dir = ARTIFACTS / "server-logs" / ENGINE
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "BASE_URL": self.base_url, **extra_env}
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def _start(self, name: str, args: list[str]) -> None:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((proc, log_path))

    def start(self) -> None:
        self._start("web", ["serve", "--port", str(self.port)])
        # Without periodic tasks: the worker outlives the e2e tests, and a catch-up firing at a minute mark during a
        # later integration test would add sync runs to the rows that test counts.
        self._start("worker", ["worker", "--workers", "2", "--no-periodic"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for proc, log_path in self.processes:
                try:
                    # Doubles as the poll interval: a process that dies during start-up fails at once.
                    proc.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    continue
                self.stop()
                pytest.fail(f"{log_path.stem} exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        self.stop()
        pytest.fail("the web server did not answer /healthz within 30 s")

    def stop(self) -> None:
        for proc, _ in self.processes:
            proc.terminate()
        for proc, _ in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _server_env(request: pytest.FixtureRequest) -> dict[str, str]:
    env: dict[str, str] = {}
    try:
        standin = request.getfixturevalue("standin")
    except pytest.FixtureLookupError:
        return env
    env.update(
        STRIPE_API_BASE=standin.base_url,
        STRIPE_CONNECT_BASE=standin.base_url,
        STRIPE_SECRET_KEY=standin.secret_key,
        STRIPE_CLIENT_ID=standin.client_id,
        STRIPE_WEBHOOK_SECRET=f"{E2E_WEBHOOK_SECRET},{E2E_PLATFORM_WEBHOOK_SECRET}",
    )
    return env


@pytest.fixture(name="server", scope="session")
def fx_server(request: pytest.FixtureRequest) -> Iterator[ServerProcesses]:
    server = ServerProcesses(_server_env(request))
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="browser", scope="session")
async def fx_browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        await browser.close()


SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


class AppTraffic:
    """What browsers got from the app server during one test: each response's headers, and CSP complaints.

    Only the app's own origin counts (the Stripe stand-in is another server with its own pages).
    """

    def __init__(self, base_url: str) -> None:
        self.prefix = base_url + "/"
        self.headers: list[asyncio.Future] = []
        self.csp_errors: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("response", self._on_response)
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)

    def _on_response(self, response: Response) -> None:
        if response.url.startswith(self.prefix):
            # Asked for at once: a context the test closes early can no longer answer at teardown.
            self.headers.append(asyncio.ensure_future(self._headers_of(response)))

    @staticmethod
    async def _headers_of(response: Response) -> tuple[str, dict[str, str]]:
        return f"{response.request.method} {response.url} -> {response.status}", await response.all_headers()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def _on_web_error(self, error: WebError) -> None:
        if "Content Security Policy" in str(error.error):
            self.csp_errors.append(str(error.error))

    async def problems(self) -> tuple[int, list[str]]:
        """How many app responses were seen, and what was wrong with them or with the pages."""
        seen = await asyncio.gather(*self.headers)
        lacking = [
            f"{what} lacks {', '.join(h for h in SECURITY_HEADERS if h not in headers)}"
            for what, headers in seen
            if any(h not in headers for h in SECURITY_HEADERS)
        ]
        return len(seen), lacking + [f"console: {text}" for text in self.csp_errors]


@pytest.fixture(name="page")
async def fx_page(
    request: pytest.FixtureRequest, browser: Browser, server: ServerProcesses, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Page]:
    traffic = AppTraffic(server.base_url)
    new_context = browser.new_context

    async def watched_context(*args, **kwargs) -> BrowserContext:
        context = await new_context(*args, **kwargs)
        traffic.watch(context)
        return context

    # A test that opens a second person's browser (browser.new_context) is watched too.
    monkeypatch.setattr(browser, "new_context", watched_context)
    context = await browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = await context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        (ARTIFACTS / ENGINE).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / ENGINE / f"{request.node.name}.png"), full_page=True)
    count, problems = await traffic.problems()
    await context.close()
    request.node.user_properties.append(("app_responses_checked", count))
    if count == 0:
        pytest.fail("the browser received no response from the app server, so no security header was checked")
    if problems:
        pytest.fail(f"{len(problems)} security header / CSP problems in {count} app responses:\n" + "\n".join(problems))


@pytest.fixture(autouse=True)
async def _worker_settled(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After a test that ran the real worker, wait for its queued and running work before tables are emptied.

    A journey that ends by connecting an account leaves a backfill running in the worker, and webhook deliveries
    leave events to apply; emptying the tables under them deadlocked on PostgreSQL and could leave their rows for
    the next test. Runs before the root conftest's truncation because autouse fixtures tear down innermost first.
    """
    yield
    if "server" not in request.fixturenames:
        return
    from tests.e2e.worker_busy import wait_until_idle

    await wait_until_idle(timeout=60)


@pytest.fixture(name="stripe_for_server")
def fx_stripe_for_server(fresh_standin, server: ServerProcesses):
    """The seeded stand-in, delivering signed webhooks to the running server: Connect events and the platform's own."""
    url = f"{server.base_url}/billing/stripe/webhook"
    fresh_standin.register_webhook(url, secret=E2E_WEBHOOK_SECRET)
    fresh_standin.register_webhook(url, connect=False, secret=E2E_PLATFORM_WEBHOOK_SECRET)
    return fresh_standin
