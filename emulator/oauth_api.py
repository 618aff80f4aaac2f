"""Emulated Google OAuth 2.0 endpoints.

* ``POST /token`` (also ``/oauth2/v4/token``, ``/o/oauth2/token``): ``grant_type=refresh_token``
  and ``grant_type=authorization_code``, form-encoded, answers and errors shaped like
  ``https://oauth2.googleapis.com/token`` (``{"error": "invalid_grant", ...}`` with 400).
* ``GET /o/oauth2/v2/auth``: auto-approving consent screen; redirects to ``redirect_uri`` with a
  code for ``login_hint`` (created on the fly) or the only user.
* ``POST /revoke``: revoke an access or refresh token.
* ``GET /oauth2/v3/userinfo``: the signed-in user's profile.
"""

from __future__ import annotations

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


def issue_code(email: str, client_id: str = "", redirect_uri: str = "", scope: str = "", nonce: str = "") -> str:
    """A one-time authorization code for ``email`` (caller holds the state lock)."""
    st = get_state()
    code = "4/emu-" + secrets.token_urlsafe(24)
    st.auth_codes[code] = {"email": email, "client_id": client_id, "redirect_uri": redirect_uri,
                           "scope": scope or DEFAULT_SCOPES, "nonce": nonce, "expires": time.time() + CODE_TTL}
    return code


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
    with st.lock:
        if grant == "refresh_token":
            email = st.refresh_tokens.get(p.get("refresh_token", ""))
            if email is None or st.get_user(email) is None:
                return oauth_error("invalid_grant", "Token has been expired or revoked.")
            access, ttl = st.issue_access_token(email)
            return json_response({"access_token": access, "expires_in": ttl, "scope": p.get("scope") or DEFAULT_SCOPES,
                                  "token_type": "Bearer"})
        if grant == "authorization_code":
            entry = st.auth_codes.pop(p.get("code", ""), None)
            if entry is None or entry["expires"] < time.time():
                return oauth_error("invalid_grant", "Malformed auth code.")
            if entry["redirect_uri"] and p.get("redirect_uri") and p["redirect_uri"] != entry["redirect_uri"]:
                return oauth_error("redirect_uri_mismatch", "Bad Request")
            email = entry["email"]
            st.ensure_user(email)
            access, ttl = st.issue_access_token(email)
            out: dict[str, Any] = {"access_token": access, "expires_in": ttl,
                                   "refresh_token": st.refresh_token_for(email), "scope": entry["scope"],
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
    with st.lock:
        hint = request.args.get("login_hint")
        if hint:
            email = st.ensure_user(hint).email
        elif len(st.users) == 1:
            email = next(iter(st.users))
        else:
            return oauth_error("invalid_request", "login_hint is required when the emulator holds several users")
        code = issue_code(email, request.args.get("client_id", ""), redirect_uri, request.args.get("scope", ""),
                          request.args.get("nonce", ""))
    params = {"code": code, "scope": request.args.get("scope") or DEFAULT_SCOPES}
    if request.args.get("state") is not None:
        params["state"] = request.args["state"]
    sep = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + sep + urlencode(params), 302)


@bp.post("/revoke")
@bp.post("/o/oauth2/revoke")
def revoke() -> Response:
    tok = request.values.get("token", "")
    st = get_state()
    with st.lock:
        if tok in st.refresh_tokens:
            st.revoke(st.refresh_tokens[tok])
        elif tok in st.access_tokens:
            del st.access_tokens[tok]
        else:
            return oauth_error("invalid_token", "Token expired or revoked")
    return json_response({})


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
