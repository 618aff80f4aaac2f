"""The sync jobs RQ runs: `run_full_sync(user_id, service)` and `run_delta_sync(user_id, service)`.

Both are idempotent: upserts keyed by (user_id, Google id), the next start token stored with the last write.
A delta sync without a stored token, or whose token Google no longer accepts (Gmail 404, Calendar 410), runs a
full sync instead. A revoked grant marks the person needs_reauth and ends the job without retrying; rate limits
and outages propagate after the in-call retries, and RQ retries the job later.
"""
from __future__ import annotations

import logging
import uuid
from types import ModuleType
from typing import Any

from server.accounts import NeedsReauth, google_for
from server.google import GoogleError
from server.store import sync_status, users
from workers import calendar_sync, drive_sync, gmail_sync
from workers.context import context
from workers.enqueue import enqueue_embed, release_pending
from workers.sync_common import SyncResult, TokenExpired

log = logging.getLogger(__name__)

SYNCERS: dict[str, ModuleType] = {"gmail": gmail_sync, "calendar": calendar_sync, "drive": drive_sync}
GOOGLE_TIMEOUT_SECONDS = 30.0  # per HTTP call: nobody waits on a sync, and a batch of 50 full messages is big


def run_full_sync(user_id: str, service: str) -> dict[str, Any]:
    """Index everything the user has in `service`."""
    return _run(user_id, service, full=True)


def run_delta_sync(user_id: str, service: str) -> dict[str, Any]:
    """Index what changed in `service` since the last sync (a full sync when that is not possible)."""
    return _run(user_id, service, full=False)


def _run(user_id: str, service: str, full: bool) -> dict[str, Any]:
    ctx = context()
    syncer = SYNCERS[service]
    # From here on a new request for this sync queues another job (it may bring changes we have passed).
    release_pending(ctx.redis, "full" if full else "delta", user_id, service)
    with ctx.pool.connection() as conn:
        user = users.get(conn, uuid.UUID(user_id))
        start_token = None if full else sync_status.token(conn, user_id, service)
    if user is None:
        log.warning("sync for an unknown user skipped", extra={"user_id": user_id, "service": service})
        return {"skipped": "unknown user"}
    try:
        with google_for(ctx.pool, ctx.config, user, timeout=GOOGLE_TIMEOUT_SECONDS) as g:
            result: SyncResult
            if start_token is None:
                result = syncer.full(ctx, g, user_id)
            else:
                try:
                    result = syncer.delta(ctx, g, user_id, start_token)
                except TokenExpired as exc:
                    log.info("sync token expired; full sync", extra={"service": service, "reason": str(exc)})
                    result = syncer.full(ctx, g, user_id)
    except NeedsReauth:
        with ctx.pool.connection() as conn:
            sync_status.failed(conn, user_id, service, "Google access was revoked or expired; sign in again.",
                               state="needs_reauth")
        return {"needs_reauth": True}
    except GoogleError as exc:
        with ctx.pool.connection() as conn:
            sync_status.failed(conn, user_id, service, str(exc))
        if exc.retryable:
            raise  # RQ's Retry schedules the job again
        log.warning("sync failed", extra={"service": service, "kind": exc.kind, "status": exc.status})
        return {"error": exc.kind}
    if result.upserted:
        enqueue_embed(ctx.redis, user_id, service)
    log.info("sync done", extra={"user_id": user_id, "service": service, **result.as_dict()})
    return result.as_dict()
