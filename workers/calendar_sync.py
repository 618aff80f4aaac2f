"""Calendar into gcal_cache: full sync (events.list to the end → nextSyncToken), delta sync (syncToken; 410 →
full sync). Cancelled events leave the index."""
from __future__ import annotations

import uuid
from typing import Any

from server.google.calls import execute
from server.google.clients import GoogleServices
from server.google.errors import GoogleError
from server.store import sync_status, workspace_cache
from server.sync.calendar_event import parse_event
from workers.budget import GoogleBudget
from workers.context import JobContext
from workers.sync_common import SyncResult, TokenExpired

CALENDAR = "primary"


def _pages(g: GoogleServices, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Every event of a listing and the nextSyncToken given on its last page."""
    items: list[dict[str, Any]] = []
    page = None
    while True:
        resp = execute(g.calendar.events().list(calendarId=CALENDAR, singleEvents=True, maxResults=250,
                                                pageToken=page, **params))
        items.extend(resp.get("items", []))
        page = resp.get("nextPageToken")
        if not page:
            return items, resp.get("nextSyncToken")


def full(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str,
         budget: GoogleBudget | None = None) -> SyncResult:
    """Index every event of the primary calendar and drop the ones Google no longer has.

    A calendar costs one call per 250 events and no call per event, so its sync is one unit of work with no
    checkpoint inside: the budget is checked before it starts (workers/sync.py), not during it."""
    with ctx.pool.connection() as conn:
        sync_status.started(conn, user_id, "calendar")
    items, token = _pages(g, showDeleted=False)
    rows = [parse_event(e, CALENDAR) for e in items if e.get("status") != "cancelled"]
    with ctx.pool.connection() as conn, conn.transaction():
        workspace_cache.upsert_events(conn, user_id, rows)
        deleted = workspace_cache.prune(conn, "calendar", user_id, [r.event_id for r in rows])
        sync_status.progress(conn, user_id, "calendar", len(rows), len(rows))
        sync_status.succeeded(conn, user_id, "calendar", token)
    return SyncResult("full", upserted=len(rows), deleted=deleted)


def delta(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str, token: str,
          budget: GoogleBudget | None = None) -> SyncResult:
    """Apply the changes since `token`; TokenExpired when Calendar answers 410 (full sync required)."""
    try:
        items, new_token = _pages(g, syncToken=token)
    except GoogleError as exc:
        if exc.kind == "gone":
            raise TokenExpired("Calendar sync token expired") from exc
        raise
    cancelled = [e["id"] for e in items if e.get("status") == "cancelled"]
    rows = [parse_event(e, CALENDAR) for e in items if e.get("status") != "cancelled"]
    with ctx.pool.connection() as conn, conn.transaction():
        workspace_cache.upsert_events(conn, user_id, rows)
        removed = workspace_cache.delete(conn, "calendar", user_id, cancelled)
        sync_status.succeeded(conn, user_id, "calendar", new_token)
    return SyncResult("delta", upserted=len(rows), deleted=removed)
