"""Signing in with Google: the consent URL, the code exchange, id_token and tokeninfo checks, revocation.

The faces (`server/faces/auth_api.py`) stay thin: they call these and turn a `SignInError` into the page or JSON the
person sees. The messages are the design documents' (seeds: "OAuth Error Handling"); `code` is the machine code.
Google's endpoints come from config (the demo and the tests point them at the emulator). Plain HTTP through
`requests`; the id_token is verified by google-auth against the certs at `GOOGLE_ID_TOKEN_CERTS_URL`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import google.auth.exceptions
import requests

from server import catalogue, oidc
from server.config import Config
from server.oidc import CertsCache
from server.redact import scrub, without

log = logging.getLogger(__name__)

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_TOKENINFO_URI = "https://oauth2.googleapis.com/tokeninfo"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "demo-client", "demo-secret"  # the emulator accepts any client in the demo

EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"
# The scopes the design asks for (seeds, "Required Scopes"), plus `openid` so that Google returns an id_token.
SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/drive.readonly",
    EMAIL_SCOPE,
    "https://www.googleapis.com/auth/userinfo.profile",
    "openid",
)
# What each service needs, its name for people, and what is unavailable without it.
SERVICES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "gmail": (SCOPES[0:3], "Gmail", "searching, reading, drafting, sending and trashing your email"),
    "calendar": (SCOPES[3:4], "Calendar", "reading your schedule and creating, moving or deleting events"),
    "drive": (SCOPES[4:5], "Drive", "finding and reading your Drive files"),
}

# Each sign-in failure code and its words in the error catalogue (the codes are what /auth/* answers with).
MESSAGES = {code: catalogue.message(entry) for code, entry in {
    "access_denied": "access_denied", "login_expired": "login_expired", "invalid_client": "invalid_client",
    "access_revoked": "access_revoked", "session_expired": "session_expired", "rate_limited": "login_rate_limited",
    "state_mismatch": "state_mismatch", "missing_code": "missing_code", "login_failed": "login_failed",
    "unavailable": "signin_unavailable"}.items()}
# Waits before retrying a rate-limited token exchange (seeds: exponential backoff); a longer Retry-After gives up.
RATE_LIMIT_BACKOFF = (0.25, 0.75)
MAX_RETRY_AFTER = 2.0


class SignInError(Exception):
    """Signing in failed: `code` (machine), `message` (for the person), the HTTP status, an optional Retry-After."""

    def __init__(self, code: str, status: int, message: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code, self.status = code, status
        self.message = message or MESSAGES[code]
        self.retry_after = retry_after


@dataclass
class Grant:
    """What a successful sign-in gave: who, their tokens, and the scopes they actually granted."""

    email: str
    name: str | None
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: list[str] = field(default_factory=list)


# -- endpoints and client ----------------------------------------------------------------------------------------

def client_id(config: Config) -> str:
    return config.google_client_id or DEMO_CLIENT_ID


def client_secret(config: Config) -> str:
    return config.google_client_secret or DEMO_CLIENT_SECRET


def redirect_uri(config: Config) -> str:
    return config.oauth_redirect_uri or f"http://127.0.0.1:{config.port}/auth/callback"


def secure_cookies(config: Config) -> bool:
    """Cookies are Secure unless this is the demo or the app is served on loopback over http."""
    host = urlsplit(redirect_uri(config)).hostname or ""
    return not (config.demo_mode or host in {"127.0.0.1", "localhost", "::1"})


def authorize_url(config: Config, state: str, nonce: str, login_hint: str | None = None) -> str:
    """Google's consent screen for our scopes, offline access, always asking (so a refresh token comes back)."""
    params = {"client_id": client_id(config), "redirect_uri": redirect_uri(config), "response_type": "code",
              "scope": " ".join(SCOPES), "access_type": "offline", "prompt": "consent",
              "include_granted_scopes": "true", "state": state, "nonce": nonce}
    if login_hint:
        params["login_hint"] = login_hint
    base = config.google_auth_uri or GOOGLE_AUTH_URI
    return base + ("&" if "?" in base else "?") + urlencode(params)


# -- scopes ------------------------------------------------------------------------------------------------------

def missing_services(granted: list[str]) -> list[str]:
    """The services (gmail, calendar, drive) whose scopes were not all granted."""
    have = set(granted)
    return [name for name, (scopes, _, _) in SERVICES.items() if not set(scopes) <= have]


def partial_message(missing: list[str]) -> str:
    """The seeds' partial-grant message naming the services, e.g. "…needs access to Gmail and Drive…"."""
    names = [SERVICES[m][1] for m in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Some permissions were not granted. The app needs access to {listed} to work properly."


def unavailable_features(missing: list[str]) -> list[str]:
    return [f"{SERVICES[m][1]}: {SERVICES[m][2]}" for m in missing]


# -- HTTP to Google ----------------------------------------------------------------------------------------------

def _retry_after(resp: requests.Response) -> int | None:
    try:
        return max(0, int(float(resp.headers.get("Retry-After", ""))))
    except ValueError:
        return None


def _error_of(resp: requests.Response) -> tuple[str, str]:
    try:
        body = resp.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def _call_with_backoff(call: Callable[[], requests.Response], what: str,
                       sleep: Callable[[float], None] = time.sleep) -> requests.Response:
    """`call()`, retried after a short backoff while Google answers 429 with a short (or no) Retry-After."""
    for attempt in range(len(RATE_LIMIT_BACKOFF) + 1):
        try:
            resp = call()
        except requests.RequestException as exc:
            log.warning("google oauth unreachable", extra={"what": what, "reason": scrub(str(exc))})
            raise SignInError("unavailable", 503) from exc
        if resp.status_code != 429:
            return resp
        retry_after = _retry_after(resp)
        if attempt == len(RATE_LIMIT_BACKOFF) or (retry_after or 0) > MAX_RETRY_AFTER:
            log.warning("google oauth rate limited", extra={"what": what, "attempts": attempt + 1})
            raise SignInError("rate_limited", 429, retry_after=retry_after or 5)
        sleep(max(RATE_LIMIT_BACKOFF[attempt], float(retry_after or 0)))
    raise AssertionError("unreachable")


def exchange_code(config: Config, code: str, nonce: str | None, certs: CertsCache) -> Grant:
    """Trade the authorization code for tokens and check the id_token; SignInError for every refusal."""
    token_uri = config.google_token_uri or GOOGLE_TOKEN_URI
    data = {"grant_type": "authorization_code", "code": code, "client_id": client_id(config),
            "client_secret": client_secret(config), "redirect_uri": redirect_uri(config)}
    resp = _call_with_backoff(lambda: requests.post(token_uri, data=data, timeout=10), "token")
    if resp.status_code != 200:
        error, description = _error_of(resp)
        if error == "invalid_grant":
            # An expired or already used code; a code whose grant was revoked meanwhile says so.
            if "revoked" in description.lower():
                raise SignInError("access_revoked", 400)
            raise SignInError("login_expired", 400)
        if error in ("invalid_client", "unauthorized_client"):
            log.error("google refused our OAuth client: check GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET",
                      extra={"error": error, "description": description})
            raise SignInError("invalid_client", 500)
        if resp.status_code >= 500:
            raise SignInError("unavailable", 503)
        log.warning("token exchange refused", extra={"status": resp.status_code, "error": error,
                                                     "description": description})
        raise SignInError("login_failed", 400)
    try:
        body = resp.json()
        access = str(body["access_token"])
    except (ValueError, KeyError, TypeError):
        raise SignInError("login_failed", 502) from None
    claims = verify_id_token(config, str(body.get("id_token") or ""), nonce, certs)
    expires_in = body.get("expires_in")
    expires = (datetime.now(timezone.utc) + timedelta(seconds=int(expires_in))) if expires_in else None
    return Grant(email=str(claims["email"]).lower(), name=claims.get("name"), access_token=access,
                 refresh_token=body.get("refresh_token"), expires_at=expires,
                 scopes=str(body.get("scope") or "").split())


def verify_id_token(config: Config, token: str, nonce: str | None, certs: CertsCache) -> Mapping[str, Any]:
    """The id_token's claims once its signature, audience, issuer, expiry, nonce and verified email check out."""
    if not token:
        log.warning("token response without an id_token")
        raise SignInError("login_failed", 502)
    try:
        claims = oidc.verify(token, certs, audience=client_id(config))
    except google.auth.exceptions.TransportError as exc:
        log.error("could not fetch id_token certs", extra={"certs_url": certs.certs_url, "reason": str(exc)})
        raise SignInError("unavailable", 503) from exc
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        log.warning("id_token refused", extra={"reason": without(str(exc), token)})
        raise SignInError("login_failed", 400) from exc
    if nonce and claims.get("nonce") != nonce:
        log.warning("id_token refused", extra={"reason": "nonce"})
        raise SignInError("login_failed", 400)
    if not claims.get("email") or claims.get("email_verified") not in (True, "true"):
        raise SignInError("login_failed", 400, "Your Google account has no verified email address, which signing "
                                               "in needs. Please try again with another account.")
    return claims


def tokeninfo(config: Config, access_token: str) -> Mapping[str, Any]:
    """Google's tokeninfo for an access token the extension got from chrome.identity; SignInError when Google
    says it is not valid (expired or revoked), or is rate limited or down."""
    uri = config.google_tokeninfo_uri or GOOGLE_TOKENINFO_URI
    resp = _call_with_backoff(lambda: requests.get(uri, params={"access_token": access_token}, timeout=10),
                              "tokeninfo")
    if resp.status_code >= 500:
        raise SignInError("unavailable", 503)
    if resp.status_code != 200:
        raise SignInError("google_token_invalid", 401, "Your Google sign-in has expired or was revoked. Please "
                                                       "sign in again.")
    try:
        info = resp.json()
    except ValueError:
        raise SignInError("unavailable", 503) from None
    return info if isinstance(info, dict) else {}


def revoke(config: Config, token: str) -> bool:
    """Revoke a Google token (and so its whole grant); True when Google says it is gone (or already was)."""
    uri = config.google_revoke_uri or GOOGLE_REVOKE_URI
    try:
        resp = requests.post(uri, data={"token": token}, timeout=10)
    except requests.RequestException as exc:
        log.warning("google revoke unreachable", extra={"reason": scrub(str(exc))})
        return False
    if resp.status_code == 200:
        return True
    error, _ = _error_of(resp)
    if error == "invalid_token":  # already revoked or expired
        return True
    log.warning("google revoke refused", extra={"status": resp.status_code, "error": error})
    return False
