"""Sync status and "sync now" for the current user.

`GET /api/v1/sync/status` → `{"services": {"gmail": {...}, "calendar": {...}, "drive": {...}}}` where each
service has `state` (`never`, `queued`, `running`, `ok`, `error`, `needs_reauth`), `queued` (a sync of it is
waiting in a queue), `last_sync_at`, `last_success_at` (ISO 8601 UTC or null), `last_error`, `items_done`,
`items_total`. Everything but `queued` comes from PostgreSQL: with Redis unreachable the status still answers,
with `queued: null` (unknown) and `"queue": "unavailable"` (otherwise `"queue": "ok"`).

`POST /api/v1/sync` with an optional JSON body `{"services": ["gmail", ...], "full": false}` (defaults: all three
services, delta) queues those syncs on the `priority` queue and answers 202
`{"kind": "delta"|"full", "enqueued": [{"service", "job_id"}], "already_pending": ["calendar", ...]}`; with
Redis unreachable it is 503 `queue_unavailable` (nothing queued). A retry carrying the same Idempotency-Key
within 5 minutes answers the first 202 again (server/faces/idempotent.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import redis
from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from server.errors import ApiError
from server.faces import validation
from server.faces.auth import current_user
from server.faces.idempotent import idempotent
from server.faces.outages import QueueUnavailable
from server.services import services
from workers.enqueue import KINDS, SERVICES, enqueue_sync, pending_key

log = logging.getLogger(__name__)
bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")


class SyncRequest(Schema):
    """Body of POST /api/v1/sync; every field optional, unknown fields refused."""

    class Meta:
        unknown = RAISE

    services = fields.List(fields.String(validate=validate.OneOf(SERVICES)),
                           validate=[validate.Length(min=1), validate.Length(max=10)],
                           load_default=lambda: list(SERVICES))
    # Only real JSON booleans: "false" as a string would otherwise be read as True by some clients' intent.
    full = fields.Boolean(truthy={True}, falsy={False}, load_default=False)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


@bp.get("/sync/status")
def sync_status() -> Response:
    """Where each of the current user's syncs stands (a service never synced shows state `never`)."""
    user = current_user()
    svc = services()
    with svc.pool.connection() as conn:
        rows = conn.execute(
            """SELECT service, state, last_sync_at, last_success_at, last_error, items_done, items_total
               FROM sync_status WHERE user_id = %s""", (user.id,)).fetchall()
    by_service = {row[0]: row for row in rows}
    # One round trip for every "is a sync of it waiting?" marker; without Redis that one thing is unknown.
    markers: list[Any] | None
    try:
        markers = svc.redis.mget([pending_key(kind, user.id, s) for s in SERVICES for kind in KINDS])
    except redis.RedisError as exc:
        log.warning("sync status without queue markers", extra={"error": type(exc).__name__})
        markers = None
    out: dict[str, dict[str, Any]] = {}
    for index, service in enumerate(SERVICES):
        row = by_service.get(service)
        queued = None if markers is None else any(markers[index * len(KINDS):(index + 1) * len(KINDS)])
        if row is None:
            out[service] = {"state": "never", "queued": queued, "last_sync_at": None, "last_success_at": None,
                            "last_error": None, "items_done": 0, "items_total": None}
            continue
        _, state, last_sync_at, last_success_at, last_error, items_done, items_total = row
        out[service] = {"state": state, "queued": queued, "last_sync_at": _iso(last_sync_at),
                        "last_success_at": _iso(last_success_at), "last_error": last_error,
                        "items_done": items_done, "items_total": items_total}
    return jsonify(services=out, queue="ok" if markers is not None else "unavailable")


@bp.post("/sync")
@idempotent
def sync_now() -> tuple[Response, int]:
    """Queue the requested syncs for the current user on the priority queue; 202 with what was queued."""
    user = current_user()
    body: Any = {}
    if request.get_data(cache=True).strip():
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise ApiError(400, "bad_request", "The body must be JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    params = validation.load(SyncRequest(), body, "sync request")
    if user.needs_reauth:
        raise ApiError(409, "auth_required", "Your Google account needs to be reconnected before it can sync.")
    kind = "full" if params["full"] else "delta"
    svc = services()
    enqueued: list[dict[str, str]] = []
    already: list[str] = []
    for service in dict.fromkeys(params["services"]):  # keep order, drop repeats
        try:
            job = enqueue_sync(svc.redis, user.id, service, kind, queue="priority")
        except redis.RedisError as exc:
            log.warning("sync could not be queued", extra={"user_id": str(user.id), "service": service,
                                                           "error": type(exc).__name__, "enqueued": enqueued})
            raise QueueUnavailable(str(exc)) from exc
        if job is None:
            already.append(service)
        else:
            enqueued.append({"service": service, "job_id": job.id})
    log.info("sync requested", extra={"user_id": str(user.id), "kind": kind,
                                      "enqueued": [e["service"] for e in enqueued], "already_pending": already})
    return jsonify(kind=kind, enqueued=enqueued, already_pending=already), 202
