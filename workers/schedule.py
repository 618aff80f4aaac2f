"""Schedules: a delta sync of every service every 15 minutes per user, and a daily Gmail watch renewal.

How it runs: `python -m workers.schedule` (the Procfile's `scheduler:` line) is an RQ 3 `CronScheduler` with a
single cron job, `tick`, enqueued on the `priority` queue every minute (`* * * * *`). The workers run it like
any job. A tick enqueues only the users *due in that minute*:

* sync: `slot(user_id, 15) == minute % 15` → one `enqueue_sync(..., "delta", queue="sync")` per service,
* watch: `slot(user_id, 1440) == minute % 1440` (minutes since midnight UTC) → `renew_watch` on `sync`,

where `minute` is the minute the scheduler enqueued the tick (minutes since the epoch, UTC), so a tick that
waited behind other jobs still serves its own slice. `slot` is a stable hash of the user id (the first 32 bits of
md5 of its text), computed in SQL to pick the slice and in Python for tests, so 1M users spread evenly over the
15 minutes (≈ 67k a minute) instead of all syncing at :00. Users are those with autosync on and a valid
grant. Duplicates collapse twice over: each minute is claimed once in Redis (a second
scheduler, or a re-run tick, does nothing), and `enqueue_sync`'s pending marker skips a sync still waiting.

A large slice is fanned out as `enqueue_due` jobs of `CHUNK` users, so several workers share the enqueueing.
If the scheduler is down for some minutes, those minutes' users get their sync at their next slot (≤ 15 min
later) and their watch renewal the next day (a watch lasts 7 days).
"""
from __future__ import annotations

import hashlib
import logging
import sys
import time
import uuid
from datetime import datetime
from typing import Any, Sequence

import psycopg
from rq import Queue, get_current_job
from rq.cron import CronScheduler

from workers import context
from workers.enqueue import SERVICES, enqueue_sync
from workers.watch import enqueue_watch

log = logging.getLogger(__name__)

SYNC_PERIOD_MINUTES = 15
WATCH_PERIOD_MINUTES = 24 * 60
CHUNK = 1000  # users per enqueue_due job when a slice is fanned out
TICK_CRON = "* * * * *"
TICK_QUEUE = "priority"  # a tick is tiny and must not wait behind an hour of scheduled syncs
TICK_CLAIM_TTL_SECONDS = 2 * 3600
WHAT = ("sync", "watch")


def slot(user_id: uuid.UUID | str, period: int) -> int:
    """The minute (0 ≤ slot < period) a user is due in: first 32 bits of md5(id text), mod period.

    Same value as `_SLOT_SQL` computes in PostgreSQL (tests hold the two together).
    """
    return int(hashlib.md5(str(user_id).encode()).hexdigest()[:8], 16) % period


_SLOT_SQL = "('x' || substr(md5(id::text), 1, 8))::bit(32)::bigint %% %(period)s"


def due_user_ids(conn: psycopg.Connection[Any], minute: int, period: int) -> list[uuid.UUID]:
    """Syncable users (autosync on, grant valid) whose slot for `period` is `minute % period`.

    Scheduler-wide by nature (it picks users, it reads none of their data), so it has no `user_id` filter.
    """
    rows = conn.execute(
        f"SELECT id FROM users WHERE autosync_enabled AND NOT needs_reauth AND {_SLOT_SQL} = %(slot)s ORDER BY id",
        {"period": period, "slot": minute % period}).fetchall()
    return [row[0] for row in rows]


def epoch_minute(at: datetime | float) -> int:
    """Whole minutes since the Unix epoch (UTC) of a datetime or a timestamp."""
    seconds = at.timestamp() if isinstance(at, datetime) else at
    return int(seconds // 60)


def claim_key(minute: int) -> str:
    """The Redis key that says the tick of `minute` has run."""
    return f"wo:schedule:tick:{minute}"


def enqueue_due(user_ids: Sequence[str], what: str) -> dict[str, int]:
    """RQ job (and the tick's inline path): queue delta syncs (`what="sync"`) or watch renewals (`"watch"`)."""
    if what not in WHAT:
        raise ValueError(f"unknown schedule {what!r}")
    connection = context.context().redis
    queued = collapsed = 0
    for user_id in user_ids:
        if what == "watch":
            enqueue_watch(connection, user_id, queue="sync")
            queued += 1
            continue
        for service in SERVICES:
            if enqueue_sync(connection, user_id, service, "delta", queue="sync") is None:
                collapsed += 1
            else:
                queued += 1
    return {"queued": queued, "collapsed": collapsed}


def _dispatch(user_ids: list[uuid.UUID], what: str) -> dict[str, int]:
    """Enqueue inline when the slice is small; fan out CHUNK-sized `enqueue_due` jobs when it is not."""
    ids = [str(u) for u in user_ids]
    if len(ids) <= CHUNK:
        return {"users": len(ids), **enqueue_due(ids, what)}
    queue = Queue(TICK_QUEUE, connection=context.context().redis)
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        queue.enqueue(enqueue_due, chunk, what, job_timeout=300, description=f"schedule {what} {len(chunk)} users")
    return {"users": len(ids), "fanned_out": len(chunks)}


def tick(minute: int | None = None) -> dict[str, Any]:
    """RQ job, once a minute: queue the syncs and watch renewals due in `minute` (default: when this was queued)."""
    ctx = context.context()
    if minute is None:
        job = get_current_job()
        minute = epoch_minute(job.enqueued_at if job is not None and job.enqueued_at else time.time())
    if not ctx.redis.set(claim_key(minute), "1", nx=True, ex=TICK_CLAIM_TTL_SECONDS):
        log.info("schedule tick already done", extra={"minute": minute})
        return {"minute": minute, "skipped": "already_ticked"}
    with ctx.pool.connection() as conn:
        sync_ids = due_user_ids(conn, minute, SYNC_PERIOD_MINUTES)
        watch_ids = due_user_ids(conn, minute, WATCH_PERIOD_MINUTES)
    result = {"minute": minute, "sync": _dispatch(sync_ids, "sync"), "watch": _dispatch(watch_ids, "watch")}
    log.info("schedule tick", extra=result)
    return result


def build_scheduler(connection: Any, name: str = "") -> CronScheduler:
    """An RQ CronScheduler that enqueues `tick` on the priority queue at the start of every minute."""
    scheduler = CronScheduler(connection=connection, name=name)
    # result_ttl: a tick's summary is worth a look for a few minutes, not an hour of 60 keys.
    scheduler.register(tick, TICK_QUEUE, cron=TICK_CRON, job_timeout=300, result_ttl=600)
    return scheduler


def main() -> int:
    """`python -m workers.schedule`: run the cron scheduler until SIGINT/SIGTERM (one per deployment is enough;
    a second one only duplicates ticks, which the per-minute claim turns into no-ops)."""
    from server.config import Config
    from server.logs import configure_logging
    from server.queue import redis_client

    config = Config.from_env()
    config.require_urls()
    configure_logging(config.log_level)
    scheduler = build_scheduler(redis_client(config.redis_url or "", timeout=30))
    log.info("scheduler starting", extra={"cron": TICK_CRON, "queue": TICK_QUEUE})
    scheduler.start()
    return 0


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy: RQ records a job's function by its module path,
    # and `__main__.tick` would not import in a worker.
    from workers.schedule import main as _main

    sys.exit(_main())
