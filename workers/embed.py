"""The embed job: vectors for a user's items, in batches, on the `embed` queue.

Sync jobs write text first, so a new mailbox is searchable by keyword at once. This job then gives every new
item a quick headline vector (pass 1), and afterwards refines each into its full vector (pass 2); new items
always go before refinements. Rows are claimed with FOR UPDATE SKIP LOCKED, so two embed jobs for the same user
share the work.
"""
from __future__ import annotations

import logging
from typing import Any

from server.store import workspace_cache
from workers.context import context
from workers.enqueue import release_pending

log = logging.getLogger(__name__)

BATCH = 64


def run_embed(user_id: str, service: str) -> dict[str, Any]:
    """Give the user's items in `service` their vectors (headline first, then full); returns how many of each."""
    ctx = context()
    release_pending(ctx.redis, "embed", user_id, service)
    embedder = ctx.embedder()
    embedder = getattr(embedder, "inner", embedder)  # documents go to the model, not through the query memo
    done = {workspace_cache.HEADLINE: 0, workspace_cache.FULL: 0}
    while True:
        with ctx.pool.connection() as conn, conn.transaction():
            pass_, claimed = workspace_cache.claim_for_embedding(conn, service, user_id, BATCH)
            if not claimed:
                break
            vectors = embedder.embed([text for _, text in claimed])
            workspace_cache.store_embeddings(conn, service, user_id, [item for item, _ in claimed], vectors, pass_)
        done[pass_] += len(claimed)
    result = {"headline": done[workspace_cache.HEADLINE], "full": done[workspace_cache.FULL]}
    log.info("embedded", extra={"user_id": user_id, "service": service, **result})
    return result
