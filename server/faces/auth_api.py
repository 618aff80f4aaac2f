"""Sign-in (`/auth/...`): Google OAuth for the web, a bearer token for the Chrome extension, logout, demo login.

* `GET /auth/login?next=/path[&login_hint=email]` → 302 to Google's consent screen with a random `state` (and an
  OIDC `nonce`), both also kept in the signed, httponly `wo_oauth` cookie for ten minutes. `next` must be a path
  on this site.
* `GET /auth/callback` → checks `state` against the cookie (400 `state_mismatch` otherwise), then handles each
  case of the design's "OAuth Error Handling" table with its message: consent denied (`access_denied`), a code
  that expired or was used (`login_expired`), a grant revoked meanwhile (`access_revoked`), our client refused
  (`invalid_client`), Google rate limiting (`rate_limited`, after a short backoff), Google down (`unavailable`).
  On success the tokens are stored encrypted (`accounts.connect`), a web session starts (`wo_session` cookie) and
  the browser goes to `next`; when some scopes were not granted, a page names the services and features that are
  unavailable and offers to grant them. Errors are an HTML page with a "try again" link, or the usual JSON error
  when the caller sends `Accept: application/json`.
* `POST /auth/token {"google_access_token"}` → a server bearer token for a person who already connected on the web
  (the extension gets the Google token from chrome.identity; Google's tokeninfo vouches for it).
* `POST /auth/logout` → ends this session or bearer token, revokes the Google grant (not for the demo's one-click
  login), forgets the stored tokens and clears the cookie; 204, also when there was nothing to end.
  `?everywhere=true` ends every other session of the person too (other browsers, the extension's tokens).
* `POST /auth/dev-login` (demo mode only; 404 otherwise) → the demo user's session cookie and a bearer token.
* `GET /auth/me` → who this is, whether this is the demo, the granted scopes, and whether Google must be reconnected.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, g, jsonify, redirect, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import escape
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from server import accounts, signin
from server.config import Config, ConfigError
from server.crypto import TokenCipherError, parse_key
from server.errors import ApiError, error_response
from server.faces import validation
from server.faces.auth import SESSION_COOKIE, current_user, presented_credentials
from server.services import services
from server.oidc import GOOGLE_CERTS_URL, CertsCache, app_certs_cache
from server.signin import MESSAGES, SignInError
from server.store import sessions, users

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix="/auth")

STATE_COOKIE = "wo_oauth"
STATE_MAX_AGE = 600  # seconds a person has on Google's consent screen


class TokenBody(Schema):
    """Body of POST /auth/token."""

    google_access_token = validation.Text(required=True, min_length=1, max_length=4096)


class LoginArgs(Schema):
    """Query of GET /auth/login (links people follow may carry other parameters: those are ignored)."""

    class Meta:
        unknown = EXCLUDE

    next = validation.Text(load_default=None, max_length=2000)
    login_hint = validation.Text(load_default=None, max_length=320, validate=validate.Regexp(
        r"^[^@\s]+@[^@\s]+$", error="login_hint must be an email address."))


class LogoutArgs(Schema):
    """Query of POST /auth/logout."""

    class Meta:
        unknown = RAISE

    everywhere = fields.Boolean(load_default=False)


class CallbackArgs(Schema):
    """Query of GET /auth/callback, as Google sends it (it adds parameters of its own: ignored)."""

    class Meta:
        unknown = EXCLUDE

    state = validation.Text(load_default=None, max_length=512)
    code = validation.Text(load_default=None, max_length=4096)
    error = validation.Text(load_default=None, max_length=200)
    error_description = validation.Text(load_default=None, max_length=2000)


# -- helpers -----------------------------------------------------------------------------------------------------

def _serializer(config: Config) -> URLSafeTimedSerializer:
    """Signs the state cookie: SESSION_SECRET, or a key derived from TOKEN_ENCRYPTION_KEY."""
    if config.session_secret:
        secret = config.session_secret.encode()
    elif config.token_encryption_key:
        secret = hmac.new(parse_key(config.token_encryption_key), b"wo sign-in state cookie", hashlib.sha256).digest()
    else:
        raise ConfigError("SESSION_SECRET or TOKEN_ENCRYPTION_KEY must be set to sign in")
    return URLSafeTimedSerializer(secret, salt="wo-oauth-state")


def _certs(config: Config) -> CertsCache:
    """The app's cache of Google's id_token certs."""
    return app_certs_cache("wo.id_token_certs", config.google_id_token_certs_url or GOOGLE_CERTS_URL)


def safe_next(raw: str | None) -> str:
    """`next` when it is a path on this site ("/", "/inbox?x=1"); ApiError 400 for anything that could leave it."""
    if raw is None or raw == "":
        return "/"
    parts = urlsplit(raw)
    if (not raw.startswith("/") or raw.startswith("//") or "\\" in raw or parts.scheme or parts.netloc
            or any(ord(c) < 0x20 or ord(c) == 0x7f for c in raw) or len(raw) > 2000):
        raise ApiError(400, "bad_request", "next must be a path on this site, like /inbox.")
    return raw


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json" \
        and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]


def _page(title: str, message: str, status: int, *, code: str | None = None, links: list[tuple[str, str]] = (),
          items: list[str] = ()) -> Response:
    """A small HTML page for people in a browser."""
    body = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>",
            "<meta name=viewport content='width=device-width, initial-scale=1'></head>",
            "<body style='font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem'>",
            f"<h1>{escape(title)}</h1><p id=message>{escape(message)}</p>"]
    if items:
        body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    body.extend(f"<p><a href='{escape(href)}'>{escape(text)}</a></p>" for text, href in links)
    if code:
        body.append(f"<p><small>Error code: <code id=code>{escape(code)}</code></small></p>")
    body.append("</body></html>")
    return Response("".join(body), status=status, mimetype="text/html")


def _login_link(next_path: str) -> str:
    return "/auth/login?next=" + quote(next_path, safe="/")


def _failure(code: str, status: int, message: str, next_path: str = "/", retry_after: int | None = None,
             **details: Any) -> Response:
    """An error of the sign-in flow: the JSON error shape, or a page with a "try again" link."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if _wants_json():
        return error_response(status, code, message, headers=headers, **details)
    response = _page("Signing in didn't work", message, status, code=code,
                     links=[("Try again", _login_link(next_path))])
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _set_session_cookie(response: Response, config: Config, issued: sessions.Issued) -> None:
    response.set_cookie(SESSION_COOKIE, issued.token, max_age=config.web_session_days * 86400, path="/",
                        secure=signin.secure_cookies(config), httponly=True, samesite="Lax")


def _clear_session_cookie(response: Response, config: Config) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=signin.secure_cookies(config), httponly=True,
                           samesite="Lax")


def _token_body(issued: sessions.Issued, email: str) -> dict[str, Any]:
    return {"token": issued.token, "expires_at": issued.expires_at.isoformat(), "user": {"email": email}}


@bp.after_app_request
def _drop_dead_cookie(response: Response) -> Response:
    """A `wo_session` cookie that names no live session is cleared on the answer that refused it."""
    if g.get("clear_session_cookie"):
        _clear_session_cookie(response, services().config)
    return response


# -- web sign-in -------------------------------------------------------------------------------------------------

@bp.get("/login")
def login() -> Response:
    """Send the browser to Google's consent screen."""
    config = services().config
    args = validation.load(LoginArgs(), request.args.to_dict(flat=True), "sign-in link")
    next_path = safe_next(args["next"])
    hint = args["login_hint"] or (config.demo_user_email if config.demo_mode else None)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    response = redirect(signin.authorize_url(config, state, nonce, hint), 302)
    response.set_cookie(STATE_COOKIE, _serializer(config).dumps({"state": state, "nonce": nonce, "next": next_path}),
                        max_age=STATE_MAX_AGE, path="/auth", secure=signin.secure_cookies(config), httponly=True,
                        samesite="Lax")
    return response


def _pending_login(config: Config) -> dict[str, str] | None:
    """What /auth/login remembered, when the cookie is ours, fresh and its state matches the `state` parameter."""
    raw, state = request.cookies.get(STATE_COOKIE), request.args.get("state")
    if not raw or not state:
        return None
    try:
        saved = _serializer(config).loads(raw, max_age=STATE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(saved, dict) or not hmac.compare_digest(str(saved.get("state", "")), state):
        return None
    return saved


@bp.get("/callback")
def callback() -> Response:
    """Where Google sends the browser back: every outcome of the consent screen and the code exchange."""
    svc = services()
    config = svc.config
    malformed = CallbackArgs().validate(request.args.to_dict(flat=True))
    saved = None if malformed else _pending_login(config)
    if malformed:
        log.warning("sign-in callback with malformed parameters", extra={"fields": sorted(malformed)})
        response = _failure("login_failed", 400, MESSAGES["login_failed"])
    elif saved is None:
        log.warning("sign-in callback with a missing or mismatched state")
        response = _failure("state_mismatch", 400, MESSAGES["state_mismatch"])
    else:
        response = _complete(svc, saved)
    response.delete_cookie(STATE_COOKIE, path="/auth", secure=signin.secure_cookies(config), httponly=True,
                           samesite="Lax")  # a state is good for one callback
    return response


def _complete(svc: Any, saved: dict[str, str]) -> Response:
    config = svc.config
    next_path = safe_next(saved.get("next"))
    error = request.args.get("error")
    if error == "access_denied":
        return _failure("access_denied", 403, MESSAGES["access_denied"], next_path)
    if error:
        log.warning("google answered the consent with an error",
                    extra={"error": error, "description": request.args.get("error_description")})
        return _failure("login_failed", 400, MESSAGES["login_failed"], next_path)
    code = request.args.get("code")
    if not code:
        return _failure("missing_code", 400, MESSAGES["missing_code"], next_path)
    try:
        grant = signin.exchange_code(config, code, saved.get("nonce"), _certs(config))
    except SignInError as exc:
        return _failure(exc.code, exc.status, exc.message, next_path, exc.retry_after)
    user = accounts.connect(svc.pool, config, grant.email, access_token=grant.access_token,
                            refresh_token=grant.refresh_token, expires_at=grant.expires_at, scopes=grant.scopes,
                            display_name=grant.name)
    with svc.pool.connection() as conn:
        issued = sessions.create(conn, user.id, "web", "oauth", timedelta(days=config.web_session_days))
    missing = signin.missing_services(grant.scopes)
    log.info("signed in", extra={"user_id": str(user.id), "missing_services": missing})
    if not missing:
        response = redirect(next_path, 302)
    elif _wants_json():
        response = jsonify(signed_in=True, warning="partial_scopes", message=signin.partial_message(missing),
                           missing_services=missing, unavailable_features=signin.unavailable_features(missing),
                           scopes=grant.scopes, next=next_path, user={"email": user.email})
    else:
        response = _page("Signed in, with some features off", signin.partial_message(missing), 200,
                         code="partial_scopes", items=signin.unavailable_features(missing),
                         links=[("Grant the missing access", _login_link(next_path)),
                                ("Continue without them", next_path)])
    _set_session_cookie(response, config, issued)
    return response


# -- the extension, logout, demo, me -----------------------------------------------------------------------------

@bp.post("/token")
def token() -> tuple[Response, int]:
    """A server bearer token for the holder of a valid Google access token of a person who connected before."""
    svc = services()
    config = svc.config
    body = request.get_json(force=True, silent=True) if request.get_data(cache=True).strip() else {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    params = validation.load(TokenBody(), body, "token request")
    try:
        info = signin.tokeninfo(config, params["google_access_token"])
    except SignInError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return error_response(exc.status, exc.code, exc.message, headers=headers), exc.status
    allowed = {c for c in (config.google_client_id, *config.google_allowed_client_ids) if c}
    if not config.demo_mode and not {info.get("aud"), info.get("azp")} & allowed:
        log.warning("google token of another client", extra={"aud": info.get("aud")})
        raise ApiError(401, "wrong_client", "This Google sign-in was made for another app. Please sign in again.")
    scopes = str(info.get("scope") or "").split()
    if signin.EMAIL_SCOPE not in scopes and "email" not in scopes:
        raise ApiError(403, "insufficient_scope", "Signing in needs your email address. Please sign in again and "
                                                  "allow the app to see it.")
    email = str(info.get("email") or "").lower()
    if not email or str(info.get("email_verified")).lower() != "true":
        raise ApiError(403, "insufficient_scope", "Your Google account has no verified email address, which "
                                                  "signing in needs.")
    with svc.pool.connection() as conn:
        user = users.get_by_email(conn, email)
        if user is None:
            raise ApiError(403, "not_connected", "Your Google account is not connected yet. Please sign in on the "
                                                 "web first (open /auth/login), then try again.")
        issued = sessions.create(conn, user.id, "bearer", "google_token", timedelta(days=config.bearer_token_days))
    log.info("bearer token issued", extra={"user_id": str(user.id)})
    return jsonify(_token_body(issued, user.email)), 200


@bp.post("/logout")
def logout() -> Response:
    """End this session (`?everywhere=true`: all of the person's sessions), revoke the person's Google grant and
    forget their tokens; 204 whatever there was."""
    svc = services()
    config = svc.config
    args = validation.load(LogoutArgs(), request.args.to_dict(flat=True), "sign-out")
    try:
        presented = presented_credentials()
    except ApiError:
        presented = None
    if presented is not None:
        with svc.pool.connection() as conn:
            ended = sessions.revoke(conn, presented[0])
            user = users.get(conn, ended.user_id) if ended is not None and ended.state == "ok" else None
            if user is not None and args["everywhere"]:
                others = sessions.revoke_all(conn, user.id)
                log.info("signed out everywhere", extra={"user_id": str(user.id), "other_sessions": others})
        if user is not None and ended is not None and ended.source != "dev":
            _revoke_google(svc, user)
    response = Response(status=204)
    _clear_session_cookie(response, config)
    return response


def _revoke_google(svc: Any, user: users.User) -> None:
    """Revoke the grant at Google (the refresh token stands for all of it) and drop our copy of the tokens."""
    blob = user.google_refresh_token_enc or user.google_access_token_enc
    revoked = True
    if blob is not None:
        try:
            google_token = accounts.cipher(svc.config).decrypt(blob, str(user.id))
        except TokenCipherError:  # another key wrote it: nothing we could revoke with; our copy goes anyway
            log.error("stored google token does not decrypt; not revoked at Google", extra={"user_id": str(user.id)})
            revoked = False
        else:
            revoked = signin.revoke(svc.config, google_token)
    with svc.pool.connection() as conn:
        users.disconnect(conn, user.id)
    log.info("signed out", extra={"user_id": str(user.id), "google_revoked": revoked})


@bp.post("/dev-login")
def dev_login() -> Response:
    """The demo's one-click sign-in as the demo user: a session cookie and a bearer token. Demo mode only."""
    svc = services()
    config = svc.config
    if not config.demo_mode:
        raise ApiError(404, "not_found", "There is nothing at this address.")
    with svc.pool.connection() as conn:
        user = users.get_by_email(conn, config.demo_user_email)
        if user is None:
            raise ApiError(503, "not_ready", "The demo account is still being set up. Please try again in a moment.")
        web = sessions.create(conn, user.id, "web", "dev", timedelta(days=config.web_session_days))
        bearer = sessions.create(conn, user.id, "bearer", "dev", timedelta(days=config.bearer_token_days))
    response = jsonify(_token_body(bearer, user.email))
    _set_session_cookie(response, config, web)
    return response


@bp.get("/me")
def me() -> Response:
    """Who this request acts for."""
    user = current_user()
    missing = signin.missing_services(user.granted_scopes) if user.granted_scopes else []
    out: dict[str, Any] = {"email": user.email, "demo": services().config.demo_mode, "scopes": user.granted_scopes,
                           "missing_services": missing, "needs_reauth": user.needs_reauth}
    if user.needs_reauth:
        out.update(reason="access_revoked", message=MESSAGES["access_revoked"], reconnect_url="/auth/login")
    return jsonify(out)
