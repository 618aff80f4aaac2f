"""What every route answers with and what every request is held to, whatever the route: the security headers,
CORS for the extension's origin only, no cross-site writes or sockets, the URL bound, and bounded WebSocket
frames (on a real server, since a WebSocket needs one)."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from flask import Flask

from server.app import create_app
from server.config import Config
from server.crypto import generate_key
from server.faces import security
from server.faces.ws import MAX_FRAME_BYTES
from server.store import users
from tests.support.http_standin import serve
from tests.support.ws_client import Rejected, WsClient

EXTENSION = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"
OTHER_EXTENSION = "chrome-extension://" + "ponmlkjihgfedcbaponmlkjihgfedcba"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def web(config: Config) -> Iterator[Flask]:
    app = create_app(config.with_(extension_origins=(EXTENSION,), token_encryption_key=generate_key()))
    with app.extensions["wo"].pool.connection() as conn:
        users.upsert(conn, "sam@atlas.com")  # the demo user: requests without credentials act as them
    yield app
    app.extensions["wo"].close()


def _each_route(app: Flask) -> list[tuple[str, str]]:
    """(method, concrete path) for every route but the WebSocket, path variables filled with a made-up id."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule == "/ws":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", "panel.js" if rule.endpoint == "web.static_file" else
                                "00000000-0000-0000-0000-000000000000").replace(f"<path:{name}>", "x.css")
        out += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return out


def _conversations(app: Flask) -> int:
    with app.extensions["wo"].pool.connection() as conn:
        return conn.execute("SELECT count(*) FROM conversations").fetchone()[0]


# -- headers ----------------------------------------------------------------------------------------------------

def test_every_route_answers_with_the_security_headers(web) -> None:
    client = web.test_client()
    routes = _each_route(web)
    assert len(routes) > 30
    for method, path in routes:
        response = client.open(path, method=method, json={} if method == "POST" else None)
        where = f"{method} {path} ({response.status_code})"
        assert response.headers["X-Content-Type-Options"] == "nosniff", where
        assert response.headers["X-Frame-Options"] == "DENY", where
        assert response.headers["Referrer-Policy"] == "no-referrer", where
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], where
        assert "Strict-Transport-Security" not in response.headers, f"{where}: plain http"
        if response.mimetype == "application/json":
            assert response.headers["Content-Security-Policy"] == security.CSP_DATA, where
            assert response.headers["Cache-Control"] == "no-store", where


def test_user_data_is_never_cached_and_the_page_keeps_its_own_policy(web) -> None:
    client = web.test_client()
    for path in ("/api/v1/actions", "/api/v1/conversations", "/api/v1/sync/status", "/auth/me"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
    stream = client.post("/api/v1/query/stream", json={"query": "emails from nadia"})
    assert stream.mimetype == "text/event-stream" and stream.headers["Cache-Control"] == "no-store"
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_sign_in_error_page_may_use_its_inline_styles_and_nothing_else(web) -> None:
    page = web.test_client().get("/auth/callback?state=x&code=y", headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == security.CSP_PAGE


@pytest.mark.parametrize("how", ["forwarded", "direct"])
def test_hsts_only_when_the_request_came_over_https(web, how) -> None:
    client = web.test_client()
    if how == "forwarded":
        response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    else:
        response = client.get("/healthz", base_url="https://orchestrator.example")
    assert response.headers["Strict-Transport-Security"] == security.HSTS
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


# -- CORS -------------------------------------------------------------------------------------------------------

def test_the_extension_origin_gets_cors_headers_with_credentials(web) -> None:
    response = web.test_client().get("/api/v1/actions", headers={"Origin": EXTENSION})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", [EVIL, OTHER_EXTENSION, "null", "http://localhost"])
def test_any_other_origin_gets_no_cors_headers(web, origin) -> None:
    response = web.test_client().get("/api/v1/actions", headers={"Origin": origin})
    assert response.status_code == 200  # a read: answered, but a browser will not let that page see it
    assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")]


def test_a_preflight_from_the_extension_is_answered_204(web) -> None:
    response = web.test_client().options("/api/v1/query", headers={
        "Origin": EXTENSION, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 204 and response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS, POST"
    assert {"Authorization", "Content-Type"} <= {h.strip() for h in
                                                 response.headers["Access-Control-Allow-Headers"].split(",")}
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_a_preflight_from_another_origin_is_refused_without_cors_headers(web) -> None:
    response = web.test_client().options("/api/v1/query", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden_origin"
    assert "Access-Control-Allow-Origin" not in response.headers


# -- cross-site writes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:9999", OTHER_EXTENSION])
def test_a_write_from_another_site_is_refused_and_does_nothing(web, origin) -> None:
    before = _conversations(web)
    response = web.test_client().post("/api/v1/conversations", json={"title": "csrf"}, headers={"Origin": origin})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden_origin"
    assert _conversations(web) == before


@pytest.mark.parametrize("origin", [EXTENSION, "http://localhost", None])
def test_writes_from_the_extension_the_own_page_or_no_browser_pass(web, origin) -> None:
    headers = {"Origin": origin} if origin else {}
    response = web.test_client().post("/api/v1/conversations", json={"title": "fine"}, headers=headers)
    assert response.status_code == 201, response.get_json()


def test_without_extension_origins_any_extension_may_write_but_gets_no_cors(config) -> None:
    """Development: an unpacked extension's id varies, so EXTENSION_ORIGINS may be unset; web pages stay out."""
    app = create_app(config)
    try:
        with app.extensions["wo"].pool.connection() as conn:
            users.upsert(conn, "sam@atlas.com")
        client = app.test_client()
        ok = client.post("/api/v1/conversations", json={}, headers={"Origin": OTHER_EXTENSION})
        assert ok.status_code == 201 and "Access-Control-Allow-Origin" not in ok.headers
        assert client.post("/api/v1/conversations", json={}, headers={"Origin": EVIL}).status_code == 403
    finally:
        app.extensions["wo"].close()


# -- limits -----------------------------------------------------------------------------------------------------

def test_an_overlong_url_is_a_json_414_before_anything_runs(web) -> None:
    response = web.test_client().get("/api/v1/search", query_string={"q": "x" * (security.MAX_URL_BYTES + 1)})
    assert response.status_code == 414 and response.get_json()["error"] == "uri_too_long"
    assert response.get_json()["request_id"] == response.headers["X-Request-Id"]
    missing = web.test_client().get("/" + "a" * (security.MAX_URL_BYTES + 1))
    assert missing.status_code == 414  # before routing: even an address that names nothing


def test_the_longest_search_in_any_script_fits_the_url_bound(web) -> None:
    response = web.test_client().get("/api/v1/search", query_string={"q": "予算" * 250, "from": "ナディア" * 50,
                                                                     "after": "2023-01-01", "limit": "10"})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("body", ["[" * 50_000 + "]" * 50_000, '{"query": "a\\u0000b"}', '{"query": "\\ud800"}'],
                         ids=["nested_too_deep", "nul", "lone_surrogate"])
def test_json_the_database_or_parser_cannot_take_is_a_400(web, body) -> None:
    response = web.test_client().post("/api/v1/query", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


# -- the WebSocket ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(web: Flask) -> Iterator[str]:
    with serve(web) as base:
        yield base.replace("http://", "ws://")


def _frames(ws: WsClient, until: str = "done") -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1]["type"] not in (until, "error"):
        frames.append(json.loads(ws.receive(timeout=30) or "null"))
    return frames


def test_a_websocket_from_another_site_is_refused_at_the_handshake(server) -> None:
    with pytest.raises(Rejected) as refused:
        WsClient(server + "/ws", headers={"Origin": EVIL})
    assert refused.value.status == 403
    ws = WsClient(server + "/ws", headers={"Origin": EXTENSION})
    try:
        assert json.loads(ws.receive())["type"] == "hello"
    finally:
        ws.close()


def test_bad_frames_get_error_frames_and_the_socket_stays_open(server) -> None:
    ws = WsClient(server + "/ws")
    try:
        assert json.loads(ws.receive())["type"] == "hello"
        for bad in ("not json", "[" * 20_000 + "]" * 20_000, "[1]", '{"type": "shout"}',
                    json.dumps({"type": "query", "id": "x" * 101, "query": "hi"}),
                    json.dumps({"type": "query", "query": "x" * 2001}),
                    json.dumps({"type": "query", "query": "a\u0000b"})):
            ws.send(bad)
            frame = json.loads(ws.receive())
            assert frame["type"] == "error" and frame["error"] == "bad_request", (bad[:40], frame)
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.receive()) == {"type": "pong"}
    finally:
        ws.close()


def test_a_frame_over_the_limit_closes_the_socket_as_too_big(server) -> None:
    ws = WsClient(server + "/ws")
    try:
        assert json.loads(ws.receive())["type"] == "hello"
        ws.send(json.dumps({"type": "query", "query": "x" * MAX_FRAME_BYTES}))
        with pytest.raises(ConnectionError):
            ws.receive(timeout=10)
        assert ws.close_code == 1009
    finally:
        ws.close()


@pytest.mark.parametrize("query", [{"login_hint": "not-an-address"}, {"login_hint": "a@b.example" + "x" * 320},
                                   {"next": "/inbox\x00"}, {"next": "/" + "a" * 2001}])
def test_a_sign_in_link_with_malformed_parameters_is_a_400(web, query) -> None:
    response = web.test_client().get("/auth/login", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert "Location" not in response.headers


def test_a_callback_with_malformed_parameters_signs_nobody_in(web) -> None:
    response = web.test_client().get("/auth/callback", query_string={"state": "s", "code": "c" * 5000},
                                     headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "login_failed"
    assert "wo_session" not in response.headers.get("Set-Cookie", "")
