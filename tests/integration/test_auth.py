"""Sign-in against real PostgreSQL and the emulator as Google's OAuth endpoints (consent screen, token endpoint,
tokeninfo, revoke, id_token certs), over real HTTP: every error case of the design's OAuth table, the web session,
the extension's bearer token, logout revocation and the demo's one-click login."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from emulator.testing import EmulatorServer
from server import accounts, catalogue
from server.accounts import NeedsReauth
from server.app import create_app
from server.config import Config
from server.crypto import generate_key
from server.faces.auth import current_user
from server.google.calls import execute
from server.signin import MESSAGES, SCOPES
from server.store import users

CLIENT_ID, CLIENT_SECRET = "orchestrator-web.apps.googleusercontent.com", "web-secret"
EXTENSION_CLIENT = "orchestrator-extension.apps.googleusercontent.com"
GMAIL_SCOPES = [s for s in SCOPES if "/gmail." in s]


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        server.control.register_client(CLIENT_ID, CLIENT_SECRET)
        server.control.register_client(EXTENSION_CLIENT, "ext-secret")
        yield server


@pytest.fixture(autouse=True)
def _clean_emulator(emu: EmulatorServer) -> Iterator[None]:
    yield
    emu.control.clear_faults()
    requests.delete(emu.url + "/_emulator/oauth/consent", timeout=5)


def google_config(config: Config, emu: EmulatorServer, **changes: Any) -> Config:
    base = dict(token_encryption_key=generate_key(), google_client_id=CLIENT_ID, google_client_secret=CLIENT_SECRET,
                google_api_base_url=emu.url + "/", google_token_uri=emu.url + "/token",
                google_auth_uri=emu.url + "/o/oauth2/v2/auth", google_tokeninfo_uri=emu.url + "/tokeninfo",
                google_revoke_uri=emu.url + "/revoke",
                google_id_token_certs_url=emu.url + "/_emulator/oauth2/v1/certs",
                google_allowed_client_ids=(EXTENSION_CLIENT,))
    base.update(changes)
    return config.with_(**base)


@pytest.fixture(scope="module")
def web_config(config: Config, emu: EmulatorServer) -> Config:
    return google_config(config, emu)


@pytest.fixture(scope="module")
def web_app(web_config: Config) -> Iterator[Flask]:
    app = create_app(web_config)
    yield app
    app.extensions["wo"].close()


@pytest.fixture
def browser(web_app: Flask) -> FlaskClient:
    return web_app.test_client()


def start_login(browser: FlaskClient, next_path: str = "/inbox", email: str = "ada@atlas.com") -> str:
    """/auth/login, then the emulator's consent screen; returns the callback URL Google sends the browser to."""
    resp = browser.get("/auth/login", query_string={"next": next_path, "login_hint": email})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    consent = requests.get(resp.headers["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    return consent.headers["Location"]


def finish(browser: FlaskClient, callback_url: str, json: bool = False) -> Any:
    parts = urlsplit(callback_url)
    assert parts.path == "/auth/callback"
    headers = {"Accept": "application/json"} if json else {"Accept": "text/html"}
    return browser.get(parts.path + "?" + parts.query, headers=headers)


def set_cookies(resp: Any) -> dict[str, Any]:
    jar: dict[str, Any] = {}
    for header in resp.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel
    return jar


def sign_in(browser: FlaskClient, email: str, next_path: str = "/inbox") -> Any:
    resp = finish(browser, start_login(browser, next_path, email))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp


def db(app: Flask) -> Any:
    return app.extensions["wo"].pool.connection()


# -- /auth/login -------------------------------------------------------------------------------------------------

def test_login_sends_the_browser_to_consent_with_the_seed_scopes_and_a_state_kept_in_a_cookie(browser, emu) -> None:
    resp = browser.get("/auth/login?next=/inbox")
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == emu.url + "/o/oauth2/v2/auth"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://127.0.0.1:8080/auth/callback"
    assert params["access_type"] == "offline" and params["prompt"] == "consent"
    assert set(SCOPES) <= set(params["scope"].split())
    assert "https://www.googleapis.com/auth/gmail.readonly" in params["scope"].split()
    assert len(params["state"]) >= 32
    state_cookie = set_cookies(resp)["wo_oauth"]
    assert state_cookie["httponly"] and state_cookie["samesite"] == "Lax"
    again = browser.get("/auth/login?next=/inbox")
    assert parse_qs(urlsplit(again.headers["Location"]).query)["state"][0] != params["state"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "evil",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_login_refuses_a_next_that_leaves_the_site(browser, target) -> None:
    resp = browser.get("/auth/login", query_string={"next": target})
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_request"
    assert "Location" not in resp.headers


# -- /auth/callback: success and every error case ----------------------------------------------------------------

def test_a_full_sign_in_stores_encrypted_tokens_and_starts_a_web_session(browser, web_app, web_config, emu) -> None:
    resp = sign_in(browser, "ada@atlas.com", next_path="/inbox?tab=1")
    assert resp.headers["Location"] == "/inbox?tab=1"
    session = set_cookies(resp)["wo_session"]
    assert session["httponly"] and session["samesite"] == "Lax" and not session["secure"]  # loopback http
    assert set_cookies(resp)["wo_oauth"].value == ""  # the state is spent
    assert browser.get("/api/v1/conversations").status_code == 200
    me = browser.get("/auth/me").get_json()
    assert me["email"] == "ada@atlas.com" and me["demo"] is False and me["needs_reauth"] is False
    assert set(SCOPES) <= set(me["scopes"]) and me["missing_services"] == []
    with db(web_app) as conn:
        user = users.get_by_email(conn, "ada@atlas.com")
        rows = conn.execute("SELECT token_hash, kind, source FROM sessions WHERE user_id = %s", (user.id,)).fetchall()
    assert rows == [(hashlib.sha256(session.value.encode()).digest(), "web", "oauth")]
    # Tokens are ciphertext, and they are Google's: the stored grant opens the person's Gmail at the emulator.
    assert b"ya29" not in bytes(user.google_access_token_enc) and b"1//" not in bytes(user.google_refresh_token_enc)
    pool = web_app.extensions["wo"].pool
    with accounts.google_for(pool, web_config, user) as google:
        assert google.gmail.users().getProfile(userId="me").execute()["emailAddress"] == "ada@atlas.com"


def test_a_callback_whose_state_does_not_match_is_refused(browser, emu) -> None:
    url = start_login(browser)
    forged = url.replace("state=", "state=x")
    resp = finish(browser, forged)
    assert resp.status_code == 400 and "Security validation failed. Please try again." in resp.get_data(as_text=True)
    assert "wo_session" not in set_cookies(resp)
    # Without the cookie (another browser, or a link an attacker sent) the state cannot match either.
    other = browser.application.test_client()
    resp = finish(other, start_login(browser), json=True)
    assert resp.status_code == 400 and resp.get_json()["error"] == "state_mismatch"
    # A cookie we did not sign (made up to match the state) is no better.
    url = start_login(browser)
    state = parse_qs(urlsplit(url).query)["state"][0]
    browser.set_cookie("wo_oauth", URLSafeTimedSerializer("guessed", salt="wo-oauth-state").dumps(
        {"state": state, "nonce": "n", "next": "/"}), path="/auth")
    assert finish(browser, url, json=True).get_json()["error"] == "state_mismatch"
    # And no state at all.
    assert browser.get("/auth/callback?code=abc", headers={"Accept": "application/json"}).status_code == 400


def test_consent_denied(browser, emu) -> None:
    emu.control.consent("deny")
    resp = finish(browser, start_login(browser, "/calendar"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "You need to grant access to use this app. Please try again and click &#39;Allow&#39; on the Google " \
           "consent screen." in page
    assert "access_denied" in page and "href='/auth/login?next=/calendar'" in page  # try again
    emu.control.consent("deny")
    resp = finish(browser, start_login(browser), json=True)
    assert resp.get_json()["error"] == "access_denied" and resp.get_json()["message"] == MESSAGES["access_denied"]


def test_partial_scopes_sign_in_but_name_what_is_unavailable(browser, web_app, emu) -> None:
    granted = [s for s in SCOPES if s not in GMAIL_SCOPES and "drive" not in s]
    emu.control.consent("allow", grant=granted)
    resp = finish(browser, start_login(browser, "/inbox", "partial@atlas.com"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "wo_session" in set_cookies(resp)
    assert "Some permissions were not granted. The app needs access to Gmail and Drive to work properly." in page
    assert "Gmail: searching, reading" in page and "Drive: finding and reading" in page and "Calendar:" not in page
    assert "Grant the missing access" in page and "partial_scopes" in page
    me = browser.get("/auth/me").get_json()
    assert me["email"] == "partial@atlas.com" and me["missing_services"] == ["gmail", "drive"]
    assert sorted(me["scopes"]) == sorted(granted)
    emu.control.consent("allow", grant=[s for s in SCOPES if s not in GMAIL_SCOPES])
    body = finish(browser, start_login(browser, "/x", "partial@atlas.com"), json=True).get_json()
    assert body["warning"] == "partial_scopes" and body["missing_services"] == ["gmail"] and body["next"] == "/x"
    assert body["message"].endswith("needs access to Gmail to work properly.")


def test_an_expired_code(browser, emu) -> None:
    emu.control.consent("allow", code_ttl=0)
    resp = finish(browser, start_login(browser), json=True)
    assert resp.status_code == 400
    assert resp.get_json() | {"request_id": None} == {"error": "login_expired", "request_id": None,
                                                      "message": "The login session expired. Please try again."}


def test_a_used_code(browser, emu) -> None:
    url = start_login(browser, email="reuse@atlas.com")
    assert finish(browser, url).status_code == 302
    code = parse_qs(urlsplit(url).query)["code"][0]
    fresh = start_login(browser, email="reuse@atlas.com")  # a new state, the old code
    params = {k: v[0] for k, v in parse_qs(urlsplit(fresh).query).items()}
    replay = "/auth/callback?" + urlencode({**params, "code": code})
    resp = finish(browser, replay)
    assert resp.status_code == 400 and MESSAGES["login_expired"] in resp.get_data(as_text=True)


def test_a_refused_client(config, emu) -> None:
    app = create_app(google_config(config, emu, google_client_secret="not-the-secret"))
    try:
        browser = app.test_client()
        resp = finish(browser, start_login(browser), json=True)
        assert resp.status_code == 500
        assert resp.get_json()["error"] == "invalid_client"
        assert resp.get_json()["message"] == "There's a configuration issue. Please contact support."
    finally:
        app.extensions["wo"].close()


def test_a_grant_revoked_between_consent_and_callback(browser, emu) -> None:
    url = start_login(browser, email="quick.revoke@atlas.com")
    emu.control.revoke("quick.revoke@atlas.com")
    resp = finish(browser, url, json=True)
    assert resp.status_code == 400 and resp.get_json()["error"] == "access_revoked"
    assert resp.get_json()["message"] == catalogue.message("access_revoked")


def test_rate_limited_token_exchange_backs_off_then_gives_up(browser, emu) -> None:
    emu.control.fault("oauth2.token", 429, count=1, retry_after=0)
    assert finish(browser, start_login(browser, email="busy@atlas.com")).status_code == 302  # one retry sufficed
    emu.control.fault("oauth2.token", 429, count=10, retry_after=1)
    resp = finish(browser, start_login(browser, email="busy@atlas.com"))
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert "Too many login attempts. Please wait a moment and try again." in resp.get_data(as_text=True)
    assert "rate_limited" in resp.get_data(as_text=True)


def test_a_grant_revoked_later_is_reported_and_signing_in_again_restores_it(browser, web_app, web_config,
                                                                           emu) -> None:
    sign_in(browser, "later@atlas.com")
    emu.control.revoke("later@atlas.com")
    emu.control.expire_tokens("later@atlas.com")
    pool = web_app.extensions["wo"].pool
    with db(web_app) as conn:
        user = users.get_by_email(conn, "later@atlas.com")
    with pytest.raises(NeedsReauth), accounts.google_for(pool, web_config, user) as google:
        execute(google.gmail.users().getProfile(userId="me"))
    me = browser.get("/auth/me").get_json()
    assert me["needs_reauth"] is True and me["reason"] == "access_revoked"
    assert me["message"] == catalogue.message("access_revoked")
    sign_in(browser, "later@atlas.com")
    assert browser.get("/auth/me").get_json()["needs_reauth"] is False


# -- sessions and bearer tokens ----------------------------------------------------------------------------------

def google_token(emu: EmulatorServer, email: str, client: str = EXTENSION_CLIENT,
                 scope: str = " ".join(SCOPES)) -> str:
    """An access token as chrome.identity would get it: the code flow of the given client at the emulator."""
    code = requests.post(emu.url + "/_emulator/oauth/codes", timeout=5,
                         json={"email": email, "client_id": client, "scope": scope}).json()["code"]
    secret = {EXTENSION_CLIENT: "ext-secret", CLIENT_ID: CLIENT_SECRET}.get(client, "other-secret")
    return requests.post(emu.url + "/token", timeout=5, data={"grant_type": "authorization_code", "code": code,
                                                              "client_id": client,
                                                              "client_secret": secret}).json()["access_token"]


def test_the_extension_trades_a_google_token_for_a_bearer_token(web_app, emu) -> None:
    sign_in(web_app.test_client(), "ext@atlas.com")
    api = web_app.test_client()
    resp = api.post("/auth/token", json={"google_access_token": google_token(emu, "ext@atlas.com")})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["user"] == {"email": "ext@atlas.com"} and body["token"].startswith("wo_")
    assert "expires_at" in body and "Set-Cookie" not in resp.headers
    auth = {"Authorization": f"Bearer {body['token']}"}
    assert api.get("/api/v1/conversations", headers=auth).status_code == 200
    assert api.get("/auth/me", headers=auth).get_json()["email"] == "ext@atlas.com"
    with db(web_app) as conn:
        user = users.get_by_email(conn, "ext@atlas.com")
        kinds = conn.execute("SELECT kind, expires_at - created_at FROM sessions WHERE user_id = %s "
                             "AND kind = 'bearer'", (user.id,)).fetchall()
        assert kinds == [("bearer", timedelta(days=7))]
        # The WebSocket takes the same token as a query parameter, and only there.
        with web_app.test_request_context(f"/ws?token={body['token']}"):
            assert current_user().email == "ext@atlas.com"
        with web_app.test_request_context(f"/api/v1/conversations?token={body['token']}"):
            with pytest.raises(Exception, match="sign in"):
                current_user()
        # An expired token says so.
        conn.execute("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = %s", (user.id,))
    expired = api.get("/api/v1/conversations", headers=auth)
    assert expired.status_code == 401 and expired.get_json()["message"] == MESSAGES["session_expired"]


def test_bearer_tokens_that_are_not_ours_are_401(web_app) -> None:
    api = web_app.test_client()
    for header in ("Bearer something", "Bearer wo_" + "0" * 32 + "_" + "x" * 43, "Basic dXNlcjpwdw==", "Bearer"):
        resp = api.get("/api/v1/conversations", headers={"Authorization": header})
        assert resp.status_code == 401 and resp.get_json()["error"] == "unauthenticated", header
    assert api.get("/api/v1/conversations").status_code == 401  # not demo mode: no credentials, no user


def test_the_extension_is_refused_for_strangers_other_apps_and_dead_tokens(web_app, emu) -> None:
    api = web_app.test_client()
    stranger = api.post("/auth/token", json={"google_access_token": google_token(emu, "never@atlas.com")})
    assert stranger.status_code == 403 and stranger.get_json()["error"] == "not_connected"
    assert "sign in on the web first" in stranger.get_json()["message"]
    sign_in(web_app.test_client(), "picky@atlas.com")
    emu.control.register_client("someone-else", "other-secret")
    other = api.post("/auth/token", json={"google_access_token": google_token(emu, "picky@atlas.com",
                                                                              client="someone-else")})
    assert other.status_code == 401 and other.get_json()["error"] == "wrong_client"
    no_email = api.post("/auth/token", json={"google_access_token": google_token(
        emu, "picky@atlas.com", scope="https://www.googleapis.com/auth/calendar")})
    assert no_email.status_code == 403 and no_email.get_json()["error"] == "insufficient_scope"
    dead = google_token(emu, "picky@atlas.com")
    requests.post(emu.url + "/revoke", data={"token": dead}, timeout=5)
    revoked = api.post("/auth/token", json={"google_access_token": dead})
    assert revoked.status_code == 401 and revoked.get_json()["error"] == "google_token_invalid"
    emu.control.fault("oauth2.tokeninfo", 429, count=10, retry_after=30)
    limited = api.post("/auth/token", json={"google_access_token": "ya29.whatever"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "30"
    assert limited.get_json()["message"] == MESSAGES["rate_limited"]
    assert api.post("/auth/token", json={}).status_code == 400


# -- logout ------------------------------------------------------------------------------------------------------

def test_logout_ends_the_session_and_revokes_the_google_grant(browser, web_app, emu) -> None:
    sign_in(browser, "bye@atlas.com")
    refresh = emu.app.extensions["emulator.state"].refresh_token_for("bye@atlas.com")
    resp = browser.post("/auth/logout")
    assert resp.status_code == 204
    assert set_cookies(resp)["wo_session"].value == ""
    assert browser.get("/api/v1/conversations").status_code == 401
    gone = requests.post(emu.url + "/token", timeout=5, data={"grant_type": "refresh_token", "refresh_token": refresh,
                                                              "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert gone.status_code == 400 and gone.json()["error"] == "invalid_grant"
    with db(web_app) as conn:
        user = users.get_by_email(conn, "bye@atlas.com")
        revoked = conn.execute("SELECT revoked_at IS NOT NULL FROM sessions WHERE user_id = %s", (user.id,)).fetchall()
    assert user.needs_reauth and user.google_refresh_token_enc is None and revoked == [(True,)]
    assert browser.post("/auth/logout").status_code == 204  # idempotent
    assert web_app.test_client().post("/auth/logout").status_code == 204


def test_a_stale_session_cookie_is_refused_and_cleared(browser, web_app) -> None:
    sign_in(browser, "stale@atlas.com")
    cookie = browser.get_cookie("wo_session").value
    browser.post("/auth/logout")
    browser.set_cookie("wo_session", cookie)
    resp = browser.get("/api/v1/conversations")
    assert resp.status_code == 401 and set_cookies(resp)["wo_session"].value == ""


def test_bearer_logout_ends_only_that_token(web_app, emu) -> None:
    browser = web_app.test_client()
    sign_in(browser, "two@atlas.com")
    api = web_app.test_client()
    token = api.post("/auth/token", json={"google_access_token": google_token(emu, "two@atlas.com")}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert api.post("/auth/logout", headers=auth).status_code == 204
    assert api.get("/api/v1/conversations", headers=auth).status_code == 401
    assert browser.get("/api/v1/conversations").status_code == 200  # the web session is another session


def test_logout_everywhere_ends_every_session_of_that_person_only(web_app, emu) -> None:
    browser, other_browser = web_app.test_client(), web_app.test_client()
    sign_in(browser, "many@atlas.com")
    sign_in(other_browser, "many@atlas.com")
    api = web_app.test_client()
    token = api.post("/auth/token", json={"google_access_token": google_token(emu, "many@atlas.com")}).get_json()["token"]
    bystander = web_app.test_client()
    sign_in(bystander, "bystander@atlas.com")
    assert api.post("/auth/logout?everywhere=maybe", headers={"Authorization": f"Bearer {token}"}).status_code == 400
    assert api.get("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert browser.post("/auth/logout?everywhere=true").status_code == 204
    assert browser.get("/api/v1/conversations").status_code == 401
    assert other_browser.get("/api/v1/conversations").status_code == 401
    assert api.get("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert bystander.get("/api/v1/conversations").status_code == 200  # someone else's sessions are untouched


# -- demo --------------------------------------------------------------------------------------------------------

def test_dev_login_is_refused_outside_demo_mode(browser) -> None:
    resp = browser.post("/auth/dev-login")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"
    assert "wo_session" not in set_cookies(resp)


def test_dev_login_in_demo_mode(config, emu) -> None:
    demo = google_config(config, emu, google_client_id=None, google_client_secret=None,
                         demo_user_email="demo.person@atlas.com")
    app = create_app(demo)
    try:
        client = app.test_client()
        assert client.post("/auth/dev-login").status_code == 503  # the demo user is not connected yet
        tokens = emu.control.create_user("demo.person@atlas.com")
        accounts.connect(app.extensions["wo"].pool, demo, "demo.person@atlas.com",
                         access_token=tokens["access_token"], refresh_token=tokens["refresh_token"], expires_at=None)
        me = client.get("/auth/me").get_json()  # no credentials in demo mode: the demo user
        assert me["email"] == "demo.person@atlas.com" and me["demo"] is True
        resp = client.post("/auth/dev-login")
        body = resp.get_json()
        assert resp.status_code == 200 and body["user"] == {"email": "demo.person@atlas.com"}
        assert set_cookies(resp)["wo_session"]["httponly"]
        assert client.get("/api/v1/conversations").status_code == 200
        api = app.test_client()
        assert api.get("/auth/me", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200
        # A forged token is refused even in demo mode: credentials are never silently replaced by the demo user.
        assert api.get("/auth/me", headers={"Authorization": "Bearer wo_nope"}).status_code == 401
        # Logging out of the demo's one-click session leaves the demo's Google grant alone.
        assert client.post("/auth/logout").status_code == 204
        with app.extensions["wo"].pool.connection() as conn:
            user = users.get_by_email(conn, "demo.person@atlas.com")
        assert not user.needs_reauth and user.google_refresh_token_enc is not None
        # And the demo's web sign-in goes through the emulator's consent screen too.
        resp = app.test_client().get("/auth/login")
        assert parse_qs(urlsplit(resp.headers["Location"]).query)["login_hint"] == ["demo.person@atlas.com"]
    finally:
        app.extensions["wo"].close()
