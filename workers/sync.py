"""The sync jobs RQ runs: `run_full_sync(user_id, service)` and `run_delta_sync(user_id, service)`.

Both are idempotent: upserts keyed by (user_id, Google id), the next start token stored with the last write.
A delta sync without a stored token, or whose token Google no longer accepts (Gmail 404, Calendar 410), runs a
full sync instead. A revoked grant marks the person needs_reauth and ends the job without retrying; rate limits
and outages propagate after the in-call retries, and RQ retries the job later.

Every Google call is charged to the person's Google budget (workers/budget.py). When it is spent at a checkpoint
the job queues itself again for when the budget has refilled and ends, freeing the worker for other people's
jobs; the next run carries on from the checkpoint (server/store/checkpoints.py).
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

from rq import get_current_job

from server.accounts import NeedsReauth, google_for
from server.google import GoogleError
from server.google.calls import metered
from server.google.clients import GoogleServices
from server.store import checkpoints, sync_status, users
from server.store.checkpoints import Checkpoint
from workers import calendar_sync, drive_sync, gmail_sync
from workers.budget import BudgetExhausted, GoogleBudget
from workers.context import JobContext, context
from workers.enqueue import enqueue_embed, enqueue_sync_in, release_pending
from workers.sync_common import SyncResult, TokenExpired

log = logging.getLogger(__name__)

SYNCERS: dict[str, ModuleType] = {"gmail": gmail_sync, "calendar": calendar_sync, "drive": drive_sync}
GOOGLE_TIMEOUT_SECONDS = 30.0  # per HTTP call: nobody waits on a sync, and a batch of 50 full messages is big
# An unfinished sync that has not moved for this long starts over (its job was lost; a paused sync moves on within
# seconds or minutes). A token that expired meanwhile is handled like any other (a delta falls back to full).
CHECKPOINT_MAX_AGE = timedelta(hours=6)


def run_full_sync(user_id: str, service: str) -> dict[str, Any]:
    """Index everything the user has in `service`."""
    return _run(user_id, service, full=True)


def run_delta_sync(user_id: str, service: str) -> dict[str, Any]:
    """Index what changed in `service` since the last sync (a full sync when that is not possible)."""
    return _run(user_id, service, full=False)


def _run(user_id: str, service: str, full: bool) -> dict[str, Any]:
    ctx = context()
    syncer = SYNCERS[service]
    kind = "full" if full else "delta"
    # From here on a new request for this sync queues another job (it may bring changes we have passed).
    release_pending(ctx.redis, kind, user_id, service)
    with ctx.pool.connection() as conn:
        user = users.get(conn, uuid.UUID(user_id))
    if user is None:
        log.warning("sync for an unknown user skipped", extra={"user_id": user_id, "service": service})
        return {"skipped": "unknown user"}
    budget = GoogleBudget.for_user(ctx.redis, ctx.config, user_id)
    try:
        budget.check()
        with google_for(ctx.pool, ctx.config, user, timeout=GOOGLE_TIMEOUT_SECONDS) as g, metered(budget.charge):
            result = _sync(ctx, g, syncer, user_id, service, full, budget)
    except BudgetExhausted as exc:
        return _pause(ctx, user_id, service, kind, exc.retry_after, budget.charged)
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
    log.info("sync done", extra={"user_id": user_id, "service": service, "google_calls": budget.charged,
                                 **result.as_dict()})
    return result.as_dict()


def _sync(ctx: JobContext, g: GoogleServices, syncer: ModuleType, user_id: str, service: str, full: bool,
          budget: GoogleBudget) -> SyncResult:
    """Carry on from an unfinished sync's checkpoint if there is one, then run the sync asked for.

    A full sync asked for supersedes an unfinished delta, and is what an unfinished full sync already is. A delta
    asked for first finishes whatever was left (full or delta), then applies what changed since."""
    resumed: SyncResult | None = None
    with ctx.pool.connection() as conn:
        checkpoint = checkpoints.get(conn, user_id, service)
        if checkpoint is not None and (checkpoint.kind == "delta" and full or _stale(checkpoint)):
            checkpoints.clear(conn, user_id, service)
            checkpoint = None
    if checkpoint is not None:
        log.info("sync resumed", extra={"user_id": user_id, "service": service, "kind": checkpoint.kind,
                                        "position": checkpoint.position, "total": len(checkpoint.items)})
        resumed = syncer.resume(ctx, g, user_id, checkpoint, budget)
        if full:
            return resumed
        budget.check()
    with ctx.pool.connection() as conn:
        start_token = None if full else sync_status.token(conn, user_id, service)
    if start_token is None:
        result = syncer.full(ctx, g, user_id, budget)
    else:
        try:
            result = syncer.delta(ctx, g, user_id, start_token, budget)
        except TokenExpired as exc:
            log.info("sync token expired; full sync", extra={"service": service, "reason": str(exc)})
            result = syncer.full(ctx, g, user_id, budget)
    return result if resumed is None else resumed.then(result)


def _stale(checkpoint: Checkpoint) -> bool:
    """Abandoned: no batch written for a long while (its job was lost); start over rather than carry on."""
    return datetime.now(timezone.utc) - checkpoint.updated_at > CHECKPOINT_MAX_AGE


def _pause(ctx: JobContext, user_id: str, service: str, kind: str, delay: float, calls: int) -> dict[str, Any]:
    """The person's Google budget is spent: queue this sync again for when it has refilled, and free the worker
    (other people's jobs run meanwhile). The checkpoint says where the next run carries on."""
    job = get_current_job()
    queue = job.origin if job is not None else "sync"
    # RQ schedules in whole seconds, rounding down: one more second, so the job never starts before the budget
    # is back (and pauses again at once).
    again = enqueue_sync_in(ctx.redis, user_id, service, kind, queue, delay + 1.0)
    log.info("sync paused: google budget spent", extra={"user_id": user_id, "service": service, "kind": kind,
                                                        "resume_in_s": round(delay, 2), "google_calls": calls,
                                                        "job_queued": again is not None})
    return {"paused": True, "resume_in_s": round(delay, 2), "job_id": again.id if again is not None else None}
