"""POST /webhooks/gmail against real PostgreSQL, Redis and the emulator's real push signer and certs endpoint."""
from __future__ import annotations

import base64
import json
import time
from typing import Any, Iterator

import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from google.auth import crypt
from google.auth import jwt as google_jwt
from rq import Queue

from emulator.push import Signer
from emulator.testing import EmulatorServer, build_service
from server.app import create_app
from server.config import Config
from server.faces import webhooks
from server.store import users
from tests.support.http_standin import serve

AUDIENCE = "https://orchestrator.test/webhooks/gmail"
SERVICE_ACCOUNT = "gmail-push@emulator.local"
SAM, REAUTH, PAUSED, STRANGER = "sam@atlas.com", "reauth@atlas.com", "paused@atlas.com", "nobody@atlas.com"


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def signer(emu: EmulatorServer) -> Signer:
    """The emulator's own push signer: the key behind its /_emulator/oauth2/v1/certs."""
    return emu.app.extensions["emulator.signer"]


@pytest.fixture(scope="module")
def push_config(config: Config, emu: EmulatorServer) -> Config:
    return config.with_(push_audience=AUDIENCE, push_service_account=SERVICE_ACCOUNT,
                        push_certs_url=emu.url + "/_emulator/oauth2/v1/certs")


@pytest.fixture(scope="module")
def push_app(push_config: Config) -> Iterator[Flask]:
    app = create_app(push_config)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def people(push_app: Flask) -> dict[str, Any]:
    with push_app.extensions["wo"].pool.connection() as conn:
        made = {email: users.upsert(conn, email) for email in (SAM, REAUTH, PAUSED)}
        users.mark_needs_reauth(conn, made[REAUTH].id)
        conn.execute("UPDATE users SET autosync_enabled = false WHERE id = %s", (made[PAUSED].id,))
    return made


@pytest.fixture(autouse=True)
def rdb(redis_url: str) -> redis.Redis:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    return connection


def pubsub_body(email: str = SAM, history_id: Any = 4242, urlsafe: bool = False) -> dict[str, Any]:
    data = json.dumps({"emailAddress": email, "historyId": history_id}).encode()
    encoded = (base64.urlsafe_b64encode(data).rstrip(b"=") if urlsafe else base64.b64encode(data)).decode()
    return {"message": {"data": encoded, "messageId": "1001", "publishTime": "2024-01-01T00:00:00Z"},
            "subscription": "projects/workspace-orchestrator/subscriptions/gmail-push"}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": SERVICE_ACCOUNT,
            "email_verified": True, "iat": now, "exp": now + 3600, "sub": "1234567890"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def push(client: Any, body: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(body, (dict, list)):
        return client.post("/webhooks/gmail", json=body, headers=headers)
    return client.post("/webhooks/gmail", data=body, headers=headers, content_type="application/json")


def queued(connection: redis.Redis, name: str = "priority") -> list[Any]:
    return Queue(name, connection=connection).get_jobs()


def test_a_push_signed_by_the_emulator_queues_one_gmail_delta_sync(push_app, people, signer, rdb) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push(push_app.test_client(), pubsub_body(), token)
    assert response.status_code == 204 and response.data == b""
    jobs = queued(rdb)
    assert [(j.func_name, j.args) for j in jobs] == [("workers.sync.run_delta_sync", (str(people[SAM].id), "gmail"))]
    assert queued(rdb, "sync") == []


def test_duplicate_pushes_leave_one_queued_job(push_app, people, signer, rdb) -> None:
    client = push_app.test_client()
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    statuses = [push(client, pubsub_body(history_id=100 + i), token).status_code for i in range(4)]
    assert statuses == [204] * 4
    assert len(queued(rdb)) == 1


def test_urlsafe_unpadded_data_and_a_digit_string_history_id_are_accepted(push_app, people, signer, rdb) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push(push_app.test_client(), pubsub_body(history_id="98765", urlsafe=True), token)
    assert response.status_code == 204 and len(queued(rdb)) == 1


def test_certs_are_fetched_once_for_many_pushes(push_config, people, signer, rdb) -> None:
    app = create_app(push_config)
    try:
        client = app.test_client()
        for i in range(5):
            token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
            assert push(client, pubsub_body(history_id=i + 1), token).status_code == 204
        # A token with a made-up key id right after must not trigger a refetch either (no fetch per forgery).
        stranger = Signer()
        assert push(client, pubsub_body(), stranger.sign(claims())).status_code == 401
        assert app.extensions["wo.push_certs"].fetches == 1
    finally:
        app.extensions["wo"].close()


def _other_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _token(kind: str, signer: Signer) -> str | None:
    """A token (or header payload) that must be refused, by kind."""
    now = int(time.time())
    if kind == "forged_other_key":
        return Signer().sign(claims())
    if kind == "forged_with_real_kid":
        return google_jwt.encode(crypt.RSASigner.from_string(_other_key_pem(), key_id=signer.kid), claims()).decode()
    if kind == "tampered_payload":
        header, _, signature = signer.sign(claims()).split(".")
        payload = base64.urlsafe_b64encode(json.dumps(claims(email="evil@x.com")).encode()).rstrip(b"=").decode()
        return ".".join([header, payload, signature])
    if kind == "expired":
        return signer.sign(claims(iat=now - 7200, exp=now - 3600))
    if kind == "wrong_audience":
        return signer.sign(claims(aud="https://someone-else.test/push"))
    if kind == "wrong_issuer":
        return signer.sign(claims(iss="https://evil.example"))
    if kind == "not_a_jwt":
        return "not-a-jwt"
    if kind == "wrong_email":
        return signer.sign(claims(email="someone@evil.example"))
    if kind == "unverified_email":
        return signer.sign(claims(email_verified=False))
    if kind == "no_email_verified_claim":
        return signer.sign(claims(email_verified=None))
    if kind == "missing":
        return None
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, status", [
    ("missing", 401), ("forged_other_key", 401), ("forged_with_real_kid", 401), ("tampered_payload", 401),
    ("expired", 401), ("wrong_audience", 401), ("wrong_issuer", 401), ("not_a_jwt", 401),
    ("wrong_email", 403), ("unverified_email", 403), ("no_email_verified_claim", 403),
])
def test_bad_tokens_are_refused_and_nothing_is_queued(push_app, people, signer, rdb, kind, status) -> None:
    response = push(push_app.test_client(), pubsub_body(), _token(kind, signer))
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == ("unauthenticated" if status == 401 else "forbidden") and body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert queued(rdb) == []


def test_a_non_bearer_authorization_is_refused(push_app, people, signer, rdb) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push_app.test_client().post("/webhooks/gmail", json=pubsub_body(),
                                           headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401 and queued(rdb) == []


def _data(raw: bytes) -> dict[str, Any]:
    return {"message": {"data": base64.b64encode(raw).decode(), "messageId": "1"}}


@pytest.mark.parametrize("body", [
    "this is not json",
    [1, 2, 3],
    {"subscription": "projects/p/subscriptions/s"},
    {"message": "hello"},
    {"message": {"messageId": "1"}},
    {"message": {"data": "%%% not base64 %%%", "messageId": "1"}},
    _data(b"not json at all"),
    _data(b"[1, 2]"),
    _data(json.dumps({"historyId": 5}).encode()),
    _data(json.dumps({"emailAddress": "not-an-address", "historyId": 5}).encode()),
    _data(json.dumps({"emailAddress": SAM, "historyId": "soon"}).encode()),
], ids=["not_json", "array", "no_message", "message_not_object", "no_data", "bad_base64", "data_not_json",
        "data_not_object", "no_email_address", "bad_email_address", "bad_history_id"])
def test_malformed_bodies_are_400_json(push_app, people, signer, rdb, body) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push(push_app.test_client(), body, token)
    assert response.status_code == 400 and response.content_type == "application/json"
    assert response.get_json()["error"] == "bad_request" and response.get_json()["message"]
    assert queued(rdb) == []


@pytest.mark.parametrize("email", [STRANGER, REAUTH, PAUSED], ids=["unknown", "needs_reauth", "autosync_off"])
def test_pushes_that_must_not_sync_are_acknowledged_without_queueing(push_app, people, signer, rdb, email) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push(push_app.test_client(), pubsub_body(email=email), token)
    assert response.status_code == 204  # Pub/Sub must not retry these for days
    assert queued(rdb) == [] and rdb.keys("wo:pending:*") == []


def test_certs_that_cannot_be_fetched_are_503_so_pubsub_retries(config, emu, people, signer, rdb) -> None:
    app = create_app(config.with_(push_audience=AUDIENCE, push_service_account=SERVICE_ACCOUNT,
                                  push_certs_url=emu.url + "/_emulator/no-such-certs"))
    try:
        token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
        response = push(app.test_client(), pubsub_body(), token)
    finally:
        app.extensions["wo"].close()
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    assert queued(rdb) == []


def test_an_unconfigured_server_refuses_pushes(app, people, signer, rdb) -> None:
    token = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    response = push(app.test_client(), pubsub_body(), token)
    assert response.status_code == 503 and queued(rdb) == []


def test_a_message_delivered_after_watch_reaches_the_webhook_and_queues_a_sync(push_app, people, emu, rdb) -> None:
    tokens = emu.control.create_user(SAM)
    with serve(push_app) as base_url:
        emu.control.push(base_url + "/webhooks/gmail", audience=AUDIENCE)
        try:
            gmail = build_service("gmail", emu.url, tokens)
            gmail.users().watch(userId="me", body={"topicName": "projects/workspace-orchestrator/topics/gmail-push",
                                                   "labelIds": ["INBOX"]}).execute()
            emu.control.deliver(SAM, **{"from": "nadia@atlas.com", "subject": "Q4 budget", "body": "numbers"})
            deliveries = emu.control.push_log(wait=5)
        finally:
            emu.control.push(None)
    assert [(d["url"], d.get("status"), d["email"]) for d in deliveries] == \
        [(base_url + "/webhooks/gmail", 204, SAM)]
    assert [(j.func_name, j.args) for j in queued(rdb)] == \
        [("workers.sync.run_delta_sync", (str(people[SAM].id), "gmail"))]


def test_the_default_certs_url_is_googles() -> None:
    assert webhooks.GOOGLE_CERTS_URL == "https://www.googleapis.com/oauth2/v1/certs"
    assert Config.from_env({}).push_certs_url is None
