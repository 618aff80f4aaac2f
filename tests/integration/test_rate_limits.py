"""Per-user request limits by tier on the real app and real Redis: 429 with Retry-After and the catalogue's
message once a tier's allowance is spent, the X-RateLimit-* headers, tiers that differ, people who do not affect
each other, what is not counted, `query` frames on /ws, add-on callbacks (an error card), and a stopped Redis
(reads go on, side effects are refused with 503)."""
from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from server.actions import propose
from server.app import create_app
from server.config import DEFAULT_RATE_LIMIT_TIERS, Config
from server.devinfra import EmbeddedRedis
from server import catalogue
from server.faces.limits import EXEMPT, ROUTES
from server.store import sessions, users
from tests.integration.test_addon import addon_config, emu, event, post, signer  # noqa: F401 (fixtures)
from tests.support.http_standin import serve
from tests.support.ws_client import WsClient

CATALOGUE_MESSAGE = "We're processing too many requests right now. Please wait a moment and try again."
SMALL_TIERS = (("free", 3), ("pro", 6), ("enterprise", 50))


def make_user(app: Flask, tier: str = "free", email: str | None = None) -> tuple[users.User, dict[str, str]]:
    """A user on `tier` and the headers of a bearer token of theirs."""
    with app.extensions["wo"].pool.connection() as conn:
        user = users.upsert(conn, email or f"{uuid.uuid4().hex[:10]}@limits.example")
        users.set_tier(conn, user.id, tier)
        issued = sessions.create(conn, user.id, "bearer", "dev", timedelta(hours=1))
    return user, {"Authorization": f"Bearer {issued.token}"}


def pending_action(app: Flask, user: users.User) -> str:
    with app.extensions["wo"].pool.connection() as conn:
        return str(propose(conn, user.id, "send_email", {"to": ["bob@partner.example"], "subject": "Hi",
                                                         "body": "Hello Bob."}).id)


def action_state(app: Flask, user: users.User, action_id: str) -> str:
    with app.extensions["wo"].pool.connection() as conn:
        return conn.execute("SELECT state FROM pending_actions WHERE user_id = %s AND id = %s",
                            (user.id, action_id)).fetchone()[0]


@pytest.fixture(scope="module")
def small(config: Config) -> Iterator[Flask]:
    """The app with small tiers (free 3/h, pro 6/h, enterprise 50/h), so allowances run out in a few requests."""
    app = create_app(config.with_(rate_limit_tiers=SMALL_TIERS))
    yield app
    app.extensions["wo"].close()


def test_the_default_tiers_are_the_designs() -> None:
    assert dict(DEFAULT_RATE_LIMIT_TIERS) == {"free": 100, "pro": 1000, "enterprise": 10000}
    assert catalogue.message("rate_limited") == CATALOGUE_MESSAGE  # the design documents' words
    assert dict(Config.from_env({}).rate_limit_tiers) == {"free": 100, "pro": 1000, "enterprise": 10000}
    assert dict(Config.from_env({"RATE_LIMIT_TIERS": "pro=2000"}).rate_limit_tiers)["pro"] == 2000


@pytest.mark.parametrize("raw", ["gold=5", "free=0", "free=lots", "free"])
def test_a_malformed_tier_setting_is_refused(raw: str) -> None:
    from server.config import ConfigError

    with pytest.raises(ConfigError, match="RATE_LIMIT_TIERS"):
        Config.from_env({"RATE_LIMIT_TIERS": raw})


def test_a_free_user_gets_100_requests_then_429_with_retry_after(app: Flask) -> None:
    user, auth = make_user(app, "free")
    client = app.test_client()
    remaining = []
    for _ in range(100):
        response = client.get("/api/v1/actions", headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["X-RateLimit-Limit"] == "100"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == list(range(99, -1, -1))
    refused = client.get("/api/v1/actions", headers=auth)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and body["message"] == CATALOGUE_MESSAGE and body["request_id"]
    # One request comes back every 36 s (100 an hour); the wait is what is left of that.
    assert 1 <= body["retry_after"] <= 36
    assert refused.headers["Retry-After"] == str(body["retry_after"])
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 3500 <= int(refused.headers["X-RateLimit-Reset"]) <= 3600  # until all 100 are back


def test_tiers_differ(app: Flask) -> None:
    client = app.test_client()
    for tier, limit in (("pro", 1000), ("enterprise", 10000)):
        _, auth = make_user(app, tier)
        for _ in range(101):  # past what a free user may do
            response = client.get("/api/v1/sync/status", headers=auth)
            assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == str(limit)
        # 101 taken; what refilled meanwhile (2.8 a second for enterprise) comes back
        assert limit - 101 <= int(response.headers["X-RateLimit-Remaining"]) < limit - 90


def test_allowances_follow_the_configured_tiers(small: Flask) -> None:
    client = small.test_client()
    for tier, limit in SMALL_TIERS:
        _, auth = make_user(small, tier)
        statuses = [client.get("/api/v1/conversations", headers=auth).status_code for _ in range(limit + 1)]
        assert statuses == [200] * limit + [429], tier


def test_one_persons_exhaustion_leaves_others_alone(small: Flask) -> None:
    client = small.test_client()
    _, first = make_user(small)
    _, second = make_user(small)
    for _ in range(3):
        client.get("/api/v1/actions", headers=first)
    assert client.get("/api/v1/actions", headers=first).status_code == 429
    response = client.get("/api/v1/actions", headers=second)
    assert response.status_code == 200 and response.headers["X-RateLimit-Remaining"] == "2"


def test_a_refused_side_effect_does_nothing(small: Flask) -> None:
    user, auth = make_user(small)
    action = pending_action(small, user)
    client = small.test_client()
    for _ in range(3):
        client.get(f"/api/v1/actions/{action}", headers=auth)
    refused = client.post(f"/api/v1/actions/{action}/cancel", headers=auth)
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert action_state(small, user, action) == "pending"


def test_every_working_route_is_counted_and_nothing_else(small: Flask) -> None:
    api = {rule.endpoint for rule in small.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert api - EXEMPT == set(ROUTES), "classify each /api/v1 route (read or side effect) in server/faces/limits.py"
    assert ROUTES["actions_api.confirm_action"] == ROUTES["sync_api.sync_now"] == "side_effect"
    assert ROUTES["query_api.query_route"] == ROUTES["search_api.search_route"] == "read"
    _, auth = make_user(small)
    client = small.test_client()
    assert client.get("/api/v1/actions", headers=auth).headers["X-RateLimit-Remaining"] == "2"
    for path in ("/healthz", "/readyz", "/api/v1/openapi.json", "/", "/auth/me"):
        response = client.get(path, headers=auth)
        assert response.status_code == 200, path
        assert "X-RateLimit-Limit" not in response.headers, path
    assert client.get("/api/v1/actions", headers=auth).headers["X-RateLimit-Remaining"] == "1"


def test_a_stream_is_counted_before_it_starts(small: Flask) -> None:
    _, auth = make_user(small)
    client = small.test_client()
    for _ in range(3):
        client.get("/api/v1/actions", headers=auth)
    refused = client.post("/api/v1/query/stream", json={"query": "emails from nadia"}, headers=auth)
    assert refused.status_code == 429 and refused.mimetype == "application/json"


def test_query_frames_on_the_websocket_are_counted(small: Flask) -> None:
    """Each `query` frame takes one request; over the limit it gets an error frame and the socket stays open."""
    _, auth = make_user(small)
    token = auth["Authorization"].split()[1]
    client = small.test_client()
    for _ in range(3):
        client.get("/api/v1/actions", headers=auth)
    with serve(small) as base:
        ws = WsClient(base.replace("http://", "ws://") + f"/ws?token={token}")
        try:
            assert json.loads(ws.receive(timeout=10))["type"] == "hello"
            ws.send(json.dumps({"type": "query", "id": "q1", "query": "emails from nadia"}))
            frame = json.loads(ws.receive(timeout=30))
            assert frame["type"] == "error" and frame["error"] == "rate_limited" and frame["ref"] == "q1"
            assert frame["message"] == CATALOGUE_MESSAGE and frame["retry_after"] >= 1
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.receive(timeout=10)) == {"type": "pong"}
        finally:
            ws.close()


@pytest.fixture(scope="module")
def addon_small(addon_config: Config) -> Iterator[Flask]:  # noqa: F811
    app = create_app(addon_config.with_(rate_limit_tiers=SMALL_TIERS))
    yield app
    app.extensions["wo"].close()


def test_addon_callbacks_are_counted_and_answer_with_an_error_card(addon_small: Flask, signer) -> None:  # noqa: F811
    from tests.integration.test_addon import SAM

    make_user(addon_small, "free", email=SAM)
    answers = [post(addon_small, signer, "/addon/actions", event(signer)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4  # Google shows cards, not statuses
    assert all("error-" not in json.dumps(a.get_json()) for a in answers[:3])
    card = answers[3].get_json()["renderActions"]["action"]["navigations"][0]["pushCard"]
    assert card["name"] == "error-rate_limited" and card["header"]["title"] == catalogue.entry("rate_limited").title
    assert CATALOGUE_MESSAGE in json.dumps(card)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, to stop (the session's stays up for everyone else)."""
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    server.start()
    yield server
    server.stop()


def test_with_redis_down_reads_go_on_and_side_effects_are_refused(config: Config,
                                                                  own_redis: EmbeddedRedis) -> None:
    app = create_app(config.with_(redis_url=own_redis.url, rate_limit_tiers=SMALL_TIERS))
    try:
        user, auth = make_user(app)
        action = pending_action(app, user)
        client = app.test_client()
        assert client.get("/api/v1/actions", headers=auth).headers["X-RateLimit-Remaining"] == "2"
        own_redis.stop()
        for _ in range(5):  # more than the allowance: nothing is counted while Redis is away
            read = client.get("/api/v1/actions", headers=auth)
            assert read.status_code == 200 and "X-RateLimit-Limit" not in read.headers
        search = client.get("/api/v1/search?q=budget", headers=auth)
        assert search.status_code == 200, search.get_data(as_text=True)
        refused = client.post(f"/api/v1/actions/{action}/cancel", headers=auth)
        assert refused.status_code == 503
        assert refused.get_json()["error"] == "changes_paused"
        assert refused.get_json()["message"] == catalogue.message("changes_paused")
        assert int(refused.headers["Retry-After"]) >= 1
        assert action_state(app, user, action) == "pending"
        own_redis.start()  # same port, empty: the limiter asks it again a second after its last failure
        time.sleep(1.2)
        done = client.post(f"/api/v1/actions/{action}/cancel", headers=auth)
        assert done.status_code == 200 and done.get_json()["state"] == "cancelled"
        assert done.headers["X-RateLimit-Remaining"] == "2"  # a fresh bucket: the restart forgot the count
    finally:
        app.extensions["wo"].close()
