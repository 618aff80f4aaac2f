"""After Google did it, the local index follows at once: a follow-up search sees the sent mail, the trashed
message gone, the moved event, the new permission — without waiting for the next sync.

Executors collect the Google resources they changed (fetched back from Google, so the index holds exactly what
Google holds) in an `IndexWrites`; `apply` turns them into rows with the sync's own parsers and upserts, inside
the transaction that marks the action done. The index keeps its usual rules: trash, spam and drafts stay out,
a cancelled event leaves, a trashed file leaves.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg

from server.actions import lookup
from server.store import workspace_cache
from server.sync.calendar_event import parse_event
from server.sync.drive_file import parse_file
from server.sync.gmail_message import indexable, parse_message


@dataclass
class IndexWrites:
    """Google resources to write through, and ids known to be gone."""

    messages: list[dict[str, Any]] = field(default_factory=list)   # messages.get(format=full)
    events: list[dict[str, Any]] = field(default_factory=list)     # Calendar Event resources
    files: list[dict[str, Any]] = field(default_factory=list)      # Drive File resources with FILE_FIELDS
    deleted_events: list[str] = field(default_factory=list)


def apply(conn: psycopg.Connection[Any], user_id: uuid.UUID, writes: IndexWrites) -> None:
    """Upsert or remove the rows for `writes` (in the caller's transaction)."""
    keep = [parse_message(m) for m in writes.messages if indexable(m.get("labelIds"))]
    workspace_cache.upsert_messages(conn, user_id, keep)
    workspace_cache.delete(conn, "gmail", user_id, [m["id"] for m in writes.messages
                                                    if not indexable(m.get("labelIds"))])
    live = [e for e in writes.events if e.get("status") != "cancelled"]
    workspace_cache.upsert_events(conn, user_id, [parse_event(e) for e in live])
    gone = writes.deleted_events + [e["id"] for e in writes.events if e.get("status") == "cancelled"]
    workspace_cache.delete(conn, "calendar", user_id, gone)
    # A sharing change does not change a file's text: keep the indexed text (and so its vector).
    files = [f for f in writes.files if not f.get("trashed")]
    workspace_cache.upsert_files(conn, user_id, [parse_file(f, lookup.indexed_text(conn, user_id, f["id"]))
                                                 for f in files])
    workspace_cache.delete(conn, "drive", user_id, [f["id"] for f in writes.files if f.get("trashed")])
