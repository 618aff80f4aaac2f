"""Fault: Google answering 429, 503, 401 and slowly, through the whole app (Flask, the Google client library, the
emulator over HTTP, real PostgreSQL and Redis).

429/503 are retried with backoff and succeed once the fault clears; persistent 503s open the `google:gmail`
breaker (visible in /readyz), calls then fail fast without reaching Google, a query still answers with what it
has and says Gmail is degraded, and after the pause one trial call closes the breaker; 401 marks the person
needs_reauth and says so; a slow Google hits the timeout and is reported unavailable instead of hanging.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import requests
from flask import Flask

from emulator.testing import EmulatorServer
from server.actions import propose
from server.app import create_app
from server.config import Config
from server.google import breakers as google_breakers
from server.store import users, workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.gmail_message import GmailRow
from tests.support.emulated import connect, emulated

SAM = "sam@atlas.com"
NOW = "2023-11-30T00:00:00Z"
T0 = datetime(2023, 11, 30, tzinfo=timezone.utc)
THRESHOLD, RESET = 2, 1.0


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer) -> Iterator[Flask]:
    cfg = emulated(config, emulator, google_timeout=1.0,
                   google_breaker_threshold=THRESHOLD, google_breaker_reset_seconds=RESET)
    app = create_app(cfg)
    yield app
    app.extensions["wo"].close()
    google_breakers.configure()


@pytest.fixture(scope="module")
def sam(api: Flask, emulator: EmulatorServer) -> users.User:
    svc = api.extensions["wo"]
    user = connect(svc, emulator, SAM)
    with svc.pool.connection() as conn:
        workspace_cache.upsert_messages(conn, user.id, [GmailRow(
            "m1", "t1", "Budget review notes", "nadia@atlas.com", "Nadia", [], "The budget review is Friday.",
            "The budget review is Friday.", ["INBOX"], False, False, received_at=T0 - timedelta(days=2))])
        workspace_cache.upsert_events(conn, user.id, [EventRow(
            "ev1", "primary", "Budget review", "Quarterly budget review", T0 + timedelta(days=1),
            T0 + timedelta(days=1, hours=1), False, [])])
    return user


@pytest.fixture(autouse=True)
def fresh(emulator: EmulatorServer) -> Iterator[None]:
    google_breakers.configure(THRESHOLD, RESET)
    yield
    emulator.control.clear_faults()


def send(api: Flask, user: users.User, subject: str) -> str:
    with api.extensions["wo"].pool.connection() as conn:
        return str(propose(conn, user.id, "send_email", {"to": ["bob@partner.example"], "subject": subject,
                                                         "body": "Hello Bob."}).id)


def confirm(api: Flask, action_id: str) -> tuple[Any, float]:
    started = time.monotonic()
    response = api.test_client().post(f"/api/v1/actions/{action_id}/confirm")
    return response, time.monotonic() - started


def sent(emulator: EmulatorServer, subject: str) -> int:
    return sum(m["subject"] == subject for m in emulator.control.state(SAM)["users"][SAM]["sent"])


def fired(emulator: EmulatorServer) -> int:
    return requests.get(emulator.url + "/_emulator/faults", timeout=5).json()["fired"]


def test_429_with_retry_after_and_503s_are_retried_and_succeed_once_they_clear(api, emulator, sam) -> None:
    emulator.control.fault("gmail.*", 429, count=1, retry_after=1)
    response, took = confirm(api, send(api, sam, "After a 429"))
    assert response.status_code == 200 and response.get_json()["state"] == "done"
    assert took >= 0.9  # waited what Retry-After asked
    assert sent(emulator, "After a 429") == 1
    emulator.control.fault("gmail.*", 503, count=2)
    response, _ = confirm(api, send(api, sam, "After two 503s"))
    assert response.status_code == 200 and sent(emulator, "After two 503s") == 1
    assert google_breakers.states()["gmail"] == "closed"


def test_persistent_503s_open_the_gmail_breaker_then_fail_fast_degrade_queries_and_a_trial_closes_it(
        api, emulator, sam) -> None:
    client = api.test_client()
    emulator.control.fault("gmail.*", 503, count=10_000)
    for n in range(THRESHOLD):
        response, _ = confirm(api, send(api, sam, f"Outage {n}"))
        assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 200 and body["status"] == "degraded" and "google:gmail" in body["degraded"]
    assert body["breakers"]["google:gmail"]["state"] == "open"
    assert body["breakers"]["google:calendar"]["state"] == "closed"

    # Open: no request reaches Google, the answer comes at once and says when to come back.
    before = fired(emulator)
    response, took = confirm(api, send(api, sam, "While open"))
    assert response.status_code == 503 and took < 1.0 and fired(emulator) == before
    assert int(response.headers["Retry-After"]) >= 1 and "Gmail is not answering" in response.get_json()["message"]

    # A query touching Gmail and Calendar still answers both from the index, partial, saying Gmail is degraded.
    answer = client.post("/api/v1/query", json={"query": "find the email about the budget review and show my budget review meeting",
                                                "now": NOW}).get_json()
    services = {r["items"][0]["service"] for r in answer["results"] if r["items"]}
    assert services == {"gmail", "calendar"}, answer["plan"]
    assert answer["partial"] is True
    assert [(n["error"], n["service"]) for n in answer["notices"]] == [("service_stale", "gmail")]
    assert "from the last sync" in answer["notices"][0]["message"]

    # After the pause, one trial call: Google is back, so it succeeds and closes the breaker.
    emulator.control.clear_faults()
    time.sleep(RESET + 0.2)
    response, _ = confirm(api, send(api, sam, "After the outage"))
    assert response.status_code == 200 and sent(emulator, "After the outage") == 1
    body = client.get("/readyz").get_json()
    assert body["breakers"]["google:gmail"]["state"] == "closed" and "google:gmail" not in body["degraded"]


def test_a_slow_google_times_out_and_is_reported_unavailable_not_a_hang(api, emulator, sam) -> None:
    emulator.control.fault("gmail.*", 200, count=3, delay_ms=2500)  # every attempt outlasts the 1 s timeout
    response, took = confirm(api, send(api, sam, "Slow"))
    assert response.status_code == 503 and response.get_json()["kind"] == "unavailable"
    assert took < 8.0, f"took {took:.1f} s"
    assert response.get_json()["action"]["state"] == "failed"


def test_a_401_marks_the_person_needs_reauth_and_says_so(api, emulator, sam) -> None:
    emulator.control.fault("gmail.*", 401, count=10_000)
    svc = api.extensions["wo"]
    try:
        response, _ = confirm(api, send(api, sam, "Refused"))
        body = response.get_json()
        assert response.status_code == 409 and body["error"] == "auth_required"
        assert "reconnect" in body["message"].lower()
        with svc.pool.connection() as conn:
            assert users.get(conn, sam.id).needs_reauth
        sync = api.test_client().post("/api/v1/sync", json={})
        assert sync.status_code == 409 and sync.get_json()["error"] == "auth_required"
        assert google_breakers.states()["gmail"] == "closed"  # a refused grant says nothing about Gmail's health
    finally:
        with svc.pool.connection() as conn:
            conn.execute("UPDATE users SET needs_reauth = false WHERE id = %s", (sam.id,))
