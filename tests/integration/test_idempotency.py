"""De-duplication of retried writes (Idempotency-Key, or the client's X-Request-Id) on real Redis and PostgreSQL:
the first success is answered again for 5 minutes, a duplicate of a request still running is 409, keys are per
person, and a failed first answer is not kept."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest
import redis
from flask import Flask
from rq import Queue

from emulator.testing import EmulatorServer
from server.actions import propose
from server.app import create_app
from server.config import Config
from server.resilience import dedup
from server.store import sessions, users
from tests.support.emulated import connect, emulated

SAM = "sam@atlas.com"


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer) -> Iterator[Flask]:
    app = create_app(emulated(config, emulator))
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def people(api: Flask, emulator: EmulatorServer) -> dict[str, Any]:
    svc = api.extensions["wo"]
    sam = connect(svc, emulator, SAM)
    with svc.pool.connection() as conn:
        olga = users.upsert(conn, "olga@other.example")
        olga_token = sessions.create(conn, olga.id, "bearer", "dev", timedelta(hours=1)).token
    return {"sam": sam, "olga": olga, "olga_auth": {"Authorization": f"Bearer {olga_token}"}}


@pytest.fixture
def client(api: Flask) -> Any:
    return api.test_client()


def test_a_retried_create_answers_the_first_answer_and_creates_nothing_more(client, people) -> None:
    key = {"Idempotency-Key": "create-7f3a"}
    first = client.post("/api/v1/conversations", json={"title": "Trip"}, headers=key)
    again = client.post("/api/v1/conversations", json={"title": "Trip"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = client.get("/api/v1/conversations").get_json()["conversations"]
    assert [c["id"] for c in listed].count(first.get_json()["id"]) == 1
    assert sum(c["title"] == "Trip" for c in listed) == 1
    # Without a key every request is its own.
    plain = [client.post("/api/v1/conversations", json={"title": "Plain"}).get_json()["id"] for _ in range(2)]
    assert plain[0] != plain[1]


def test_the_clients_own_request_id_serves_as_the_key(client, people) -> None:
    rid = {"X-Request-Id": "retry-me-42"}
    first = client.post("/api/v1/conversations", json={"title": "By request id"}, headers=rid).get_json()
    again = client.post("/api/v1/conversations", json={"title": "By request id"}, headers=rid)
    assert again.get_json()["id"] == first["id"] and again.headers["X-Request-Id"] == "retry-me-42"


def test_a_key_reused_for_another_body_is_422_and_a_malformed_key_400(client, people) -> None:
    key = {"Idempotency-Key": "reused-1"}
    assert client.post("/api/v1/conversations", json={"title": "One"}, headers=key).status_code == 201
    other = client.post("/api/v1/conversations", json={"title": "Two"}, headers=key)
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    bad = client.post("/api/v1/conversations", json={"title": "x"}, headers={"Idempotency-Key": "no spaces"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.get_json()["message"]


def test_keys_are_per_person(client, people) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = client.post("/api/v1/conversations", json={"title": "Same"}, headers=key).get_json()
    theirs = client.post("/api/v1/conversations", json={"title": "Same"}, headers={**key, **people["olga_auth"]})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != mine["id"]


def test_a_failed_first_answer_is_not_kept_so_the_retry_runs_again(client, people) -> None:
    key = {"Idempotency-Key": "bad-then-good"}
    bad = client.post("/api/v1/sync", json={"services": ["fax"]}, headers=key)
    assert bad.status_code == 400
    again = client.post("/api/v1/sync", json={"services": ["fax"]}, headers=key)
    assert again.status_code == 400 and "Idempotent-Replayed" not in again.headers


def test_a_retried_sync_request_answers_the_same_jobs_and_queues_nothing_more(api, client, people) -> None:
    rdb = api.extensions["wo"].redis
    rdb.delete(*rdb.keys("wo:pending:*") or ["none"])
    key = {"Idempotency-Key": "sync-now-1"}
    first = client.post("/api/v1/sync", json={"services": ["drive"]}, headers=key)
    queued = Queue("priority", connection=rdb).count
    again = client.post("/api/v1/sync", json={"services": ["drive"]}, headers=key)
    assert first.status_code == again.status_code == 202 and again.get_json() == first.get_json()
    assert first.get_json()["enqueued"][0]["service"] == "drive"
    assert Queue("priority", connection=rdb).count == queued


def test_a_duplicate_while_the_first_still_runs_is_409_then_the_first_answer_is_replayed(
        api, client, emulator, people) -> None:
    with api.extensions["wo"].pool.connection() as conn:
        action = str(propose(conn, people["sam"].id, "send_email", {"to": ["bob@partner.example"],
                                                                  "subject": "Exactly once", "body": "Hi."}).id)
    emulator.control.fault("gmail.*", 200, count=1, delay_ms=1500)  # the first confirm takes a while
    key = {"Idempotency-Key": "confirm-once"}
    answers: dict[str, Any] = {}
    first = threading.Thread(target=lambda: answers.update(first=api.test_client().post(
        f"/api/v1/actions/{action}/confirm", headers=key)))
    first.start()
    time.sleep(0.5)
    during = client.post(f"/api/v1/actions/{action}/confirm", headers=key)
    first.join(30)
    after = client.post(f"/api/v1/actions/{action}/confirm", headers=key)
    assert during.status_code == 409 and during.get_json()["error"] == "in_progress"
    assert during.headers["Retry-After"] == "1"
    assert answers["first"].status_code == 200 and answers["first"].get_json()["state"] == "done"
    assert after.status_code == 200 and after.headers["Idempotent-Replayed"] == "true"
    assert after.get_json() == answers["first"].get_json()
    sent = [m for m in emulator.control.state(SAM)["users"][SAM]["sent"] if m["subject"] == "Exactly once"]
    assert len(sent) == 1


def test_the_answer_is_kept_for_five_minutes_under_the_persons_key(api, client, people) -> None:
    client.post("/api/v1/conversations", json={"title": "TTL"}, headers={"Idempotency-Key": "ttl-check"})
    rdb: redis.Redis = api.extensions["wo"].redis
    name = dedup.record_key(people["sam"].id, "POST /api/v1/conversations", "ttl-check")
    assert str(people["sam"].id) in name and 290 <= rdb.ttl(name) <= 300


def test_the_openapi_document_names_the_header_on_exactly_the_deduplicated_writes(api, client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    documented = {(verb.upper(), path) for path, ops in paths.items() for verb, op in ops.items()
                  if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op.get("parameters", []))}
    wrapped = {(method, rule.rule.replace("<", "{").replace(">", "}"))
               for rule in api.url_map.iter_rules() if getattr(api.view_functions[rule.endpoint], "idempotent", False)
               for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert ("POST", "/api/v1/actions/{action_id}/confirm") in wrapped and len(wrapped) == 5
    assert documented == wrapped
    assert all("422" in paths[path][verb.lower()]["responses"] for verb, path in documented)
