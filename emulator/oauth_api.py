"""Emulated Google OAuth 2.0 endpoints.

* ``POST /token`` (also ``/oauth2/v4/token``, ``/o/oauth2/token``): ``grant_type=refresh_token``
  and ``grant_type=authorization_code``, form-encoded, answers and errors shaped like
  ``https://oauth2.googleapis.com/token`` (``{"error": "invalid_grant", ...}`` with 400). Once a client is
  registered (control API ``POST /_emulator/oauth/clients``) only registered clients with their secret are
  accepted (401 ``invalid_client`` otherwise); with none registered any client is.
* ``GET /o/oauth2/v2/auth``: the consent screen. It answers at once with the next queued consent decision
  (control API ``POST /_emulator/oauth/consent``: deny → ``error=access_denied``, a partial grant, a short-lived
  code) or, with none queued, approves everything requested; redirects to ``redirect_uri`` with a code for
  ``login_hint`` (created on the fly) or the only user. Codes are one-time, expire, and no longer exchange once
  the user's grant was revoked after they were issued.
* ``GET|POST /tokeninfo`` (also ``/oauth2/v3/tokeninfo``): an access token's client, scopes, email and expiry.
* ``POST /revoke``: revoke a token; like Google, revoking either token of a grant revokes the whole grant.
* ``GET /oauth2/v3/userinfo``: the signed-in user's profile.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request

from .common import bearer_token, get_state, json_response
from .errors import unauthenticated

bp = Blueprint("oauth", __name__)
DEFAULT_SCOPES = " ".join([
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/drive",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
])
CODE_TTL = 600


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    """Google's token-endpoint error body."""
    return json_response({"error": error, "error_description": description}, status)


def _params() -> dict[str, str]:
    if request.is_json:
        data = request.get_json(silent=True) or {}
        return {k: str(v) for k, v in data.items()}
    return {k: v for k, v in request.form.items()}


def issue_code(email: str, client_id: str = "", redirect_uri: str = "", scope: str = "", nonce: str = "",
               ttl: float = CODE_TTL) -> str:
    """A one-time authorization code for ``email`` (caller holds the state lock)."""
    st = get_state()
    code = "4/emu-" + secrets.token_urlsafe(24)
    now = time.time()
    st.auth_codes[code] = {"email": email, "client_id": client_id, "redirect_uri": redirect_uri,
                           "scope": scope or DEFAULT_SCOPES, "nonce": nonce, "expires": now + ttl, "issued": now}
    return code


def _client_credentials(p: dict[str, str]) -> tuple[str, str]:
    """client_id and client_secret from the body or HTTP Basic auth (Google accepts both)."""
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            cid, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            return cid, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return p.get("client_id", ""), p.get("client_secret", "")


def _client_error(client_id: str, client_secret: str | None) -> Response | None:
    """401 invalid_client when clients are registered and this one is unknown or has the wrong secret."""
    st = get_state()
    if not st.oauth_clients:
        return None
    if client_id not in st.oauth_clients:
        return oauth_error("invalid_client", "The OAuth client was not found.", 401)
    if client_secret is not None and st.oauth_clients[client_id] != client_secret:
        return oauth_error("invalid_client", "Unauthorized", 401)
    return None


@bp.post("/token")
@bp.post("/oauth2/v4/token")
@bp.post("/o/oauth2/token")
def token() -> Response:
    st = get_state()
    fault = st.faults.take("oauth2.token", None)
    if fault is not None:
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000.0)
        if fault.status in (401, 403):
            return oauth_error("invalid_grant", "Token has been expired or revoked.")
        if fault.status == 429:
            resp = oauth_error("rate_limit_exceeded", "Rate limit exceeded.", 429)
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = str(int(fault.retry_after))
            return resp
        if fault.status >= 500:
            return oauth_error("internal_failure", "Internal error.", fault.status)
    p = _params()
    grant = p.get("grant_type", "")
    client_id, client_secret = _client_credentials(p)
    with st.lock:
        refused = _client_error(client_id, client_secret)
        if refused is not None:
            return refused
        if grant == "refresh_token":
            refresh = p.get("refresh_token", "")
            email = st.refresh_tokens.get(refresh)
            if email is None or st.get_user(email) is None:
                return oauth_error("invalid_grant", "Token has been expired or revoked.")
            granted = st.token_grants.get(refresh, {})
            scope = p.get("scope") or granted.get("scope") or DEFAULT_SCOPES
            access, ttl = st.issue_access_token(email, client_id or granted.get("client_id", ""), scope)
            return json_response({"access_token": access, "expires_in": ttl, "scope": scope,
                                  "token_type": "Bearer"})
        if grant == "authorization_code":
            entry = st.auth_codes.pop(p.get("code", ""), None)
            if entry is None or entry["expires"] < time.time():
                return oauth_error("invalid_grant", "Malformed auth code.")
            if entry["issued"] < st.revoked_at.get(entry["email"], 0.0):
                return oauth_error("invalid_grant", "Token has been expired or revoked.")
            if entry["client_id"] and client_id and client_id != entry["client_id"]:
                return oauth_error("invalid_grant", "Bad Request")
            if entry["redirect_uri"] and p.get("redirect_uri") and p["redirect_uri"] != entry["redirect_uri"]:
                return oauth_error("redirect_uri_mismatch", "Bad Request")
            email = entry["email"]
            st.ensure_user(email)
            issued_to = client_id or entry["client_id"]
            access, ttl = st.issue_access_token(email, issued_to, entry["scope"])
            refresh = st.refresh_token_for(email)
            st.token_grants[refresh] = {"client_id": issued_to, "scope": entry["scope"]}
            out: dict[str, Any] = {"access_token": access, "expires_in": ttl,
                                   "refresh_token": refresh, "scope": entry["scope"],
                                   "token_type": "Bearer"}
            if "openid" in entry["scope"].split():
                extra = {"nonce": entry["nonce"]} if entry["nonce"] else None
                signer = get_state_signer()
                out["id_token"] = signer.oidc_token(audience=p.get("client_id") or entry["client_id"] or "emulator",
                                                    email=email, extra=extra)
            return json_response(out)
    return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")


def get_state_signer() -> Any:
    """The app's JWT signer (shared with push)."""
    from flask import current_app

    return current_app.extensions["emulator.signer"]


@bp.get("/o/oauth2/v2/auth")
@bp.get("/o/oauth2/auth")
def authorize() -> Response:
    redirect_uri = request.args.get("redirect_uri")
    if not redirect_uri:
        return oauth_error("invalid_request", "Missing required parameter: redirect_uri")
    st = get_state()
    params: dict[str, str] = {}
    with st.lock:
        refused = _client_error(request.args.get("client_id", ""), None)
        if refused is not None:  # Google shows its own error page; it never redirects an unknown client
            return refused
        decision = st.consent_queue.pop(0) if st.consent_queue else {}
        hint = decision.get("email") or request.args.get("login_hint")
        if hint:
            email = st.ensure_user(hint).email
        elif len(st.users) == 1:
            email = next(iter(st.users))
        else:
            return oauth_error("invalid_request", "login_hint is required when the emulator holds several users")
        requested = request.args.get("scope") or DEFAULT_SCOPES
        if decision.get("decision") == "deny":
            params["error"] = "access_denied"
        else:
            scope = requested
            if decision.get("grant") is not None:  # the person unticked some boxes
                allowed = set(decision["grant"])
                scope = " ".join(s for s in requested.split() if s in allowed)
            code = issue_code(email, request.args.get("client_id", ""), redirect_uri, scope,
                              request.args.get("nonce", ""), float(decision.get("code_ttl", CODE_TTL)))
            params.update(code=code, scope=scope)
    if request.args.get("state") is not None:
        params["state"] = request.args["state"]
    sep = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + sep + urlencode(params), 302)


@bp.post("/revoke")
@bp.post("/o/oauth2/revoke")
def revoke() -> Response:
    tok = request.values.get("token", "")
    st = get_state()
    fault = st.faults.take("oauth2.revoke", None)
    if fault is not None and fault.status != 200:
        return oauth_error("rate_limit_exceeded" if fault.status == 429 else "internal_failure", "Fault.",
                           fault.status)
    with st.lock:
        if tok in st.refresh_tokens:
            st.revoke(st.refresh_tokens[tok])
        elif tok in st.access_tokens:  # an access token stands for its whole grant, as at Google
            st.revoke(st.access_tokens[tok][0])
        else:
            return oauth_error("invalid_token", "Token expired or revoked")
    return json_response({})


@bp.route("/tokeninfo", methods=["GET", "POST"])
@bp.route("/oauth2/v3/tokeninfo", methods=["GET", "POST"])
def tokeninfo() -> Response:
    """What Google's tokeninfo says of an access token: client (aud/azp), scopes, email, expiry."""
    st = get_state()
    fault = st.faults.take("oauth2.tokeninfo", None)
    if fault is not None and fault.status != 200:
        resp = oauth_error("rate_limit_exceeded" if fault.status == 429 else "internal_failure", "Fault.",
                           fault.status)
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = str(int(fault.retry_after))
        return resp
    tok = request.values.get("access_token", "")
    with st.lock:
        entry = st.access_tokens.get(tok)
        now = time.time()
        if entry is None or entry[1] < now or st.get_user(entry[0]) is None:
            return oauth_error("invalid_token", "Invalid Value")
        email, expires = entry
        grant = st.token_grants.get(tok, {})
        client = grant.get("client_id") or "emulator"
        user = st.get_user(email)
        return json_response({"azp": client, "aud": client, "sub": user.permission_id if user else "",
                              "scope": grant.get("scope") or DEFAULT_SCOPES, "exp": str(int(expires)),
                              "expires_in": str(int(expires - now)), "email": email, "email_verified": "true",
                              "access_type": "offline"})


@bp.get("/oauth2/v3/userinfo")
@bp.get("/oauth2/v2/userinfo")
def userinfo() -> Response:
    st = get_state()
    with st.lock:
        user = st.user_for_token(bearer_token())
        if user is None:
            err = unauthenticated()
            return json_response(err.body(), 401, err.headers)
        return json_response({"sub": user.permission_id, "name": user.name, "email": user.email,
                              "email_verified": True})
