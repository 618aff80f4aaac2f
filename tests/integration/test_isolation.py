"""Per-user isolation, route by route: person A's bearer token or session cookie can never read, list, confirm,
cancel, undo, replay or sync anything of person B.

A and B each have mail, an event, a file, a conversation with an answered turn, a pending action and sync status
in the index (B's every text says "Zanzibar"), and B has a done action that can be undone (a message trashed in
the emulator). For EVERY route of the app (`app.url_map` is enumerated: a route added without a case here fails
`test_every_route_has_an_isolation_case`), A calls it — once with the bearer token, once with the cookie — aiming
at B's ids where the route takes one: B's ids are 404 exactly like ids nobody has (never 403: existence is not
confirmed), nothing of B's changes, and no answer (JSON, SSE, WebSocket frame, add-on card, redirect) carries a
word of B's. The WebSocket runs on a real server; the add-on is called as Google calls it (a signed system token,
A's signed user token). The app runs with a Google OAuth client configured, so no request falls back to a demo
user.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue

from emulator.push import Signer
from emulator.testing import EmulatorServer
from server import accounts
from server.actions import confirm, propose
from server.app import create_app
from server.config import Config
from server.store import sessions
from tests.integration.test_addon import AGENT, BASE, event, system_token
from tests.integration.test_auth import CLIENT_ID, CLIENT_SECRET, google_config, google_token, start_login
from tests.integration.test_push_webhook import AUDIENCE, SERVICE_ACCOUNT, pubsub_body
from tests.support.http_standin import serve
from tests.support.workspace_seed import Seeded, seed
from tests.support.ws_client import WsClient

A_EMAIL, B_EMAIL = "ada@atlas.com", "bo@atlas.com"
A_MARK, B_MARK = "Aardvark", "Zanzibar"
NOBODY = "00000000-0000-4000-8000-000000000000"
CREDENTIALS = ("bearer", "cookie")


@dataclass
class World:
    """The app, the two people and what they own."""

    app: Flask
    emu: EmulatorServer
    signer: Signer
    rdb: redis.Redis
    a: Seeded
    b: Seeded
    b_done: uuid.UUID  # B's confirmed trash_email, undoable
    tokens: dict[str, str]  # ("a"|"b") + "_bearer"/"_cookie"

    def b_secrets(self) -> list[str]:
        """Strings that only B's data contains."""
        b = self.b
        return [B_MARK.lower(), B_EMAIL, str(b.user_id), str(b.action_id), str(b.conversation_id), str(self.b_done),
                b.email_id, b.event_id, b.file_id, b.request_id, "bmsg01", self.tokens["b_bearer"],
                self.tokens["b_cookie"]]

    def action_state(self, action_id: uuid.UUID) -> str:
        with self.app.extensions["wo"].pool.connection() as conn:
            return conn.execute("SELECT state FROM pending_actions WHERE id = %s", (action_id,)).fetchone()[0]

    def b_snapshot(self) -> Any:
        """Everything of B's that A could try to change."""
        with self.app.extensions["wo"].pool.connection() as conn:
            uid = self.b.user_id
            return (conn.execute("SELECT id, state, decided_at FROM pending_actions WHERE user_id = %s ORDER BY id",
                                 (uid,)).fetchall(),
                    conn.execute("SELECT id, title, updated_at FROM conversations WHERE user_id = %s ORDER BY id",
                                 (uid,)).fetchall(),
                    conn.execute("SELECT id, request_id, response FROM messages WHERE user_id = %s ORDER BY id",
                                 (uid,)).fetchall(),
                    conn.execute("SELECT token_hash, revoked_at FROM sessions WHERE user_id = %s ORDER BY token_hash",
                                 (uid,)).fetchall(),
                    conn.execute("SELECT google_refresh_token_enc IS NOT NULL, needs_reauth FROM users WHERE id = %s",
                                 (uid,)).fetchone())


class Caller:
    """A's client: every request carries A's bearer token, or A's session cookie."""

    def __init__(self, world: World, kind: str, token: str | None = None) -> None:
        self.world, self.kind = world, kind
        self.token = token or world.tokens[f"a_{kind}"]
        self.client: FlaskClient = world.app.test_client()
        if kind == "cookie":
            self.client.set_cookie("wo_session", self.token)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}"} if self.kind == "bearer" else {}
        return {**out, **(extra or {})}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.client.post(path, headers=self.headers(kw.pop("headers", None)), **kw)


def shows_nothing_of_b(world: World, response: Any, *, allow: tuple[str, ...] = ()) -> str:
    """The answer's body and headers carry none of B's strings (but `allow`, e.g. an id A sent); returns the text."""
    text = (response.get_data(as_text=True) + " " + " ".join(f"{k}: {v}" for k, v in response.headers.items()))
    lowered = text.lower()
    for echoed in allow:  # what A itself sent may come back ("there is no email 'x'"), and is not B's data
        lowered = lowered.replace(echoed.lower(), "")
    for secret in world.b_secrets():
        assert secret.lower() not in lowered, f"B's {secret!r} in {response.request.path}: {text[:500]}"
    return text


def is_not_found(response: Any) -> None:
    assert response.status_code == 404, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.get_json()["error"] == "not_found"


# -- the world ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        server.control.register_client(CLIENT_ID, CLIENT_SECRET)
        server.control.register_client("orchestrator-extension.apps.googleusercontent.com", "ext-secret")
        yield server


@pytest.fixture(scope="module")
def world(config: Config, emu: EmulatorServer, redis_url: str) -> Iterator[World]:
    certs = emu.url + "/_emulator/oauth2/v1/certs"
    cfg = google_config(config, emu, push_audience=AUDIENCE, push_service_account=SERVICE_ACCOUNT,
                        push_certs_url=certs, addon_base_url=BASE, addon_service_agent=AGENT, addon_certs_url=certs,
                        addon_user_audience="addon-client")
    app = create_app(cfg)
    svc = app.extensions["wo"]
    people = {}
    for email in (A_EMAIL, B_EMAIL):
        granted = emu.control.create_user(email)
        people[email] = accounts.connect(svc.pool, cfg, email, access_token=granted["access_token"],
                                         refresh_token=granted["refresh_token"],
                                         expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    emu.control.deliver(B_EMAIL, **{"from": "promo@shop.example", "subject": f"{B_MARK} sale", "id": "bmsg01",
                                    "body": f"{B_MARK} everything half price."})
    from workers import gmail_sync

    with accounts.google_for(svc.pool, cfg, people[B_EMAIL]) as google:
        gmail_sync.full(svc, google, people[B_EMAIL].id)
    with svc.pool.connection() as conn:
        trash = propose(conn, people[B_EMAIL].id, "trash_email", {"email_id": "bmsg01"})
    done = confirm(svc.pool, cfg, people[B_EMAIL], trash.id)
    assert done.state == "done" and done.undoable
    # After the full sync, which drops from the index what the emulator's mailbox does not have.
    a = seed(svc.pool, people[A_EMAIL].id, A_EMAIL, A_MARK)
    b = seed(svc.pool, people[B_EMAIL].id, B_EMAIL, B_MARK)
    tokens = {}
    with svc.pool.connection() as conn:
        for who, person in (("a", people[A_EMAIL]), ("b", people[B_EMAIL])):
            tokens[f"{who}_bearer"] = sessions.create(conn, person.id, "bearer", "dev", timedelta(days=1)).token
            tokens[f"{who}_cookie"] = sessions.create(conn, person.id, "web", "dev", timedelta(days=1)).token
    rdb = redis.Redis.from_url(redis_url)
    yield World(app, emu, emu.app.extensions["emulator.signer"], rdb, a, b, done.id, tokens)
    svc.close()


@pytest.fixture(autouse=True)
def _b_untouched(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever A did in a test, B's actions, conversations, turns, sessions and grant are as they were."""
    if "world" not in request.fixturenames:
        yield
        return
    world: World = request.getfixturevalue("world")
    before = world.b_snapshot()
    world.rdb.flushdb()
    yield
    assert world.b_snapshot() == before, "A changed something of B's"
    jobs = [j for name in ("priority", "sync", "embed") for j in Queue(name, connection=world.rdb).get_jobs()]
    assert not [j for j in jobs if str(world.b.user_id) in map(str, j.args)], "a job was queued for B"
    world.rdb.flushdb()


def test_b_sees_their_own_things_so_the_ids_below_are_real(world) -> None:
    b = Caller(world, "bearer", world.tokens["b_bearer"])
    assert b.get(f"/api/v1/actions/{world.b.action_id}").status_code == 200
    assert b.get(f"/api/v1/actions/{world.b_done}").get_json()["undo"]["possible"] is True
    assert b.get(f"/api/v1/conversations/{world.b.conversation_id}").status_code == 200
    hits = b.get("/api/v1/search", query_string={"q": B_MARK}).get_json()["hits"]
    assert {h["id"] for h in hits} >= {world.b.email_id, world.b.event_id, world.b.file_id}


# -- one case per route ------------------------------------------------------------------------------------------

Case = Callable[[World, Caller], None]
CASES: dict[tuple[str, str], Case] = {}


def case(method: str, rule: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[(method, rule)] = fn
        return fn
    return register


def _public(path: str) -> Case:
    def check(world: World, a: Caller) -> None:
        shows_nothing_of_b(world, a.get(path))
    return check


for _rule, _path in (("/healthz", "/healthz"), ("/readyz", "/readyz"), ("/api/v1/openapi.json", "/api/v1/openapi.json"),
                     ("/", "/"), ("/static/<name>", "/static/panel.js"), ("/static/<path:filename>", "/static/x.css"),
                     ("/metrics", "/metrics")):
    CASES[("GET", _rule)] = _public(_path)


@case("GET", "/auth/login")
def _login(world: World, a: Caller) -> None:
    response = a.get("/auth/login?next=/inbox")
    assert response.status_code == 302
    shows_nothing_of_b(world, response)


@case("GET", "/auth/callback")
def _callback(world: World, a: Caller) -> None:
    """B's own callback URL (code and state) replayed by A, without B's state cookie, signs nobody in."""
    b_browser = world.app.test_client()
    b_callback = start_login(b_browser, "/", B_EMAIL)
    parts = urlsplit(b_callback)
    response = a.get(parts.path + "?" + parts.query, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "state_mismatch"
    assert "wo_session" not in response.headers.get("Set-Cookie", "")
    assert a.get("/auth/me").get_json()["email"] == A_EMAIL
    shows_nothing_of_b(world, response)


@case("POST", "/auth/token")
def _token(world: World, a: Caller) -> None:
    """A's Google token makes a token that acts as A, whoever's credentials come with the request."""
    response = a.post("/auth/token", json={"google_access_token": google_token(world.emu, A_EMAIL)})
    assert response.status_code == 200, response.get_json()
    shows_nothing_of_b(world, response)
    minted = response.get_json()["token"]
    me = world.app.test_client().get("/auth/me", headers={"Authorization": f"Bearer {minted}"})
    assert me.get_json()["email"] == A_EMAIL


@case("POST", "/auth/logout")
def _logout(world: World, a: Caller) -> None:
    """A logging out (with a session of its own, so A's others stay) ends nothing of B's."""
    with world.app.extensions["wo"].pool.connection() as conn:
        extra = sessions.create(conn, world.a.user_id, "bearer" if a.kind == "bearer" else "web", "dev",
                                timedelta(hours=1)).token
    assert Caller(world, a.kind, extra).post("/auth/logout").status_code == 204
    for kind in CREDENTIALS:
        b = Caller(world, kind, world.tokens[f"b_{kind}"])
        assert b.get("/auth/me").get_json()["email"] == B_EMAIL


@case("POST", "/auth/dev-login")
def _dev_login(world: World, a: Caller) -> None:
    response = a.post("/auth/dev-login")
    is_not_found(response)
    assert "Set-Cookie" not in response.headers
    shows_nothing_of_b(world, response)


@case("GET", "/auth/me")
def _me(world: World, a: Caller) -> None:
    response = a.get("/auth/me")
    assert response.get_json()["email"] == A_EMAIL
    shows_nothing_of_b(world, response)
    # A's token with B's user id in it (the token names its user) is no token at all.
    forged = "wo_" + world.b.user_id.hex + "_" + a.token.rsplit("_", 1)[1]
    refused = Caller(world, a.kind, forged).get("/auth/me")
    assert refused.status_code == 401
    shows_nothing_of_b(world, refused, allow=(str(world.b.user_id),))


@case("POST", "/webhooks/gmail")
def _push(world: World, a: Caller) -> None:
    """A's credentials are no push token; and a genuine push for A's address syncs A only."""
    refused = a.post("/webhooks/gmail", json=pubsub_body(email=B_EMAIL))
    assert refused.status_code == 401
    token = world.signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    ok = world.app.test_client().post("/webhooks/gmail", json=pubsub_body(email=A_EMAIL),
                                      headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 204
    assert [j.args for j in Queue("priority", connection=world.rdb).get_jobs()] == [(str(world.a.user_id), "gmail")]


@case("GET", "/api/v1/sync/status")
def _sync_status(world: World, a: Caller) -> None:
    response = a.get("/api/v1/sync/status")
    text = shows_nothing_of_b(world, response)
    assert f"{A_MARK} sync failed" in text


@case("POST", "/api/v1/sync")
def _sync(world: World, a: Caller) -> None:
    response = a.post("/api/v1/sync", json={"services": ["gmail", "drive"], "full": True})
    assert response.status_code == 202
    jobs = Queue("priority", connection=world.rdb).get_jobs()
    assert sorted(j.args for j in jobs) == [(str(world.a.user_id), "drive"), (str(world.a.user_id), "gmail")]
    for sneaky in ({"user_id": str(world.b.user_id)}, {"email": B_EMAIL}):
        assert a.post("/api/v1/sync", json=sneaky).status_code == 400


@case("GET", "/api/v1/search")
def _search(world: World, a: Caller) -> None:
    mine = a.get("/api/v1/search", query_string={"q": "budget"})
    assert world.a.email_id in {h["id"] for h in mine.get_json()["hits"]}
    shows_nothing_of_b(world, mine)
    b_ids = {world.b.email_id, world.b.event_id, world.b.file_id, "bmsg01"}
    for params in ({"q": B_MARK}, {"q": "budget", "from": f"nadia.{B_MARK.lower()}@atlas.com"},
                   {"q": "half price sale"}, {"q": "budget", "from": B_EMAIL, "service": "gmail"}):
        response = a.get("/api/v1/search", query_string=params)
        assert response.status_code == 200, params
        assert not {h["id"] for h in response.get_json()["hits"]} & b_ids, params
        shows_nothing_of_b(world, response, allow=tuple(params.values()))


@case("GET", "/api/v1/audit")
def _audit(world: World, a: Caller) -> None:
    with world.app.extensions["wo"].pool.connection() as conn:
        b_entries = conn.execute("SELECT count(*) FROM action_log WHERE user_id = %s", (world.b.user_id,)).fetchone()[0]
    assert b_entries > 0  # B has a history A could try to read
    for query in ("", "?limit=200", "?before=999999999"):
        response = a.get(f"/api/v1/audit{query}")
        assert response.status_code == 200
        assert all(e.get("action_id") != str(world.b_done) for e in response.get_json()["entries"])
        shows_nothing_of_b(world, response)


@case("GET", "/api/v1/actions")
def _actions(world: World, a: Caller) -> None:
    response = a.get("/api/v1/actions")
    assert str(world.a.action_id) in {x["id"] for x in response.get_json()["actions"]}
    shows_nothing_of_b(world, response)


@case("GET", "/api/v1/actions/<action_id>")
def _action(world: World, a: Caller) -> None:
    answers = [a.get(f"/api/v1/actions/{x}") for x in (world.b.action_id, world.b_done, NOBODY)]
    for response in answers:
        is_not_found(response)
    assert len({json.dumps({k: v for k, v in r.get_json().items() if k != "request_id"}) for r in answers}) == 1, \
        "B's actions look exactly like one that does not exist"
    shows_nothing_of_b(world, answers[0], allow=(str(world.b.action_id),))


def _decide(verb: str) -> Case:
    def check(world: World, a: Caller) -> None:
        for target in (world.b.action_id, world.b_done):
            response = a.post(f"/api/v1/actions/{target}/{verb}")
            is_not_found(response)
            shows_nothing_of_b(world, response, allow=(str(target),))
        assert world.action_state(world.b.action_id) == "pending" and world.action_state(world.b_done) == "done"
        sent = world.emu.control.state(B_EMAIL)["users"][B_EMAIL]
        assert sent["sent"] == [] and next(m for m in sent["messages"] if m["id"] == "bmsg01")["trashed"]
    return check


for _verb in ("confirm", "cancel", "undo"):
    CASES[("POST", f"/api/v1/actions/<action_id>/{_verb}")] = _decide(_verb)


def _owner(world: World, conversation_id: str) -> uuid.UUID | None:
    with world.app.extensions["wo"].pool.connection() as conn:
        row = conn.execute("SELECT user_id FROM conversations WHERE id = %s", (conversation_id,)).fetchone()
    return row[0] if row else None


def _ask(path: str) -> Case:
    def check(world: World, a: Caller) -> None:
        def body(response: Any) -> dict[str, Any]:
            if path.endswith("/stream"):
                done = [line for line in response.get_data(as_text=True).splitlines() if line.startswith("data: ")]
                return json.loads(done[-1][6:])
            return response.get_json()

        answer = a.post(path, json={"query": "emails about the budget"})
        assert answer.status_code == 200
        shows_nothing_of_b(world, answer)
        assert world.a.email_id in json.dumps(body(answer))
        is_not_found(a.post(path, json={"query": "and from kofi?", "conversation_id": str(world.b.conversation_id)}))
        # B's request_id: A gets a fresh answer of A's own, never B's recorded one.
        replay = a.post(path, json={"query": "emails about the budget", "request_id": world.b.request_id})
        got = body(replay)
        assert replay.status_code == 200 and _owner(world, got["conversation_id"]) == world.a.user_id
        assert f"The {B_MARK} budget" not in json.dumps(got) and world.a.email_id in json.dumps(got)
        shows_nothing_of_b(world, replay, allow=(world.b.request_id,))
    return check


CASES[("POST", "/api/v1/query")] = _ask("/api/v1/query")
CASES[("POST", "/api/v1/query/stream")] = _ask("/api/v1/query/stream")


@case("GET", "/api/v1/conversations")
def _conversations(world: World, a: Caller) -> None:
    response = a.get("/api/v1/conversations")
    assert str(world.a.conversation_id) in {c["id"] for c in response.get_json()["conversations"]}
    shows_nothing_of_b(world, response)


@case("POST", "/api/v1/conversations")
def _new_conversation(world: World, a: Caller) -> None:
    response = a.post("/api/v1/conversations", json={"title": "mine"})
    assert response.status_code == 201
    with world.app.extensions["wo"].pool.connection() as conn:
        owner = conn.execute("SELECT user_id FROM conversations WHERE id = %s",
                             (response.get_json()["id"],)).fetchone()
    assert owner == (world.a.user_id,)


@case("GET", "/api/v1/conversations/<conversation_id>")
def _conversation(world: World, a: Caller) -> None:
    response = a.get(f"/api/v1/conversations/{world.b.conversation_id}")
    is_not_found(response)
    assert response.get_json()["message"] == a.get(f"/api/v1/conversations/{NOBODY}").get_json()["message"]
    shows_nothing_of_b(world, response, allow=(str(world.b.conversation_id),))


@case("GET", "/ws")
def _websocket(world: World, a: Caller) -> None:
    """On a real server: A's socket (token in the URL, or the cookie) answers from A's data only."""
    with serve(world.app) as base:
        url = base.replace("http://", "ws://") + "/ws"
        ws = (WsClient(url + "?token=" + a.token) if a.kind == "bearer"
              else WsClient(url, headers={"Cookie": f"wo_session={a.token}"}))
        try:
            assert json.loads(ws.receive())["type"] == "hello"

            def ask(frame: dict[str, Any]) -> list[dict[str, Any]]:
                ws.send(json.dumps({"type": "query", **frame}))
                frames = [json.loads(ws.receive(timeout=30) or "null")]
                while frames[-1]["type"] not in ("done", "error"):
                    frames.append(json.loads(ws.receive(timeout=30) or "null"))
                return frames

            answer = ask({"query": "emails about the budget"})
            text = json.dumps(answer).lower()
            assert answer[-1]["type"] == "done" and world.a.email_id in text
            assert not [s for s in world.b_secrets() if s.lower() in text]
            other = ask({"query": "and from kofi?", "conversation_id": str(world.b.conversation_id)})
            assert other[-1]["type"] == "error" and other[-1]["error"] == "not_found"
            replay = ask({"query": "emails about the budget", "request_id": world.b.request_id})
            assert replay[-1]["type"] == "done" and world.a.email_id in json.dumps(replay)
            assert f"the {B_MARK} budget".lower() not in json.dumps(replay).lower()
            assert _owner(world, replay[-1]["conversation_id"]) == world.a.user_id
        finally:
            ws.close()


# The add-on: Google calls it with a system token, and A's signed user token says who the person is.

def _addon(world: World, a: Caller, path: str, params: dict[str, str] | None = None,
           form: dict[str, list[str]] | None = None, **extra: Any) -> Any:
    body = event(world.signer, user=A_EMAIL, params=params, form=form, **extra)
    response = world.app.test_client().post(path, json=body, headers={
        "Authorization": f"Bearer {system_token(world.signer, path)}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def _card_text(response: Any) -> str:
    return response.get_data(as_text=True)


def _addon_case(path: str, attempts: Callable[[World], list[dict[str, Any]]], expect: str | None) -> Case:
    def check(world: World, a: Caller) -> None:
        own = a.post(path, json=event(world.signer, user=A_EMAIL))
        assert own.status_code == 401, "A's bearer token or cookie is not how the add-on authenticates"
        for attempt in attempts(world):
            response = _addon(world, a, path, **attempt)
            allowed = tuple(v for v in (attempt.get("params") or {}).values())
            shows_nothing_of_b(world, response, allow=allowed)
            if expect:
                assert expect in _card_text(response), (path, attempt, _card_text(response)[:400])
    return check


def _b_action_ids(world: World) -> list[dict[str, Any]]:
    return [{"params": {"action_id": str(world.b.action_id)}}, {"params": {"action_id": str(world.b_done)}}]


for _path, _attempts, _expect in (
    ("/addon/homepage", lambda w: [{}], None),
    ("/addon/actions", lambda w: [{}], None),
    ("/addon/query", lambda w: [{"form": {"query": ["emails about the budget"]}},
                                {"form": {"query": ["and from kofi?"]},
                                 "params": {"conversation_id": str(w.b.conversation_id)}}], None),
    ("/addon/conversation", lambda w: [{"params": {"conversation_id": str(w.b.conversation_id)}}], "error-not_found"),
    ("/addon/actions/show", _b_action_ids, "error-not_found"),
    ("/addon/actions/confirm", _b_action_ids, "error-not_found"),
    ("/addon/actions/cancel", _b_action_ids, "error-not_found"),
    ("/addon/actions/undo", _b_action_ids, "error-not_found"),
    ("/addon/gmail/message", lambda w: [{"gmail": {"messageId": w.b.email_id}}, {"gmail": {"messageId": "bmsg01"}}],
     "error-not_found"),
    ("/addon/propose", lambda w: [{"params": {"kind": "trash_email", "id": w.b.email_id}},
                                  {"params": {"kind": "reply", "id": w.b.email_id, "body": "ok"}},
                                  {"params": {"kind": "delete_event", "id": w.b.event_id}}], "error-"),
    ("/addon/share", lambda w: [{"params": {"id": w.b.file_id, "title": "a file"}}], None),
):
    CASES[("POST", _path)] = _addon_case(_path, _attempts, _expect)


# -- the suite ---------------------------------------------------------------------------------------------------

def test_every_route_has_an_isolation_case(world) -> None:
    routes = {(method, rule.rule) for rule in world.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(CASES) == set(), f"routes without an isolation case: {sorted(routes - set(CASES))}"
    assert set(CASES) - routes == set(), f"cases for routes that are gone: {sorted(set(CASES) - routes)}"


@pytest.mark.parametrize("kind", CREDENTIALS)
@pytest.mark.parametrize("route", sorted(CASES), ids=[f"{m} {r}" for m, r in sorted(CASES)])
def test_a_never_reaches_b(world, route, kind) -> None:
    CASES[route](world, Caller(world, kind))


def test_a_socket_stops_acting_for_a_person_once_their_session_ends(world: World) -> None:
    """A WebSocket is one long request: signing out (here, with that very token) ends what it may do at once."""
    with world.app.extensions["wo"].pool.connection() as conn:
        token = sessions.create(conn, world.a.user_id, "bearer", "dev", timedelta(hours=1)).token
    with serve(world.app) as base:
        ws = WsClient(base.replace("http://", "ws://") + "/ws?token=" + token)
        try:
            assert json.loads(ws.receive())["type"] == "hello"

            def ask() -> dict[str, Any]:
                ws.send(json.dumps({"type": "query", "query": "emails about the budget"}))
                frame = json.loads(ws.receive(timeout=30) or "null")
                while frame["type"] not in ("done", "error"):
                    frame = json.loads(ws.receive(timeout=30) or "null")
                return frame

            assert ask()["type"] == "done"
            assert Caller(world, "bearer", token).post("/auth/logout").status_code == 204
            after = ask()
            assert after["type"] == "error" and after["error"] == "unauthenticated"
        finally:
            ws.close()
