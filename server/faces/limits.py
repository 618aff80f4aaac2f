"""Request limits on the web faces: which routes count, and the headers and errors they answer with.

Every REST route under `/api/v1` that does work is counted against the current user's tier (`ROUTES`, each a
read or a side effect); so is each `query` frame on `/ws` (`check_current`) and each add-on callback
(`check_user`). Health, metrics, the OpenAPI document, the static page, `/auth/*` and the Gmail push webhook are
not counted. A counted response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
(seconds until the allowance is whole again); a refused one is 429
`{"error": "rate_limited", "message", "retry_after"}` with `Retry-After`.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from server.errors import ApiError
from server.faces.auth import current_user
from server.queue import redis_client
from server.ratelimit import READ, SIDE_EFFECT, RateLimited, RequestLimiter, Verdict
from server.store.users import User

EXTENSION = "wo.ratelimit"
# Seconds the limiter waits for Redis before failing open (reads) or closed (side effects).
REDIS_TIMEOUT = 0.5

# Endpoint → kind. A query only proposes changes, so it is a read; deciding on an action or starting a sync is a
# side effect. tests/integration/test_rate_limits.py fails when an /api/v1 route is missing here.
ROUTES: dict[str, str] = {
    "query_api.query_route": READ,
    "query_api.query_stream_route": READ,
    "query_api.conversations_route": READ,
    "query_api.new_conversation_route": READ,
    "query_api.conversation_route": READ,
    "search_api.search_route": READ,
    "actions_api.list_actions": READ,
    "actions_api.get_action": READ,
    "actions_api.confirm_action": SIDE_EFFECT,
    "actions_api.cancel_action": SIDE_EFFECT,
    "actions_api.undo_action": SIDE_EFFECT,
    "sync_api.sync_status": READ,
    "audit_api.audit_route": READ,
    "sync_api.sync_now": SIDE_EFFECT,
}
# /api/v1 routes deliberately not counted.
EXEMPT = frozenset({"openapi.openapi_route"})


def install(app: Flask) -> None:
    """Count the routes of `ROUTES` on `app` and add the limit headers to counted responses."""
    svc = app.extensions["wo"]
    tiers = dict(svc.config.rate_limit_tiers)
    connection = redis_client(svc.config.redis_url or "", timeout=REDIS_TIMEOUT)
    app.extensions[EXTENSION] = RequestLimiter(connection, tiers)
    svc.closers.append(connection.close)

    @app.before_request
    def _count() -> None:
        kind = ROUTES.get(request.endpoint or "")
        if kind is not None and request.method != "OPTIONS":
            check_current(kind)

    @app.after_request
    def _headers(response: Response) -> Response:
        verdict: Verdict | None = g.get("rate_limit")
        if verdict is not None:
            response.headers.update(verdict.headers())
        retry_after = g.get("rate_limit_retry_after")
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response


def limiter() -> RequestLimiter:
    """The current app's limiter."""
    return current_app.extensions[EXTENSION]


def check_user(user: User, kind: str) -> Verdict | None:
    """Count one request of `kind` for `user`; raises ApiError 429 (over the limit) or 503 (a side effect while
    Redis is down). Remembers what the response headers must say."""
    try:
        verdict = limiter().check(user, kind)
    except RateLimited as exc:
        g.rate_limit, g.rate_limit_retry_after = exc.verdict, exc.retry_after
        raise
    except ApiError as exc:  # 503: side effects paused while Redis is down
        g.rate_limit_retry_after = exc.details.get("retry_after")
        raise
    g.rate_limit = verdict
    return verdict


def check_current(kind: str) -> Verdict | None:
    """`check_user` for the user this request acts for (401 when there is none)."""
    return check_user(current_user(), kind)
