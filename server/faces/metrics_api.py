"""`GET /metrics`: Prometheus text exposition of every metric (server/metrics.py).

Open when `METRICS_TOKEN` is unset (the demo); with it set, the scraper must send `Authorization: Bearer <token>`
(Prometheus: `authorization: {credentials: ...}` in the scrape config), else 401. The metrics carry no user
ids, addresses or query text, only counts by route, queue, service, breaker, cache and model.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, request

from server import metrics
from server.errors import error_response
from server.services import services

bp = Blueprint("metrics", __name__)


def _authorized(token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


@bp.get("/metrics")
def metrics_route() -> Response:
    """Every metric, read now: this process's (or every worker's) counters plus queue depth and sync lag."""
    svc = services()
    token = svc.config.metrics_token
    if token and not _authorized(token):
        return error_response(401, "unauthenticated", "Send `Authorization: Bearer <METRICS_TOKEN>` to read the "
                                                      "metrics.", headers={"WWW-Authenticate": "Bearer"})
    body, content_type = metrics.exposition(svc.config.prometheus_multiproc_dir, svc.pool, svc.redis,
                                            svc.config.ready_timeout)
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
