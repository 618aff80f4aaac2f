"""The Chrome side panel end to end, in real headless Chromium (Debian's `chromium`, driven by Playwright) against
the running demo (`python -m server.devinfra demo`: web, workers, emulator, synced demo data).

* The unpacked extension loads (its service worker runs); its options page sets the server; its panel page,
  opened as `chrome-extension://<id>/panel.html` with `chrome.identity.getAuthToken` stubbed to hand out an access
  token the emulator issued for the demo user, asks over the WebSocket, shows the streamed answer, the results with
  their links and the pending action; Confirm trashes the message in the emulator.
* A stored sign-in the server refuses shows "sign-in expired" with a Sign in button; a server that is not there
  shows "can't reach the server" with Retry and a way to the settings.
* The same page served at `/` does the same in a plain browser tab, and Undo reverses it; a rate-limited server
  (429 + Retry-After, the WebSocket failing so the REST fallback is used) shows a clear message with Retry.

Screenshots go to tests/e2e/artifacts/.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import psutil
import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from server.config import REPO_ROOT
from server.devinfra import free_port

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
EXTENSION = REPO_ROOT / "extension"
ARTIFACTS = REPO_ROOT / "tests" / "e2e" / "artifacts"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-features=DisableLoadExtensionCommandLineSwitch"]
QUESTION = "Delete my last email from nadia"
DEMO_USER = "sam@atlas.com"


class Demo:
    """The demo launcher in its own data dir and ports, as `make demo` runs it."""

    def __init__(self, base: Path) -> None:
        self.data_dir, self.log = base / "data", base / "demo.log"
        self.port, self.emulator_port = free_port(), free_port()
        env = {**os.environ, "DATA_DIR": str(self.data_dir), "PORT": str(self.port), "WEB_CONCURRENCY": "1",
               "EMULATOR_PORT": str(self.emulator_port)}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "server.devinfra", "demo"], cwd=REPO_ROOT, env=env,
                                     stdout=open(self.log, "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def emulator(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_synced(self, limit: float = 180.0) -> None:
        """Ready, and every service of the demo user synced through the worker."""
        deadline = time.monotonic() + limit
        while True:
            assert self.proc.poll() is None, self.tail()
            try:
                response = requests.get(f"{self.url}/api/v1/sync/status", timeout=5)
                services = response.json().get("services", {}) if response.status_code == 200 else {}
                if services and all(s["state"] == "ok" for s in services.values()):
                    return
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            assert time.monotonic() < deadline, "demo not synced in time:\n" + self.tail()
            time.sleep(0.5)

    def message(self, message_id: str) -> dict:
        state = requests.get(f"{self.emulator}/_emulator/state", timeout=10).json()
        return next(m for m in state["users"][DEMO_USER]["messages"] if m["id"] == message_id)

    def action(self, action_id: str) -> dict:
        response = requests.get(f"{self.url}/api/v1/actions/{action_id}", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def _servers(self) -> list[psutil.Process]:
        """The demo's PostgreSQL and Redis (started detached, so not among the launcher's children)."""
        found = []
        for pidfile in (self.data_dir / "postgres" / "postmaster.pid", self.data_dir / "redis" / "redis.pid"):
            try:
                found.append(psutil.Process(int(pidfile.read_text().split()[0])))
            except (OSError, ValueError, IndexError, psutil.NoSuchProcess):
                pass
        return found

    def stop(self) -> None:
        """SIGTERM (the launcher stops what it started); kill what is left only if that does not work."""
        if self.proc.poll() is not None:
            return
        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        servers = self._servers()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)  # ~5 s normally; honcho can hang on an embedder stopped mid-job (then: kill)
        except subprocess.TimeoutExpired:
            for proc in [psutil.Process(self.proc.pid), *tree, *servers]:
                try:
                    proc.kill()
                except psutil.NoSuchProcess:
                    pass


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = Demo(tmp_path_factory.mktemp("extension-demo"))
    try:
        running.wait_synced()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module", autouse=True)
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _google_token(demo: Demo) -> str:
    """An access token the emulator issued for the demo user (what chrome.identity would hand the panel)."""
    response = requests.post(f"{demo.emulator}/_emulator/users", json={"email": DEMO_USER}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def _stub_identity(context: BrowserContext, token: str) -> None:
    context.add_init_script("""(() => {
      if (!globalThis.chrome || !chrome.identity) return;
      window.__identityCalls = 0;
      chrome.identity.getAuthToken = async (details) => {
        window.__identityCalls += 1;
        return {token: %s, grantedScopes: []};
      };
      chrome.identity.removeCachedAuthToken = async () => {};
    })();""" % json.dumps(token))


@pytest.fixture
def extension(pw: Playwright, tmp_path: Path, demo: Demo) -> Iterator[tuple[BrowserContext, str]]:
    """Chromium with the unpacked extension loaded; yields the context and the extension's id."""
    context = pw.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=False,
        args=[*FLAGS, f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
        viewport={"width": 420, "height": 860})
    try:
        worker = context.service_workers[0] if context.service_workers else \
            context.wait_for_event("serviceworker", timeout=20_000)
        assert worker.url.endswith("/background.js"), worker.url
        extension_id = worker.url.split("/")[2]
        _stub_identity(context, _google_token(demo))
        yield context, extension_id
    finally:
        context.close()


def _set_server(context: BrowserContext, extension_id: str, url: str) -> None:
    """Through the options page, as a person would."""
    options = context.new_page()
    options.goto(f"chrome-extension://{extension_id}/options.html")
    options.get_by_label("Server address").fill(url)
    options.get_by_role("button", name="Save").click()
    expect(options.locator("#saved")).to_contain_text(f"now talks to {url}")
    options.close()


def _record_frames(page: Page) -> list[dict]:
    """Every frame the page receives on a WebSocket."""
    frames: list[dict] = []

    def on_socket(ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return frames


def _ask(page: Page, question: str) -> None:
    """Type the question, press Enter, wait until its answer is complete."""
    before = page.locator(".turn").count()
    query = page.get_by_label("Ask", exact=True)
    query.fill(question)
    query.press("Enter")
    expect(page.locator(".turn")).to_have_count(before + 1)
    expect(page.locator(".turn").last).to_have_attribute("data-done", "true", timeout=60_000)


def _ask_and_confirm(page: Page, demo: Demo, shot: str, received: list[dict]) -> tuple[str, str, str]:
    """Ask QUESTION, check the streamed answer and the pending action, confirm it; returns the action's and the
    email's ids and the conversation's. `received` is the page's WebSocket frames (`_record_frames`)."""
    start = len(received)
    _ask(page, QUESTION)
    frames = received[start:]
    turn = page.locator(".turn").last

    streamed = "".join(f["text"] for f in frames if f.get("type") == "token")
    assert streamed, [f.get("type") for f in frames]  # the answer came over the socket, token by token
    types = [f["type"] for f in frames if f.get("ref") is not None]
    assert types[0] == "conversation" and types[-1] == "done" and "pending_action" in types, types
    answer = turn.locator(".answer-text")
    expect(answer).to_have_text(streamed)
    expect(answer).to_contain_text("Ready for your confirmation")
    expect(answer).to_have_attribute("aria-live", "polite")

    expect(turn.locator(".result-group.gmail h3")).to_have_text("Email (1)")
    expect(turn.locator(".result-group.gmail a")).to_have_attribute("href", re.compile(r"^https://mail\.google\.com/"))
    card = turn.locator('.action[data-state="pending"]')
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_contain_text("to Trash")
    expect(card.locator(".preview li").first).to_contain_text("Nadia")
    action_id = card.get_attribute("data-action")
    (pending,) = [f for f in frames if f.get("type") == "pending_action"]
    assert pending["id"] == action_id
    email_id = demo.action(action_id)["args"]["email_id"]
    assert not demo.message(email_id)["trashed"]
    page.screenshot(path=str(ARTIFACTS / f"{shot}-pending.png"), full_page=True)

    card.get_by_role("button", name="Confirm").click()
    done = turn.locator(f'.action[data-action="{action_id}"]')
    expect(done).to_have_attribute("data-state", "done", timeout=30_000)
    expect(done.locator(".outcome")).to_have_text("Done.")
    expect(done.locator(".outcome")).to_be_focused()
    assert demo.message(email_id)["trashed"], "confirmed, but the emulator's message is not in the trash"
    assert demo.action(action_id)["state"] == "done"
    page.screenshot(path=str(ARTIFACTS / f"{shot}-confirmed.png"), full_page=True)
    (conversation,) = {f["conversation_id"] for f in frames if f.get("type") == "conversation"}
    return action_id, email_id, conversation


def test_extension_panel_asks_streams_and_confirms(extension: tuple[BrowserContext, str], demo: Demo) -> None:
    context, extension_id = extension
    _set_server(context, extension_id, demo.url)
    page = context.new_page()
    received = _record_frames(page)
    page.goto(f"chrome-extension://{extension_id}/panel.html")
    expect(page.locator("#who")).not_to_have_text("Connecting…")
    assert page.evaluate("window.__identityCalls") >= 1  # the panel asked chrome.identity for a Google token
    if requests.post(f"{demo.url}/auth/token", json={}, timeout=5).status_code != 404:
        # The server signs in: the panel exchanged the Google token for the server's bearer and keeps it.
        expect(page.locator("#who")).to_contain_text(DEMO_USER)
        stored = page.evaluate("chrome.storage.session.get('serverToken').then(s => s.serverToken)")
        assert stored and stored["token"] and stored["email"] == DEMO_USER
    expect(page.locator("#sync-status")).to_contain_text("Email ✓", timeout=15_000)
    expect(page.locator("#problem")).to_be_hidden()

    _action, _email, first_conversation = _ask_and_confirm(page, demo, "extension-panel", received)

    # The conversation is in the history; opening it shows its turn and continues it.
    page.get_by_role("button", name="History").click()
    entry = page.locator("#history-list button", has_text=QUESTION).first
    expect(entry).to_be_visible()
    expect(page.locator("#history-list button").first).to_be_focused()
    page.screenshot(path=str(ARTIFACTS / "extension-panel-history.png"), full_page=True)
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".turn")).to_have_count(0)
    page.get_by_role("button", name="History").click()
    entry.click()
    expect(page.locator("#history")).to_be_hidden()
    expect(page.locator(".turn .question")).to_have_text([QUESTION])
    expect(page.get_by_label("Ask", exact=True)).to_be_focused()

    # Continuing it: a search, then a follow-up that acts on what that answer listed.
    start = len(received)
    _ask(page, "emails from nadia")
    second = page.locator(".turn").last.locator(".result-group.gmail li a").nth(1).inner_text()
    _ask(page, "reply to the second one saying thanks, talk soon")
    conversations = {f["conversation_id"] for f in received[start:] if f.get("type") == "conversation"}
    assert len(conversations) == 1 and conversations == {first_conversation}, (conversations, first_conversation)
    reply = page.locator(".turn").last.locator('.action[data-state="pending"]')
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text(second)
    page.screenshot(path=str(ARTIFACTS / "extension-panel-follow-up.png"), full_page=True)
    reply.get_by_role("button", name="Cancel").click()
    expect(page.locator(".turn").last.locator(".action")).to_have_attribute("data-state", "cancelled")


def test_extension_panel_shows_expired_sign_in_and_offline_server(extension: tuple[BrowserContext, str],
                                                                  demo: Demo) -> None:
    context, extension_id = extension
    _set_server(context, extension_id, demo.url)
    page = context.new_page()
    page.goto(f"chrome-extension://{extension_id}/panel.html")
    expect(page.locator("#who")).not_to_have_text("Connecting…")

    # A server bearer the server no longer accepts (expired, or revoked).
    page.evaluate("chrome.storage.session.set({serverToken: {token: 'expired-token', expires_at: null}})")
    page.reload()
    problem = page.locator("#problem")
    expect(problem).to_be_visible(timeout=15_000)
    expect(problem).to_have_attribute("data-kind", "auth")
    expect(problem).to_contain_text("sign-in has expired")
    assert page.evaluate("chrome.storage.session.get('serverToken').then(s => s.serverToken)") is None
    page.screenshot(path=str(ARTIFACTS / "extension-panel-expired.png"), full_page=True)
    problem.get_by_role("button", name="Sign in").click()
    expect(problem).to_be_hidden()
    expect(page.locator("#who")).not_to_have_text("Not signed in.")
    expect(page.locator("#sync-status")).to_contain_text("Email ✓", timeout=15_000)

    # The server is not there: a clear message, Retry, and the way to the settings.
    _set_server(context, extension_id, f"http://127.0.0.1:{free_port()}")
    expect(problem).to_have_attribute("data-kind", "offline", timeout=15_000)
    expect(problem).to_contain_text("Can't reach the server")
    expect(problem.get_by_role("button", name="Retry")).to_be_visible()
    expect(problem.get_by_role("button", name="Server settings")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "extension-panel-offline.png"), full_page=True)
    _set_server(context, extension_id, demo.url)  # the panel reconnects by itself
    expect(problem).to_be_hidden(timeout=15_000)


def test_web_page_at_root_asks_confirms_and_undoes(pw: Playwright, demo: Demo) -> None:
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=False, args=FLAGS)
    try:
        page = browser.new_page(viewport={"width": 900, "height": 900})
        received = _record_frames(page)
        page.goto(demo.url + "/")
        expect(page).to_have_title("Workspace Orchestrator")
        expect(page.locator("#who")).not_to_have_text("Connecting…")
        expect(page.locator("#open-options")).to_be_hidden()  # no extension settings on the web page
        action_id, email_id, _conversation = _ask_and_confirm(page, demo, "web-page", received)

        card = page.locator(f'.action[data-action="{action_id}"]')
        card.get_by_role("button", name="Undo").click()
        expect(card).to_have_attribute("data-state", "undone", timeout=30_000)
        assert not demo.message(email_id)["trashed"], "undone, but the message is still in the trash"

        # Rate limited: the socket fails, the REST fallback gets 429 with Retry-After.
        limited = browser.new_page(viewport={"width": 900, "height": 700})
        limited.route_web_socket("**/ws", lambda ws: ws.close())
        limited.route("**/api/v1/query/stream", lambda route: route.fulfill(
            status=429, headers={"Retry-After": "7", "Content-Type": "application/json"},
            body=json.dumps({"error": "rate_limited", "message": "Slow down."})))
        limited.goto(demo.url + "/")
        expect(limited.locator("#who")).not_to_have_text("Connecting…")
        query = limited.get_by_label("Ask", exact=True)
        query.fill("my meetings on December 5")
        query.press("Enter")
        problem = limited.locator("#problem")
        expect(problem).to_have_attribute("data-kind", "rate_limited", timeout=15_000)
        expect(problem).to_contain_text("Try again in 7 s")
        limited.screenshot(path=str(ARTIFACTS / "web-page-rate-limited.png"), full_page=True)
        limited.unroute("**/api/v1/query/stream")
        problem.get_by_role("button", name="Retry").click()  # REST again (the socket still fails), now answered
        expect(limited.locator(".turn").last).to_have_attribute("data-done", "true", timeout=60_000)
        expect(limited.locator(".turn")).to_have_count(1)
        expect(limited.locator(".result-group.calendar li").first).to_be_visible()
    finally:
        browser.close()
