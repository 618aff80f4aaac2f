"""Who a request acts for: `current_user()`.

Credentials, in this order (faces call `current_user()` and never look at headers themselves):

* `Authorization: Bearer <token>`: a server bearer token from `POST /auth/token` (the Chrome extension) or
  `POST /auth/dev-login`. Any other Authorization scheme, or a token that is unknown, expired or signed out,
  is 401 `unauthenticated` (an expired one says so).
* On the WebSocket path `/ws` only, a `token` query parameter holding the same bearer token (browsers cannot set
  headers on a WebSocket).
* The `wo_session` cookie a web sign-in (`/auth/callback`, `/auth/dev-login`) set. A cookie that no longer
  names a live session is 401 too, and the answer clears it.
* No credentials at all: in **demo mode** (`config.demo_mode`: no `GOOGLE_CLIENT_ID`) the demo user,
  `DEMO_USER_EMAIL`, looked up in `users` (503 `not_ready` until the demo has connected it); otherwise 401.

Sessions are rows of `sessions` (server/store/sessions.py), kept as SHA-256 hashes. A user whose Google grant
was revoked (`needs_reauth`) is still signed in: what needs Google answers `auth_required`, and `/auth/me` says
how to reconnect.
"""
from __future__ import annotations

import logging

from flask import g, request

from server.errors import ApiError
from server.services import services
from server.signin import MESSAGES
from server.store import sessions, users
from server.store.users import User

log = logging.getLogger(__name__)

SESSION_COOKIE = "wo_session"
WS_PATH = "/ws"


def presented_credentials() -> tuple[str, str] | None:
    """(token, kind) the request carries — kind `bearer` or `web` — or None; 401 for a malformed header."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "unauthenticated", "Send `Authorization: Bearer <token>` with a token from "
                                                   "POST /auth/token.")
        return value.strip(), "bearer"
    if request.path == WS_PATH and request.args.get("token"):
        return request.args["token"], "bearer"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, "web"
    return None


def forget_current_user() -> None:
    """Make the next `current_user()` check the credentials again. A WebSocket is one long request: each query
    frame re-checks, so a socket stops acting for someone the moment their session ends (logout, expiry)."""
    g.pop("current_user", None)
    g.pop("current_session", None)


def current_user() -> User:
    """The user this request acts for (cached for the request); raises ApiError 401/503 when there is none."""
    cached = g.get("current_user")
    if cached is not None:
        return cached
    svc = services()
    presented = presented_credentials()
    if presented is not None:
        token, kind = presented
        with svc.pool.connection() as conn:
            found = sessions.find(conn, token, kind)
            user = users.get(conn, found.user_id) if found is not None and found.state == "ok" else None
        if user is None:
            if kind == "web":
                g.clear_session_cookie = True  # the answer drops the dead cookie (server/faces/auth_api.py)
            if found is not None and found.state == "expired":
                raise ApiError(401, "unauthenticated", MESSAGES["session_expired"])
            raise ApiError(401, "unauthenticated", "Please sign in to continue.")
        g.current_user, g.current_session = user, (token, found)
        return user
    if not svc.config.demo_mode:
        raise ApiError(401, "unauthenticated", "Please sign in to continue.")
    with svc.pool.connection() as conn:
        user = users.get_by_email(conn, svc.config.demo_user_email)
    if user is None:
        log.info("demo user not found yet", extra={"email": svc.config.demo_user_email})
        raise ApiError(503, "not_ready", "The demo account is still being set up. Please try again in a moment.")
    g.current_user = user
    return user
