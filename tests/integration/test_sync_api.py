"""GET /api/v1/sync/status and POST /api/v1/sync on real PostgreSQL and Redis, as the demo user."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
import redis
from flask import Flask
from rq import Queue

from server.app import create_app
from server.config import Config
from server.store import users

SAM, BOB, REAUTH = "sam@atlas.com", "bob@atlas.com", "reauth@atlas.com"


@pytest.fixture(scope="module")
def people(app: Flask) -> dict[str, Any]:
    """Sam (the demo user) and Bob, each with sync_status rows; Bob's must never show up for Sam."""
    with app.extensions["wo"].pool.connection() as conn:
        made = {email: users.upsert(conn, email) for email in (SAM, BOB, REAUTH)}
        users.mark_needs_reauth(conn, made[REAUTH].id)
        rows = [
            (made[SAM].id, "gmail", "ok", datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc),
             datetime(2024, 3, 1, 12, 0, 5, tzinfo=timezone.utc), None, 1200, 1200),
            (made[SAM].id, "drive", "error", datetime(2024, 3, 1, 12, 1, tzinfo=timezone.utc), None,
             "Google is temporarily unavailable", 40, None),
            (made[BOB].id, "calendar", "running", None, None, "bob's private error", 7, 99),
            (made[BOB].id, "gmail", "error", None, None, "bob's gmail error", 0, None),
        ]
        conn.cursor().executemany(
            """INSERT INTO sync_status (user_id, service, state, last_sync_at, last_success_at, last_error,
                                        items_done, items_total) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""", rows)
    return made


@pytest.fixture(autouse=True)
def rdb(redis_url: str) -> redis.Redis:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    return connection


def _app(config: Config, **changes: Any) -> Iterator[Flask]:
    app = create_app(config.with_(**changes))
    yield app
    app.extensions["wo"].close()


def test_status_shows_each_service_of_the_current_user_only(client, people) -> None:
    response = client.get("/api/v1/sync/status")
    assert response.status_code == 200
    assert response.get_json() == {"services": {
        "gmail": {"state": "ok", "queued": False, "last_sync_at": "2024-03-01T12:00:00Z",
                  "last_success_at": "2024-03-01T12:00:05Z", "last_error": None, "items_done": 1200,
                  "items_total": 1200},
        "calendar": {"state": "never", "queued": False, "last_sync_at": None, "last_success_at": None,
                     "last_error": None, "items_done": 0, "items_total": None},
        "drive": {"state": "error", "queued": False, "last_sync_at": "2024-03-01T12:01:00Z",
                  "last_success_at": None, "last_error": "Google is temporarily unavailable", "items_done": 40,
                  "items_total": None},
    }, "queue": "ok"}
    assert "bob" not in response.get_data(as_text=True)


def test_post_queues_every_service_on_priority_then_collapses(client, people, rdb) -> None:
    first = client.post("/api/v1/sync", json={})
    assert first.status_code == 202
    body = first.get_json()
    assert body["kind"] == "delta" and body["already_pending"] == []
    assert [e["service"] for e in body["enqueued"]] == ["gmail", "calendar", "drive"]
    jobs = Queue("priority", connection=rdb).get_jobs()
    assert sorted((j.func_name, j.args) for j in jobs) == sorted(
        ("workers.sync.run_delta_sync", (str(people[SAM].id), s)) for s in ("gmail", "calendar", "drive"))
    assert {j.id for j in jobs} == {e["job_id"] for e in body["enqueued"]}
    assert Queue("sync", connection=rdb).count == 0

    again = client.post("/api/v1/sync", json={"services": ["drive", "gmail"]})
    assert again.status_code == 202
    assert again.get_json() == {"kind": "delta", "enqueued": [], "already_pending": ["drive", "gmail"]}
    assert Queue("priority", connection=rdb).count == 3
    status = client.get("/api/v1/sync/status").get_json()["services"]
    assert all(status[s]["queued"] for s in ("gmail", "calendar", "drive"))


def test_a_full_sync_of_one_service_and_an_empty_body(client, people, rdb) -> None:
    response = client.post("/api/v1/sync", json={"services": ["gmail", "gmail"], "full": True})
    assert response.status_code == 202
    body = response.get_json()
    assert body["kind"] == "full" and [e["service"] for e in body["enqueued"]] == ["gmail"]
    (job,) = Queue("priority", connection=rdb).get_jobs()
    assert job.func_name == "workers.sync.run_full_sync" and job.args == (str(people[SAM].id), "gmail")
    # No body at all means every service, delta; a waiting full sync does not block a delta one.
    empty = client.post("/api/v1/sync")
    assert empty.status_code == 202 and len(empty.get_json()["enqueued"]) == 3
    assert Queue("priority", connection=rdb).count == 4


@pytest.mark.parametrize("body, mentions", [
    ({"services": ["gmail", "fax"]}, "services.1: Must be one of: gmail, calendar, drive"),
    ({"services": []}, "services: Shorter than minimum length 1"),
    ({"services": "gmail"}, "services: Not a valid list"),
    ({"full": "yes"}, "full: Not a valid boolean"),
    ({"full": "false"}, "full: Not a valid boolean"),
    ({"everything": True}, "everything: Unknown field"),
    ([1, 2], "JSON object"),
    ("{not json", "must be JSON"),
], ids=["unknown_service", "no_services", "services_not_list", "full_not_bool", "full_string", "unknown_field",
        "array", "not_json"])
def test_bad_bodies_are_400_with_a_clear_message(client, people, rdb, body, mentions) -> None:
    if isinstance(body, str):
        response = client.post("/api/v1/sync", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/sync", json=body)
    assert response.status_code == 400 and response.content_type == "application/json"
    payload = response.get_json()
    assert payload["error"] == "bad_request" and mentions in payload["message"], payload
    assert payload["request_id"] == response.headers["X-Request-Id"]
    assert Queue("priority", connection=rdb).count == 0


def test_outside_demo_mode_requests_without_credentials_are_401(config, people, rdb) -> None:
    for app in _app(config, google_client_id="real-client.apps.googleusercontent.com"):
        client = app.test_client()
        for response in (client.get("/api/v1/sync/status"), client.post("/api/v1/sync", json={})):
            assert response.status_code == 401 and response.get_json()["error"] == "unauthenticated"
    assert Queue("priority", connection=rdb).count == 0


def test_credentials_that_name_no_session_are_401_even_in_demo_mode(client, people) -> None:
    # Never silently the demo user for a caller who presented credentials (sign-in: tests/integration/test_auth.py).
    response = client.get("/api/v1/sync/status", headers={"Authorization": "Bearer something"})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthenticated"


def test_before_the_demo_user_exists_the_answer_is_503_not_ready(config, people) -> None:
    for app in _app(config, demo_user_email="not-yet@atlas.com"):
        response = app.test_client().get("/api/v1/sync/status")
        assert response.status_code == 503
        assert response.get_json()["error"] == "not_ready"
        assert "still being set up" in response.get_json()["message"]


def test_a_user_who_must_sign_in_again_cannot_queue_syncs(config, people, rdb) -> None:
    for app in _app(config, demo_user_email=REAUTH):
        response = app.test_client().post("/api/v1/sync", json={})
        assert response.status_code == 409 and response.get_json()["error"] == "auth_required"
        assert app.test_client().get("/api/v1/sync/status").status_code == 200
    assert Queue("priority", connection=rdb).count == 0


def test_the_demo_user_is_chosen_by_config(config, people) -> None:
    for app in _app(config, demo_user_email=BOB.upper()):
        status = app.test_client().get("/api/v1/sync/status").get_json()["services"]
    assert status["calendar"]["last_error"] == "bob's private error" and status["drive"]["state"] == "never"
    assert Config.from_env({"DEMO_USER_EMAIL": "lee@atlas.com"}).demo_user_email == "lee@atlas.com"
    assert Config.from_env({}).demo_user_email == SAM
