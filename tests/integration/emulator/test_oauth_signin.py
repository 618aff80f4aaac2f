"""The emulator's sign-in surface: the consent screen's queued answers, registered clients, tokeninfo, revocation."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

REDIRECT = "http://127.0.0.1:5000/auth/callback"
SCOPE = "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.readonly"


def authorize(emu, **extra):
    resp = requests.get(emu.url + "/o/oauth2/v2/auth", allow_redirects=False, timeout=5, params={
        "client_id": "web", "redirect_uri": REDIRECT, "response_type": "code", "state": "st", "scope": SCOPE,
        "login_hint": "ada@atlas.com", **extra})
    return resp, {k: v[0] for k, v in parse_qs(urlsplit(resp.headers.get("Location", "")).query).items()}


def exchange(emu, code, client_id="web", secret="s"):
    return requests.post(emu.url + "/token", timeout=5, data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id, "client_secret": secret,
        "redirect_uri": REDIRECT})


def test_consent_answers_as_queued_then_approves_everything(emu):
    emu.control.consent("deny")
    emu.control.consent("allow", grant=["openid", "https://www.googleapis.com/auth/userinfo.email"])
    _, denied = authorize(emu)
    assert denied == {"error": "access_denied", "state": "st"}
    _, partial = authorize(emu)
    assert partial["scope"] == "openid https://www.googleapis.com/auth/userinfo.email"
    assert exchange(emu, partial["code"]).json()["scope"] == partial["scope"]
    _, full = authorize(emu)
    assert full["scope"] == SCOPE


def test_short_lived_codes_and_codes_issued_before_a_revocation_do_not_exchange(emu):
    emu.control.consent("allow", code_ttl=0)
    _, expired = authorize(emu)
    assert exchange(emu, expired["code"]).json()["error"] == "invalid_grant"
    _, params = authorize(emu)
    emu.control.revoke("ada@atlas.com")
    refused = exchange(emu, params["code"]).json()
    assert refused == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


def test_registered_clients_are_checked_at_the_token_endpoint_and_the_consent_screen(emu):
    _, params = authorize(emu)
    emu.control.register_client("web", "s")
    assert exchange(emu, params["code"], secret="wrong").status_code == 401
    assert exchange(emu, params["code"], secret="wrong").json()["error"] == "invalid_client"
    assert exchange(emu, params["code"]).status_code == 200
    resp, _ = authorize(emu, client_id="unknown")
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_tokeninfo_tells_client_scopes_and_email_and_revoking_an_access_token_ends_the_grant(emu):
    _, params = authorize(emu)
    tokens = exchange(emu, params["code"]).json()
    info = requests.get(emu.url + "/tokeninfo", params={"access_token": tokens["access_token"]}, timeout=5).json()
    assert info["aud"] == info["azp"] == "web" and info["scope"] == SCOPE
    assert info["email"] == "ada@atlas.com" and info["email_verified"] == "true" and int(info["expires_in"]) > 0
    refreshed = requests.post(emu.url + "/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    assert refreshed["scope"] == SCOPE  # a refresh keeps the granted scopes
    assert requests.post(emu.url + "/revoke", data={"token": tokens["access_token"]}, timeout=5).status_code == 200
    gone = requests.get(emu.url + "/tokeninfo", params={"access_token": refreshed["access_token"]}, timeout=5)
    assert gone.status_code == 400 and gone.json()["error"] == "invalid_token"
    again = requests.post(emu.url + "/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert again.json()["error"] == "invalid_grant"
