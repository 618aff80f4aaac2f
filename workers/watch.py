"""Gmail `watch`: ask Gmail to publish a mailbox's changes to our Pub/Sub topic (→ `POST /webhooks/gmail`).

A watch lapses after 7 days, so it is renewed daily (`workers.schedule` staggers the renewals over the day) and
started when a person connects their account: the connect flow calls `start_watch_on_connect(redis, user_id)`.
Renewing is idempotent (Gmail replaces the previous watch), so a duplicate run costs one API call.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from rq import Queue, Retry
from rq.job import Job

from server.accounts import NeedsReauth, google_for
from server.google.calls import execute
from server.queue import job_meta
from server.store import users
from workers import context

log = logging.getLogger(__name__)

WATCH_JOB_TIMEOUT_SECONDS = 120


def watch_request_body(topic: str) -> dict[str, Any]:
    """The users.watch body: INBOX changes only, so archived or sent mail does not wake a sync."""
    return {"topicName": topic, "labelIds": ["INBOX"], "labelFilterBehavior": "include"}


def renew_watch(user_id: str) -> dict[str, Any]:
    """RQ job: (re)start the Gmail watch of one user; returns what Gmail answered, or why it was skipped."""
    ctx = context.context()
    with ctx.pool.connection() as conn:
        user = users.get(conn, user_id)
    if user is None:
        log.info("watch skipped: no such user", extra={"user_id": user_id})
        return {"skipped": "unknown_user"}
    if user.needs_reauth:
        log.info("watch skipped: the user must sign in again", extra={"user_id": user_id})
        return {"skipped": "needs_reauth"}
    try:
        with google_for(ctx.pool, ctx.config, user) as google:
            answer = execute(google.gmail.users().watch(userId="me",
                                                        body=watch_request_body(ctx.config.gmail_push_topic)))
    except NeedsReauth:
        # google_for has marked them; retrying cannot help until they sign in again.
        log.info("watch skipped: google refused the grant", extra={"user_id": user_id})
        return {"skipped": "needs_reauth"}
    log.info("gmail watch renewed", extra={"user_id": user_id, "history_id": answer.get("historyId"),
                                           "expiration": answer.get("expiration")})
    return {"historyId": answer.get("historyId"), "expiration": answer.get("expiration")}


def enqueue_watch(connection: redis.Redis, user_id: uuid.UUID | str, queue: str = "sync") -> Job:
    """Queue `renew_watch` for the user (retried on failure: a lapsed watch means no pushes for them)."""
    return Queue(queue, connection=connection).enqueue(
        renew_watch, str(user_id), job_timeout=WATCH_JOB_TIMEOUT_SECONDS,
        retry=Retry(max=3, interval=[60, 300, 900]), description=f"watch gmail {user_id}",
        meta=job_meta())


def start_watch_on_connect(connection: redis.Redis, user_id: uuid.UUID | str) -> Job:
    """Call when a person connects (or reconnects) Google: their pushes start within seconds, not the next day."""
    return enqueue_watch(connection, user_id, queue="priority")
