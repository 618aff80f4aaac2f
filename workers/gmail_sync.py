"""Gmail into gmail_cache: full sync (messages.list + batched messages.get) and delta sync (history.list).

Both list their work first (message ids) and save it as the sync's checkpoint (server/store/checkpoints.py), then
fetch and write it in batches, each committed with the checkpoint's new position; `resume` carries on from there,
whether the job ran out of Google budget or was killed half-way. The historyId a delta sync starts from is stored
only once every batch is written, so nothing is skipped (upserts are idempotent, so redoing a batch is harmless).
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from typing import Any, Iterable

from server.google import breakers
from server.google.calls import execute
from server.google.clients import GoogleServices
from server.google.errors import GoogleError, classify
from server.resilience.backoff import backoff_delay
from server.store import checkpoints, sync_status, workspace_cache
from server.store.checkpoints import Checkpoint
from server.sync.gmail_message import indexable, parse_message
from workers.budget import GoogleBudget
from workers.context import JobContext
from workers.enqueue import enqueue_embed
from workers.sync_common import SyncResult, TokenExpired, chunks, write_in_batches

log = logging.getLogger(__name__)

BATCH = 50  # Gmail's advice for batches of messages.get
LIST_PAGE = 500
WRITE_EVERY = 200  # messages per transaction during a full sync: progress shows, a crash loses little


class _Batch:
    """A BatchHttpRequest behind the `.execute(num_retries)` interface `calls.execute` retries."""

    methodId = "gmail.batch"  # noqa: N815 (googleapiclient's name): counts against the Gmail breaker

    def __init__(self, batch: Any) -> None:
        self.batch = batch

    def execute(self, num_retries: int = 0) -> None:
        self.batch.execute()


def fetch_messages(g: GoogleServices, ids: Iterable[str], attempts: int = 5) -> tuple[list[dict[str, Any]], set[str]]:
    """Full resources for `ids` via batched messages.get; returns (resources, ids Google no longer has).

    Parts of a batch that are rate limited or fail transiently are fetched again after a backoff.
    """
    wanted = list(dict.fromkeys(ids))
    found: dict[str, dict[str, Any]] = {}
    missing: set[str] = set()
    for attempt in range(attempts):
        retry: list[str] = []
        retry_after = 0.0
        for chunk in chunks(wanted, BATCH):
            def collect(request_id: str, response: Any, exception: Exception | None) -> None:
                nonlocal retry_after
                if exception is None:
                    found[response["id"]] = response
                    return
                error = classify(exception)
                if error is None:
                    raise exception
                if error.kind == "not_found":
                    missing.add(request_id)
                elif error.retryable:
                    retry.append(request_id)
                    retry_after = max(retry_after, error.retry_after or 0.0)
                else:
                    raise error

            batch = g.new_batch(callback=collect)
            for message_id in chunk:
                batch.add(g.gmail.users().messages().get(userId="me", id=message_id, format="full"),
                          request_id=message_id)
            execute(_Batch(batch), cost=len(chunk))
        if not retry:
            return list(found.values()), missing
        wanted = retry
        time.sleep(backoff_delay(attempt, 0.5, 16.0, retry_after, random.random))
    error = GoogleError("rate_limited", 429, f"{len(wanted)} messages still rate limited after {attempts} tries")
    breakers.record("gmail", error)  # the batch itself answered; its parts say Gmail is struggling
    raise error


def _list_ids(g: GoogleServices) -> list[str]:
    ids: list[str] = []
    page = None
    while True:
        resp = execute(g.gmail.users().messages().list(userId="me", maxResults=LIST_PAGE, pageToken=page,
                                                        includeSpamTrash=False))
        ids.extend(m["id"] for m in resp.get("messages", []))
        page = resp.get("nextPageToken")
        if not page:
            return ids


def full(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str,
         budget: GoogleBudget | None = None) -> SyncResult:
    """Index every message (not trash/spam), then drop rows Google no longer has; remember the historyId.

    The message ids are listed first and saved as the checkpoint; then they are fetched and written in batches
    (`resume`)."""
    # The historyId is read *before* listing: whatever changes while we list and fetch is replayed by the next
    # delta sync (replaying is harmless, missing would not be).
    start_history = str(execute(g.gmail.users().getProfile(userId="me"))["historyId"])
    ids = _list_ids(g)
    with ctx.pool.connection() as conn, conn.transaction():
        sync_status.started(conn, user_id, "gmail", total=len(ids))
        checkpoint = checkpoints.save(conn, user_id, "gmail", "full", start_history, ids)
    if budget is not None:
        budget.check()  # a long listing may have spent it; the list is saved
    return resume(ctx, g, user_id, checkpoint, budget)


def delta(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str, start_history: str,
          budget: GoogleBudget | None = None) -> SyncResult:
    """Apply history since `start_history`; TokenExpired when Gmail no longer has it (404)."""
    changed: set[str] = set()
    deleted: set[str] = set()
    latest = start_history
    page = None
    while True:
        try:
            resp = execute(g.gmail.users().history().list(userId="me", startHistoryId=start_history,
                                                           pageToken=page, maxResults=500))
        except GoogleError as exc:
            if exc.kind == "not_found":
                raise TokenExpired(f"historyId {start_history} is no longer available") from exc
            raise
        for record in resp.get("history", []):
            for entry in record.get("messagesAdded", []) + record.get("labelsAdded", []) + \
                    record.get("labelsRemoved", []):
                changed.add(entry["message"]["id"])
            for entry in record.get("messagesDeleted", []):
                deleted.add(entry["message"]["id"])
        latest = str(resp.get("historyId", latest))
        page = resp.get("nextPageToken")
        if not page:
            break
    changed -= deleted
    with ctx.pool.connection() as conn, conn.transaction():
        removed = workspace_cache.delete(conn, "gmail", user_id, sorted(deleted))
        checkpoint = checkpoints.save(conn, user_id, "gmail", "delta", latest, sorted(changed))
    result = resume(ctx, g, user_id, checkpoint, budget)
    return SyncResult("delta", upserted=result.upserted, deleted=removed + result.deleted)


def resume(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str, checkpoint: Checkpoint,
           budget: GoogleBudget | None = None) -> SyncResult:
    """Fetch and write the checkpoint's remaining messages in batches, then finish the sync: keep its historyId
    (and after a full sync drop what Google no longer has)."""

    def write(conn: Any, fetched: tuple[list[dict[str, Any]], set[str]]) -> tuple[int, int]:
        resources, missing = fetched
        rows = [parse_message(r) for r in resources if indexable(r.get("labelIds"))]
        # Trashed or spam now, or gone altogether: out of the index.
        gone = missing | {r["id"] for r in resources if not indexable(r.get("labelIds"))}
        workspace_cache.upsert_messages(conn, user_id, rows)
        return len(rows), workspace_cache.delete(conn, "gmail", user_id, sorted(gone))

    def written() -> None:
        if checkpoint.kind == "full":
            enqueue_embed(ctx.redis, user_id, "gmail")  # vectors start while the rest is still being fetched
            log.info("gmail full sync progress", extra={"user_id": str(user_id), "done": checkpoint.position,
                                                        "total": len(checkpoint.items)})

    upserted, deleted = write_in_batches(ctx, user_id, "gmail", checkpoint, WRITE_EVERY,
                                         lambda ids: fetch_messages(g, ids), write, budget, written)
    with ctx.pool.connection() as conn, conn.transaction():
        if checkpoint.kind == "full":
            deleted += workspace_cache.prune(conn, "gmail", user_id, checkpoint.items)
        sync_status.succeeded(conn, user_id, "gmail", checkpoint.next_token)
        checkpoints.clear(conn, user_id, "gmail")
    return SyncResult(checkpoint.kind, upserted=upserted, deleted=deleted)
