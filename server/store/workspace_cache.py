"""The index tables (gmail_cache, gcal_cache, gdrive_cache): idempotent upserts keyed by (user_id, Google id),
deletes, pruning after a full sync, and the embedding work queue. Every statement filters by user_id.

An upsert that changes the text a vector was computed from clears that vector (the embed job recomputes it);
one that changes only labels, times or sharing keeps it. Two syncs racing (say a full sync that read a message
before a concurrent delta sync read its newer labels) cannot lose the update: an older version (lower Gmail
historyId, earlier Calendar `updated`) never overwrites a newer one.

Every write here also brings the person's contacts (server/store/contacts.py) in line with the items it wrote or
removed, in the same transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any, Sequence

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from server.store import contacts
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow

UserId = uuid.UUID | str

# service → (table, Google id column, SQL of the headline text, SQL of the full text that gets embedded)
TABLES: dict[str, tuple[str, str, str, str]] = {
    "gmail": ("gmail_cache", "email_id", "subject || E'\\n' || sender_name",
              "subject || E'\\n' || sender_name || E'\\n' || left(body_full, 2000)"),
    "calendar": ("gcal_cache", "event_id", "title || E'\\n' || location",
                 "title || E'\\n' || location || E'\\n' || left(description, 2000)"),
    "drive": ("gdrive_cache", "file_id", "name", "name || E'\\n' || left(content_text, 2000)"),
}
HEADLINE, FULL = 1, 2  # values of embedding_pass


def _keep_embedding_if(table: str, columns: Sequence[str]) -> str:
    same = " AND ".join(f"{table}.{c} IS NOT DISTINCT FROM EXCLUDED.{c}" for c in columns)
    return (f"embedding = CASE WHEN {same} THEN {table}.embedding END, "
            f"embedding_pass = CASE WHEN {same} THEN {table}.embedding_pass END, "
            f"embedded_at = CASE WHEN {same} THEN {table}.embedded_at END")


_GMAIL_UPSERT = f"""
INSERT INTO gmail_cache (user_id, email_id, thread_id, subject, sender, sender_name, recipients, body_preview,
                         body_full, labels, is_read, has_attachments, attachments, received_at, history_id)
VALUES (%(user_id)s, %(email_id)s, %(thread_id)s, %(subject)s, %(sender)s, %(sender_name)s, %(recipients)s,
        %(body_preview)s, %(body_full)s, %(labels)s, %(is_read)s, %(has_attachments)s, %(attachments)s,
        %(received_at)s, %(history_id)s)
ON CONFLICT (user_id, email_id) DO UPDATE SET
    thread_id = EXCLUDED.thread_id, subject = EXCLUDED.subject, sender = EXCLUDED.sender,
    sender_name = EXCLUDED.sender_name, recipients = EXCLUDED.recipients, body_preview = EXCLUDED.body_preview,
    body_full = EXCLUDED.body_full, labels = EXCLUDED.labels, is_read = EXCLUDED.is_read,
    has_attachments = EXCLUDED.has_attachments, attachments = EXCLUDED.attachments,
    received_at = EXCLUDED.received_at, history_id = EXCLUDED.history_id, synced_at = now(),
    {_keep_embedding_if("gmail_cache", ["subject", "sender_name", "body_full"])}
-- A message's historyId only grows; a sync that read an older version must not overwrite a newer one.
WHERE gmail_cache.history_id IS NULL OR EXCLUDED.history_id IS NULL
   OR EXCLUDED.history_id >= gmail_cache.history_id
"""

_EVENT_UPSERT = f"""
INSERT INTO gcal_cache (user_id, event_id, calendar_id, title, description, start_time, end_time, all_day,
                        attendees, organizer, location, meeting_link, html_link, status, recurring_event_id,
                        updated_at)
VALUES (%(user_id)s, %(event_id)s, %(calendar_id)s, %(title)s, %(description)s, %(start_time)s, %(end_time)s,
        %(all_day)s, %(attendees)s, %(organizer)s, %(location)s, %(meeting_link)s, %(html_link)s, %(status)s,
        %(recurring_event_id)s, %(updated_at)s)
ON CONFLICT (user_id, event_id) DO UPDATE SET
    calendar_id = EXCLUDED.calendar_id, title = EXCLUDED.title, description = EXCLUDED.description,
    start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, all_day = EXCLUDED.all_day,
    attendees = EXCLUDED.attendees, organizer = EXCLUDED.organizer, location = EXCLUDED.location,
    meeting_link = EXCLUDED.meeting_link, html_link = EXCLUDED.html_link, status = EXCLUDED.status,
    recurring_event_id = EXCLUDED.recurring_event_id, updated_at = EXCLUDED.updated_at, synced_at = now(),
    {_keep_embedding_if("gcal_cache", ["title", "location", "description"])}
-- Same for events, by Google's `updated` time.
WHERE gcal_cache.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= gcal_cache.updated_at
"""

_FILE_UPSERT = f"""
INSERT INTO gdrive_cache (user_id, file_id, name, mime_type, content_preview, content_text, parent_folder,
                          web_link, owners, shared_with, trashed, size_bytes, created_at, modified_at)
VALUES (%(user_id)s, %(file_id)s, %(name)s, %(mime_type)s, %(content_preview)s, %(content_text)s,
        %(parent_folder)s, %(web_link)s, %(owners)s, %(shared_with)s, %(trashed)s, %(size_bytes)s,
        %(created_at)s, %(modified_at)s)
ON CONFLICT (user_id, file_id) DO UPDATE SET
    name = EXCLUDED.name, mime_type = EXCLUDED.mime_type, content_preview = EXCLUDED.content_preview,
    content_text = EXCLUDED.content_text, parent_folder = EXCLUDED.parent_folder, web_link = EXCLUDED.web_link,
    owners = EXCLUDED.owners, shared_with = EXCLUDED.shared_with, trashed = EXCLUDED.trashed,
    size_bytes = EXCLUDED.size_bytes, created_at = EXCLUDED.created_at, modified_at = EXCLUDED.modified_at,
    synced_at = now(),
    {_keep_embedding_if("gdrive_cache", ["name", "content_text"])}
"""

_JSON_FIELDS = {"recipients", "attachments", "attendees", "owners", "shared_with"}


def _params(user_id: UserId, row: Any) -> dict[str, Any]:
    values = asdict(row)
    for key in _JSON_FIELDS & values.keys():
        values[key] = Jsonb(values[key])
    values["user_id"] = user_id
    return values


def upsert_messages(conn: psycopg.Connection[Any], user_id: UserId, rows: Sequence[GmailRow]) -> None:
    """Insert or update messages (idempotent: running it twice leaves one row per message)."""
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_GMAIL_UPSERT, [_params(user_id, r) for r in rows])
        contacts.refresh(conn, "gmail", user_id, [r.email_id for r in rows])


def upsert_events(conn: psycopg.Connection[Any], user_id: UserId, rows: Sequence[EventRow]) -> None:
    """Insert or update events."""
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_EVENT_UPSERT, [_params(user_id, r) for r in rows])
        contacts.refresh(conn, "calendar", user_id, [r.event_id for r in rows])


def upsert_files(conn: psycopg.Connection[Any], user_id: UserId, rows: Sequence[FileRow]) -> None:
    """Insert or update files."""
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_FILE_UPSERT, [_params(user_id, r) for r in rows])
        contacts.refresh(conn, "drive", user_id, [r.file_id for r in rows])


def delete(conn: psycopg.Connection[Any], service: str, user_id: UserId, ids: Sequence[str]) -> int:
    """Remove items by Google id; returns how many rows went."""
    if not ids:
        return 0
    table, key, _, _ = TABLES[service]
    deleted = conn.execute(f"DELETE FROM {table} WHERE user_id = %s AND {key} = ANY(%s)",
                           (user_id, list(ids))).rowcount
    contacts.refresh(conn, service, user_id, ids)
    return deleted


def prune(conn: psycopg.Connection[Any], service: str, user_id: UserId, keep: Sequence[str]) -> int:
    """After a full sync: remove every item of the user that Google no longer has."""
    table, key, _, _ = TABLES[service]
    gone = [r[0] for r in conn.execute(f"DELETE FROM {table} WHERE user_id = %s AND NOT ({key} = ANY(%s)) "
                                       f"RETURNING {key}", (user_id, list(keep)))]
    contacts.refresh(conn, service, user_id, gone)
    return len(gone)


def ids(conn: psycopg.Connection[Any], service: str, user_id: UserId) -> set[str]:
    """Every Google id the index holds for the user and service."""
    table, key, _, _ = TABLES[service]
    return {r[0] for r in conn.execute(f"SELECT {key} FROM {table} WHERE user_id = %s", (user_id,))}


def claim_for_embedding(conn: psycopg.Connection[Any], service: str, user_id: UserId,
                        limit: int) -> tuple[int, list[tuple[str, str]]]:
    """The next embedding work: (pass, [(id, text)]), locked so a concurrent embed job skips the same rows.

    Items without any vector come first (pass 1, headline text); only when none is left, items that have just a
    headline vector (pass 2, full text). So new mail is covered quickly even while a big backlog is refined.
    Call inside a transaction and store the vectors in the same transaction. An empty list: nothing to do.
    """
    table, key, headline, full = TABLES[service]
    for pass_, text, where in ((HEADLINE, headline, "embedding IS NULL"), (FULL, full, "embedding_pass = 1")):
        rows = conn.execute(
            f"SELECT {key}, {text} FROM {table} WHERE user_id = %s AND {where} "
            f"ORDER BY {key} LIMIT %s FOR UPDATE SKIP LOCKED", (user_id, limit)).fetchall()
        if rows:
            return pass_, rows
    return FULL, []


def store_embeddings(conn: psycopg.Connection[Any], service: str, user_id: UserId, item_ids: Sequence[str],
                     vectors: np.ndarray, pass_: int) -> None:
    """Write vectors of `pass_` for items (ids in the same order as the rows of `vectors`)."""
    table, key, _, _ = TABLES[service]
    with conn.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET embedding = %s, embedding_pass = %s, embedded_at = now() "
                        f"WHERE user_id = %s AND {key} = %s",
                        [(vec, pass_, user_id, item) for item, vec in zip(item_ids, vectors)])


def embedding_backlog(conn: psycopg.Connection[Any], service: str, user_id: UserId) -> dict[str, int]:
    """How many of the user's items have no vector yet, and how many only a headline vector."""
    table, _, _, _ = TABLES[service]
    row = conn.execute(f"SELECT count(*) FILTER (WHERE embedding IS NULL), count(*) FILTER (WHERE embedding_pass = 1)"
                       f" FROM {table} WHERE user_id = %s", (user_id,)).fetchone()
    return {"none": row[0], "headline": row[1]}
