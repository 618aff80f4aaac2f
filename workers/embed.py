"""The embed job: vectors for a user's items that lack one, in batches, on the `embed` queue.

Sync jobs write text first, so a new mailbox is searchable by keyword at once and semantically moments later.
Rows are claimed with FOR UPDATE SKIP LOCKED, so two embed jobs for the same user share the work.
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
    """Embed every item of `service` for the user that has no vector yet; returns how many."""
    ctx = context()
    release_pending(ctx.redis, "embed", user_id, service)
    embedder = ctx.embedder()
    total = 0
    while True:
        with ctx.pool.connection() as conn, conn.transaction():
            claimed = workspace_cache.claim_unembedded(conn, service, user_id, BATCH)
            if not claimed:
                break
            vectors = embedder.embed([text for _, text in claimed])
            workspace_cache.store_embeddings(conn, service, user_id, [item for item, _ in claimed], vectors)
        total += len(claimed)
    log.info("embedded", extra={"user_id": user_id, "service": service, "count": total})
    return {"embedded": total}
