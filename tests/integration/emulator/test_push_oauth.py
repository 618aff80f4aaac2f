"""Gmail push (Pub/Sub-shaped, signed JWT) and the OAuth code flow's id_token."""

from __future__ import annotations

import base64
import json
import queue
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.auth.transport.requests import Request
from google.oauth2 import id_token
from werkzeug.serving import make_server
from werkzeug.wrappers import Request as WRequest, Response as WResponse


@pytest.fixture
def receiver():
    """A local HTTP endpoint that records push requests."""
    got: queue.Queue = queue.Queue()

    @WRequest.application
    def app(request):
        got.put({"auth": request.headers.get("Authorization"), "body": request.get_json()})
        return WResponse("", status=204)

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/push", got
    srv.shutdown()
    srv.server_close()


def test_push_after_watch_is_signed_and_verifiable(emu, receiver):
    url, got = receiver
    emu.control.push(url, audience="https://orchestrator.example/push")
    emu.gmail.users().watch(userId="me", body={"topicName": "projects/atlas/topics/gmail"}).execute()
    delivered = emu.control.deliver(emu.email, **{"from": "nadia@atlas.com", "subject": "ping", "body": "hello"})
    push = got.get(timeout=5)
    body = push["body"]
    assert body["subscription"] == "projects/atlas/subscriptions/gmail-push"
    data = json.loads(base64.urlsafe_b64decode(body["message"]["data"]))
    assert data == {"emailAddress": "sam@atlas.com", "historyId": int(delivered["historyId"])}
    assert json.loads(base64.b64decode(body["message"]["data"])) == data  # standard base64 decodes too
    assert body["message"]["messageId"] and body["message"]["publishTime"].endswith("Z")
    token = push["auth"].split(" ", 1)[1]
    claims = id_token.verify_token(token, Request(), audience="https://orchestrator.example/push",
                                   certs_url=emu.url + "/_emulator/oauth2/v1/certs")
    assert claims["iss"] == "https://accounts.google.com"
    assert claims["email"] == "gmail-push@emulator.local" and claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 3600
    with pytest.raises(ValueError):
        id_token.verify_token(token, Request(), audience="https://someone-else.example",
                              certs_url=emu.url + "/_emulator/oauth2/v1/certs")
    # history from the notified id backwards shows the new message
    hist = emu.gmail.users().history().list(userId="me", startHistoryId=str(data["historyId"] - 1)).execute()
    assert hist["history"][0]["messagesAdded"][0]["message"]["id"] == delivered["id"]


def test_send_triggers_push_and_stop_ends_it(emu, receiver):
    url, got = receiver
    emu.control.push(url)
    emu.gmail.users().watch(userId="me", body={"topicName": "projects/atlas/topics/gmail"}).execute()
    raw = base64.urlsafe_b64encode(b"To: x@example.com\r\nSubject: out\r\n\r\nbody").decode()
    emu.gmail.users().messages().send(userId="me", body={"raw": raw}).execute()
    push = got.get(timeout=5)
    claims = id_token.verify_token(push["auth"].split(" ", 1)[1], Request(), audience=url,
                                   certs_url=emu.url + "/_emulator/oauth2/v1/certs")
    assert claims["aud"] == url  # audience defaults to the push URL
    emu.gmail.users().stop(userId="me").execute()
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "after stop", "body": "x"})
    assert emu.control.push_log(wait=2)[-1]["status"] == 204
    assert got.empty()


def test_no_push_without_watch_and_label_filter(emu, receiver):
    url, got = receiver
    emu.control.push(url)
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "unwatched", "body": "x"})
    emu.gmail.users().watch(userId="me", body={"topicName": "projects/p/topics/t", "labelIds": ["IMPORTANT"],
                                               "labelFilterBehavior": "include"}).execute()
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "not important", "body": "x"})
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "important", "body": "x",
                                      "labelIds": ["INBOX", "IMPORTANT"]})
    got.get(timeout=5)
    emu.control.push_log(wait=2)
    assert got.empty()
    assert len(emu.control.push_log()) == 1


def test_push_failure_does_not_block_api(emu):
    emu.control.push("http://127.0.0.1:9/unreachable")
    emu.gmail.users().watch(userId="me", body={"topicName": "projects/p/topics/t"}).execute()
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "x", "body": "x"})
    assert emu.gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 1
    log = emu.control.push_log(wait=5)
    assert "error" in log[-1]


def test_authorization_code_flow_with_id_token(emu):
    redirect = "http://127.0.0.1:5000/oauth/callback"
    resp = requests.get(emu.url + "/o/oauth2/v2/auth", allow_redirects=False, params={
        "client_id": "orchestrator", "redirect_uri": redirect, "response_type": "code", "state": "xyz",
        "scope": "openid email https://www.googleapis.com/auth/gmail.modify", "login_hint": "new.user@atlas.com"})
    assert resp.status_code == 302
    loc = urlsplit(resp.headers["Location"])
    params = parse_qs(loc.query)
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == redirect and params["state"] == ["xyz"]
    tok = requests.post(emu.url + "/token", data={"grant_type": "authorization_code", "code": params["code"][0],
                                                  "client_id": "orchestrator", "client_secret": "s",
                                                  "redirect_uri": redirect}).json()
    assert {"access_token", "refresh_token", "id_token", "expires_in"} <= set(tok)
    claims = id_token.verify_token(tok["id_token"], Request(), audience="orchestrator",
                                   certs_url=emu.url + "/_emulator/oauth2/v1/certs")
    assert claims["email"] == "new.user@atlas.com"
    profile = emu.service("gmail", tok).users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "new.user@atlas.com"
    reuse = requests.post(emu.url + "/token", data={"grant_type": "authorization_code", "code": params["code"][0]})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    info = requests.get(emu.url + "/oauth2/v3/userinfo", headers={"Authorization": "Bearer " + tok["access_token"]})
    assert info.json()["email"] == "new.user@atlas.com"
    assert requests.post(emu.url + "/revoke", data={"token": tok["refresh_token"]}).status_code == 200
    again = requests.post(emu.url + "/token", data={"grant_type": "refresh_token",
                                                    "refresh_token": tok["refresh_token"]})
    assert again.json()["error"] == "invalid_grant"


def test_token_endpoint_faults(emu):
    emu.control.fault("oauth2.token", 503)
    resp = requests.post(emu.url + "/token", data={"grant_type": "refresh_token",
                                                   "refresh_token": emu.tokens["refresh_token"]})
    assert resp.status_code == 503 and resp.json()["error"] == "internal_failure"
    ok = requests.post(emu.url + "/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": emu.tokens["refresh_token"]})
    assert ok.status_code == 200
