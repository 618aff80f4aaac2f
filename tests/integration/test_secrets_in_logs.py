"""No credential reaches a log line, and tokens are stored encrypted.

Every log record of the module's flows — a web sign-in at the emulator (authorization code, state, client
secret, Google's access and refresh tokens), the extension's bearer token, requests with the bearer token and the
session cookie, a WebSocket with `?token=` on a real server (whose request line werkzeug logs), Gmail pushes with
good and garbage tokens, add-on calls with a garbage token, tokeninfo being unreachable (a URL carrying the access
token in the exception) and logout — is formatted by the production JSON formatter at DEBUG, and no line may
contain any of those values, nor the token encryption key.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from emulator.testing import EmulatorServer
from server import accounts
from server.app import create_app
from server.config import Config
from server.devinfra import free_port
from server.logs import JsonFormatter
from server.store import users
from tests.integration.test_addon import AGENT, BASE
from tests.integration.test_auth import (CLIENT_ID, CLIENT_SECRET, EXTENSION_CLIENT, finish, google_config,
                                         google_token, set_cookies, start_login)
from tests.integration.test_push_webhook import AUDIENCE, SERVICE_ACCOUNT, pubsub_body
from tests.support.http_standin import serve
from tests.support.ws_client import WsClient

EMAIL = "lena@atlas.com"


class _Lines(logging.Handler):
    """Keeps every record as the production formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        server.control.register_client(CLIENT_ID, CLIENT_SECRET)
        server.control.register_client(EXTENSION_CLIENT, "ext-secret")
        yield server


@pytest.fixture(scope="module")
def log_lines() -> Iterator[_Lines]:
    """Every log line of the module, at DEBUG, through the JSON formatter."""
    root = logging.getLogger()
    handler, level = _Lines(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(scope="module")
def web_config(config: Config, emu: EmulatorServer) -> Config:
    certs = emu.url + "/_emulator/oauth2/v1/certs"
    return google_config(config, emu, push_audience=AUDIENCE, push_service_account=SERVICE_ACCOUNT,
                         push_certs_url=certs, addon_base_url=BASE, addon_service_agent=AGENT, addon_certs_url=certs)


@pytest.fixture(scope="module")
def web_app(web_config: Config) -> Iterator[Flask]:
    app = create_app(web_config)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def flows(web_app: Flask, web_config: Config, emu: EmulatorServer, log_lines: _Lines) -> dict[str, Any]:
    """Run every flow once; returns the secrets they used."""
    secrets: dict[str, str] = {"client_secret": CLIENT_SECRET, "encryption_key": web_config.token_encryption_key or ""}
    browser = web_app.test_client()
    callback = start_login(browser, "/inbox", EMAIL)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    secrets.update(code=query["code"], state=query["state"])
    signed_in = finish(browser, callback)
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    secrets["session_cookie"] = set_cookies(signed_in)["wo_session"].value
    with web_app.extensions["wo"].pool.connection() as conn:
        user = users.get_by_email(conn, EMAIL)
    box = accounts.cipher(web_config)
    secrets["google_access"] = box.decrypt(user.google_access_token_enc, str(user.id))
    secrets["google_refresh"] = box.decrypt(user.google_refresh_token_enc, str(user.id))

    api = web_app.test_client()
    secrets["extension_google_token"] = google_token(emu, EMAIL)
    issued = api.post("/auth/token", json={"google_access_token": secrets["extension_google_token"]})
    assert issued.status_code == 200, issued.get_json()
    secrets["bearer"] = issued.get_json()["token"]
    bearer = {"Authorization": f"Bearer {secrets['bearer']}"}
    assert api.get("/auth/me", headers=bearer).status_code == 200
    assert api.get("/api/v1/actions", headers=bearer).status_code == 200
    assert api.post("/api/v1/query", headers=bearer, json={"query": "emails from nadia"}).status_code == 200
    assert browser.get("/api/v1/conversations").status_code == 200  # the session cookie
    secrets["wrong_bearer"] = "wo_" + "f" * 32 + "_notARealSessionButSecretAnyway"
    assert api.get("/auth/me", headers={"Authorization": f"Bearer {secrets['wrong_bearer']}"}).status_code == 401

    with serve(web_app) as base:
        ws = WsClient(base.replace("http://", "ws://") + "/ws?token=" + secrets["bearer"])
        try:
            assert json.loads(ws.receive())["type"] == "hello"
            ws.send(json.dumps({"type": "query", "query": "my next meeting"}))
            while json.loads(ws.receive(timeout=30))["type"] not in ("done", "error"):
                pass
        finally:
            ws.close()

    signer = emu.app.extensions["emulator.signer"]
    secrets["push_token"] = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    push = api.post("/webhooks/gmail", json=pubsub_body(email=EMAIL),
                    headers={"Authorization": f"Bearer {secrets['push_token']}"})
    assert push.status_code == 204
    secrets["garbage_push_token"] = "not-a-jwt-PushSecret12345"
    assert api.post("/webhooks/gmail", json=pubsub_body(email=EMAIL),
                    headers={"Authorization": f"Bearer {secrets['garbage_push_token']}"}).status_code == 401
    secrets["garbage_segment"] = "AddonSecretSegment987"
    addon = api.post("/addon/homepage", json={}, headers={"Authorization": "Bearer aaaa." + secrets["garbage_segment"]
                                                          + ".cccc"})
    assert addon.status_code == 401

    down = create_app(web_config.with_(google_tokeninfo_uri=f"http://127.0.0.1:{free_port()}/tokeninfo"))
    try:
        secrets["unreachable_google_token"] = google_token(emu, EMAIL)
        refused = down.test_client().post("/auth/token",
                                          json={"google_access_token": secrets["unreachable_google_token"]})
        assert refused.status_code == 503
    finally:
        down.extensions["wo"].close()

    assert browser.post("/auth/logout").status_code == 204
    return secrets


def test_the_flows_were_logged(flows, log_lines) -> None:
    """The test below reads real lines: sign-in, the token, the socket's request line, pushes, failures."""
    text = "\n".join(log_lines.lines)
    for expected in ('"signed in"', '"bearer token issued"', "/ws?token=[redacted]", '"gmail push"',
                     '"gmail push with an invalid token"', '"add-on request with an invalid token"',
                     '"google oauth unreachable"', '"signed out"'):
        assert expected in text, expected


def test_no_log_line_carries_a_credential(flows, log_lines) -> None:
    assert all(len(v) >= 8 for v in flows.values()), "each secret is specific enough to look for"
    leaks = [(name, line) for line in log_lines.lines for name, value in flows.items() if value in line]
    assert not leaks, f"{len(leaks)} leaks, e.g. {leaks[0][0]} in {leaks[0][1][:400]}"


def test_google_tokens_are_stored_encrypted_and_sessions_as_hashes(flows, web_app) -> None:
    with web_app.extensions["wo"].pool.connection() as conn:
        conn.execute("UPDATE users SET google_access_token_enc = %s, google_refresh_token_enc = %s "
                     "WHERE email = %s AND google_access_token_enc IS NULL",
                     (None, None, EMAIL))  # logout dropped them: sign in again below for a fresh pair
    again = web_app.test_client()
    assert finish(again, start_login(again, "/", EMAIL)).status_code == 302
    with web_app.extensions["wo"].pool.connection() as conn:
        user = users.get_by_email(conn, EMAIL)
        row = conn.execute("SELECT * FROM users WHERE id = %s", (user.id,)).fetchone()
        sessions = conn.execute("SELECT * FROM sessions WHERE user_id = %s", (user.id,)).fetchall()
    box = accounts.cipher(web_app.extensions["wo"].config)
    plain = [box.decrypt(user.google_access_token_enc, str(user.id)),
             box.decrypt(user.google_refresh_token_enc, str(user.id))]
    assert plain[0].startswith("ya29.") and plain[1].startswith("1//")  # they are Google's tokens, encrypted
    for value in row:
        stored = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
        for token in plain:
            assert token.encode() not in stored and token[5:25].encode() not in stored
    stored_sessions = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
                               for s in sessions for v in s)
    assert sessions and flows["bearer"].encode() not in stored_sessions
    assert flows["session_cookie"].encode() not in stored_sessions
