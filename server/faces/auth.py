"""Who a request acts for: `current_user()`.

Today there is no sign-in yet, so there are only two cases:

* **Demo mode** (`config.demo_mode`: no `GOOGLE_CLIENT_ID`): a request *without* credentials acts as the demo
  user, `DEMO_USER_EMAIL` (default `sam@atlas.com`), looked up in `users`. Until that row exists (the demo is
  still connecting the account) the answer is 503 `not_ready`.
* **Otherwise**: 401 `unauthenticated`.

A request that carries credentials (an `Authorization` header) is refused with 401 in both modes: nothing can
verify them yet, and silently acting as the demo user for a caller who tried to sign in would be wrong.

When real sign-in lands (Google OAuth for the add-on and the side panel), it replaces the body of
`current_user()`: verify the credentials, find the user, and keep the demo fallback for credential-less
requests in demo mode only. Faces call `current_user()` and never look at headers themselves.
"""
from __future__ import annotations

import logging

from flask import g, request

from server.errors import ApiError
from server.services import services
from server.store import users
from server.store.users import User

log = logging.getLogger(__name__)


def current_user() -> User:
    """The user this request acts for (cached for the request); raises ApiError 401/503 when there is none."""
    cached = g.get("current_user")
    if cached is not None:
        return cached
    svc = services()
    if request.headers.get("Authorization"):
        raise ApiError(401, "unauthenticated", "Signing in with credentials is not supported yet.")
    if not svc.config.demo_mode:
        raise ApiError(401, "unauthenticated", "Please sign in to continue.")
    with svc.pool.connection() as conn:
        user = users.get_by_email(conn, svc.config.demo_user_email)
    if user is None:
        log.info("demo user not found yet", extra={"email": svc.config.demo_user_email})
        raise ApiError(503, "not_ready", "The demo account is still being set up. Please try again in a moment.")
    g.current_user = user
    return user
