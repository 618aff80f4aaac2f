"""GET /metrics after real traffic: requests through the Flask app (query, search, an action confirmed against
the emulator, WebSocket frames on a served app), the LLM stand-in answering and failing, jobs in the real Redis
queues and sync_status rows in the real PostgreSQL; and a scrape that still answers with Redis and PostgreSQL gone.

Metric objects are process-wide, so every assertion compares a scrape before with a scrape after."""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

import pytest
import redis
from flask import Flask
from rq import Queue

from emulator.testing import EmulatorServer
from server import accounts
from server.actions import propose
from server.app import create_app
from server.config import Config
from server.devinfra import free_port
from server.store import users
from tests.support.http_standin import serve
from tests.support.openai_standin import OpenAIStandIn, Scripted
from tests.support.prometheus import Samples
from tests.support.ws_client import WsClient
from workers import gmail_sync
from tests.support.emulated import connect, emulated

SAM = "sam@atlas.com"
NOW = "2023-11-30T00:00:00Z"
SEARCH = {"text": "emails about the weekend sale", "service": "gmail", "operation": "search",
          "services": ["gmail"], "entities": {"query": "weekend sale"}}


@pytest.fixture(scope="module")
def openai_standin() -> Iterator[OpenAIStandIn]:
    standin = OpenAIStandIn()
    with serve(standin.app()) as base:
        standin.base = base  # type: ignore[attr-defined]
        yield standin


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer, openai_standin: OpenAIStandIn) -> Iterator[Flask]:
    cfg = emulated(config, emulator, openai_api_key="sk-test",
                   openai_base_url=f"{openai_standin.base}/v1")  # type: ignore[attr-defined]
    app = create_app(cfg)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def sam(api: Flask, emulator: EmulatorServer) -> users.User:
    """The demo user, connected to the emulator, with two emails synced into the index."""
    svc = api.extensions["wo"]
    user = connect(svc, emulator, SAM)
    for message_id, subject in (("sale01", "Weekend sale"), ("sale02", "Flash sale")):
        emulator.control.deliver(SAM, **{"from": "promo@shop.example", "subject": subject, "id": message_id,
                                         "body": "Everything half price."})
    with accounts.google_for(svc.pool, svc.config, user) as g:
        gmail_sync.full(svc, g, user.id)
    return user


@pytest.fixture(autouse=True)
def _fresh(api: Flask, openai_standin: OpenAIStandIn) -> Iterator[None]:
    api.extensions["wo"].redis.flushdb()
    api.extensions["wo"]._llm = None  # a fresh router: no breaker carried over
    openai_standin.chat_script.clear()
    openai_standin.chat_default = Scripted()
    yield
    openai_standin.chat_default = Scripted()


def scrape(client: Any, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return Samples.parse(response.get_data(as_text=True))


def test_requests_are_counted_by_route_template_never_by_raw_path(api, sam) -> None:
    client = api.test_client()
    before = scrape(client)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for action_id in ids:
        assert client.get(f"/api/v1/actions/{action_id}").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405
    response = client.get("/metrics")
    after = Samples.parse(response.get_data(as_text=True))
    route = "/api/v1/actions/<action_id>"
    assert after.value("wo_http_requests_total", route=route, method="GET", status="404") == \
        before.value("wo_http_requests_total", route=route, method="GET", status="404") + 3
    assert after.value("wo_http_request_duration_seconds_count", route=route, method="GET") == \
        before.value("wo_http_request_duration_seconds_count", route=route, method="GET") + 3
    assert after.value("wo_http_request_duration_seconds_bucket", route=route, method="GET", le="+Inf") == \
        after.value("wo_http_request_duration_seconds_count", route=route, method="GET")
    assert after.value("wo_http_requests_total", route="unmatched", method="GET", status="404") == \
        before.value("wo_http_requests_total", route="unmatched", method="GET", status="404") + 1
    assert after.value("wo_http_requests_total", route="unmatched", method="other", status="405") == \
        before.value("wo_http_requests_total", route="unmatched", method="other", status="405") + 1
    text = response.get_data(as_text=True)
    assert not any(action_id in text for action_id in ids) and "/no/such/page" not in text and "BREW" not in text
    # (Other test modules' apps count into the same process-wide metrics, so only this family is checked whole.)
    action_routes = {r for r in after.label_values("wo_http_requests_total", "route")
                     if r.startswith("/api/v1/actions/")}
    assert action_routes and action_routes <= {rule.rule for rule in api.url_map.iter_rules()}


def test_a_query_a_search_and_a_confirmed_action_move_their_counters_and_llm_tokens(api, sam, emulator,
                                                                                   openai_standin) -> None:
    client = api.test_client()
    before = scrape(client)
    openai_standin.chat_script[:] = [Scripted(json.dumps(SEARCH), input_tokens=900, output_tokens=80),
                                     Scripted("Two sales this week.", input_tokens=400, output_tokens=30)]
    answered = client.post("/api/v1/query", json={"query": "emails about the weekend sale", "now": NOW})
    assert answered.status_code == 200 and answered.get_json()["intent"]["source"] == "llm"
    for _ in range(2):
        assert client.get("/api/v1/search", query_string={"q": "flash sale"}).status_code == 200
    with api.extensions["wo"].pool.connection() as conn:
        action = propose(conn, sam.id, "send_email",
                         {"to": ["bob@partner.example"], "subject": "Metrics", "body": "Counted."}).id
    assert client.post(f"/api/v1/actions/{action}/confirm").get_json()["state"] == "done"
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("wo_http_requests_total", route="/api/v1/query", method="POST", status="200") == 1
    assert moved("wo_http_requests_total", route="/api/v1/search", method="GET", status="200") == 2
    assert moved("wo_http_requests_total", route="/api/v1/actions/<action_id>/confirm", method="POST",
                 status="200") == 1
    assert moved("wo_http_request_duration_seconds_count", route="/api/v1/actions/<action_id>/confirm",
                 method="POST") == 1
    assert moved("wo_http_request_duration_seconds_sum", route="/api/v1/query", method="POST") > 0
    model = api.extensions["wo"].config.llm_openai_model
    llm = {"provider": "openai", "model": model}
    assert moved("wo_llm_tokens_total", **llm, call="classify", kind="input") == 900
    assert moved("wo_llm_tokens_total", **llm, call="classify", kind="output") == 80
    assert moved("wo_llm_tokens_total", **llm, call="synthesis", kind="input") == 400
    assert moved("wo_llm_tokens_total", **llm, call="synthesis", kind="output") == 30
    assert moved("wo_llm_calls_total", **llm, call="classify") == 1
    assert moved("wo_llm_cost_usd_total", **llm, call="classify") == pytest.approx((900 * 0.15 + 80 * 0.60) / 1e6)
    # The classification was not cached yet (miss); the second identical search found the query's vector in the
    # process memo; the first went on to Redis (flushed: a miss).
    assert moved("wo_cache_lookups_total", cache="llm_classification", result="miss") == 1
    assert moved("wo_cache_lookups_total", cache="query_embedding_memo", result="hit") >= 1
    assert moved("wo_cache_lookups_total", cache="query_embedding_redis", result="miss") >= 1
    text = client.get("/metrics").get_data(as_text=True)
    for private in (SAM, str(sam.id), "weekend sale", "flash sale", "bob@partner.example", str(action)):
        assert private not in text


def test_the_same_question_again_is_a_classification_cache_hit(api, sam, openai_standin) -> None:
    client = api.test_client()
    openai_standin.chat_default = Scripted(json.dumps(SEARCH))
    ask = {"query": "emails about the weekend sale", "now": NOW}
    client.post("/api/v1/query", json=ask)
    before = scrape(client)
    client.post("/api/v1/query", json=ask)
    after = scrape(client)
    hits = ("wo_cache_lookups_total", {"cache": "llm_classification", "result": "hit"})
    assert after.value(hits[0], **hits[1]) == before.value(hits[0], **hits[1]) + 1


def test_an_opened_llm_breaker_shows_as_open(api, sam, openai_standin) -> None:
    client = api.test_client()
    openai_standin.chat_default = Scripted(status=500, retry_after="0")
    body = client.post("/api/v1/query", json={"query": "emails about the weekend sale", "now": NOW}).get_json()
    assert body["intent"]["source"] == "offline"
    after = scrape(client)
    assert after.get("wo_breaker_state", breaker="llm:openai") == 2
    assert after.value("wo_breaker_consecutive_failures", breaker="llm:openai") >= 3


def test_queue_depth_counts_the_jobs_waiting_in_each_queue(api, redis_url) -> None:
    connection = redis.Redis.from_url(redis_url)
    for _ in range(3):
        Queue("sync", connection=connection).enqueue("workers.jobs.heartbeat")
    Queue("embed", connection=connection).enqueue("workers.jobs.heartbeat")
    after = scrape(api.test_client())
    assert after.get("wo_queue_depth", queue="sync") == 3
    assert after.get("wo_queue_depth", queue="embed") == 1
    assert after.get("wo_queue_depth", queue="priority") == 0
    assert after.get("wo_dependency_up", dependency="redis") == 1


def test_sync_lag_and_states_come_from_sync_status(api) -> None:
    with api.extensions["wo"].pool.connection() as conn:
        made = [users.upsert(conn, f"lag{i}@atlas.com") for i in range(3)]
        conn.execute("DELETE FROM sync_status WHERE service = 'drive'")
        conn.cursor().executemany(
            "INSERT INTO sync_status (user_id, service, state, last_success_at) "
            "VALUES (%s, 'drive', %s, now() - %s::interval)",
            [(made[0].id, "ok", "2 hours"), (made[1].id, "error", "10 minutes"), (made[2].id, "needs_reauth", None)])
    after = scrape(api.test_client())
    lag = after.get("wo_sync_lag_seconds", service="drive")
    assert lag is not None and 7200 <= lag < 7200 + 120
    assert after.get("wo_sync_users", service="drive", state="error") == 1
    assert after.get("wo_sync_users", service="drive", state="needs_reauth") == 1
    assert after.get("wo_sync_users", service="drive", state="ok") == 1
    assert after.get("wo_dependency_up", dependency="postgres") == 1


def test_websocket_frames_count_as_their_own_routes(api, sam) -> None:
    before = scrape(api.test_client())
    with serve(api) as base:
        ws = WsClient(base.replace("http://", "ws://") + "/ws")
        try:
            assert json.loads(ws.receive())["type"] == "hello"
            for frame in ({"type": "ping"}, {"type": "ping"}, {"type": "no such thing"}):
                ws.send(json.dumps(frame))
                assert json.loads(ws.receive())["type"] in ("pong", "error")
        finally:
            ws.close()
    after = scrape(api.test_client())
    assert after.value("wo_http_requests_total", route="/ws:ping", method="WS", status="200") == \
        before.value("wo_http_requests_total", route="/ws:ping", method="WS", status="200") + 2
    assert after.value("wo_http_requests_total", route="/ws:other", method="WS", status="400") == \
        before.value("wo_http_requests_total", route="/ws:other", method="WS", status="400") + 1
    assert after.value("wo_http_request_duration_seconds_count", route="/ws:ping", method="WS") == \
        before.value("wo_http_request_duration_seconds_count", route="/ws:ping", method="WS") + 2


def test_the_scrape_answers_with_redis_and_postgresql_unreachable(config: Config) -> None:
    dead = config.with_(redis_url=f"redis://127.0.0.1:{free_port()}/0",
                        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", ready_timeout=0.5)
    app = create_app(dead)
    try:
        client = app.test_client()
        client.get("/healthz")
        samples = scrape(client)
        assert samples.get("wo_dependency_up", dependency="redis") == 0
        assert samples.get("wo_dependency_up", dependency="postgres") == 0
        assert "wo_queue_depth" not in samples.names() and "wo_sync_lag_seconds" not in samples.names()
        assert samples.value("wo_http_requests_total", route="/healthz", method="GET", status="200") >= 1
    finally:
        app.extensions["wo"].close()


def test_a_metrics_token_is_required_when_configured(config: Config) -> None:
    app = create_app(config.with_(metrics_token="scrape-secret"))
    try:
        client = app.test_client()
        missing = client.get("/metrics")
        assert missing.status_code == 401 and missing.get_json()["error"] == "unauthenticated"
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Basic scrape-secret"}).status_code == 401
        scrape(client, Authorization="Bearer scrape-secret")
    finally:
        app.extensions["wo"].close()
