"""What previews read from the local index (gmail_cache, gcal_cache, gdrive_cache), filtered by user_id.

Each lookup falls back to Google when the index does not have the item yet and the caller passed the user's
clients (say, a message that arrived after the last sync); the fetched resource goes through the same parsers
the sync uses, so a preview sees the same fields either way.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from server.google import GoogleError, writes
from server.sync.calendar_event import parse_event
from server.sync.drive_file import FILE_FIELDS, parse_file
from server.sync.gmail_message import parse_message


def _one(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchone()


def _from_google(fetch: Any) -> dict[str, Any] | None:
    try:
        return fetch()
    except GoogleError as exc:
        if exc.kind in ("not_found", "gone"):
            return None
        raise


def message(conn: psycopg.Connection[Any], user_id: uuid.UUID, email_id: str,
            google: Any = None) -> dict[str, Any] | None:
    """The indexed message (subject, sender, recipients, body_full, received_at, ...) or None."""
    row = _one(conn, "SELECT email_id, thread_id, subject, sender, sender_name, recipients, body_full, labels, "
                     "has_attachments, attachments, received_at FROM gmail_cache "
                     "WHERE user_id = %s AND email_id = %s", (user_id, email_id))
    if row is None and google is not None:
        resource = _from_google(lambda: writes.get_message(google, email_id))
        row = asdict(parse_message(resource)) if resource else None
    return row


def event(conn: psycopg.Connection[Any], user_id: uuid.UUID, event_id: str,
          google: Any = None) -> dict[str, Any] | None:
    """The indexed event (title, start_time, end_time, all_day, attendees, ...) or None."""
    row = _one(conn, "SELECT event_id, title, description, start_time, end_time, all_day, attendees, organizer, "
                     "location, status FROM gcal_cache WHERE user_id = %s AND event_id = %s", (user_id, event_id))
    if row is None and google is not None:
        resource = _from_google(lambda: writes.get_event(google, event_id))
        row = asdict(parse_event(resource)) if resource and resource.get("status") != "cancelled" else None
    return row


def overlapping(conn: psycopg.Connection[Any], user_id: uuid.UUID, start: datetime, end: datetime,
                exclude: str | None = None, limit: int = 3) -> list[dict[str, Any]]:
    """Timed events of the user that overlap [start, end), earliest first (for "clashes with" warnings)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """SELECT event_id, title, start_time, end_time FROM gcal_cache
               WHERE user_id = %s AND NOT all_day AND status <> 'cancelled'
                 AND start_time < %s AND end_time > %s AND event_id IS DISTINCT FROM %s
               ORDER BY start_time LIMIT %s""", (user_id, end, start, exclude, limit)).fetchall()


def drive_file(conn: psycopg.Connection[Any], user_id: uuid.UUID, file_id: str,
               google: Any = None) -> dict[str, Any] | None:
    """The indexed file (name, web_link, owners, shared_with, ...) or None."""
    row = _one(conn, "SELECT file_id, name, mime_type, web_link, owners, shared_with, trashed FROM gdrive_cache "
                     "WHERE user_id = %s AND file_id = %s", (user_id, file_id))
    if row is None and google is not None:
        resource = _from_google(lambda: writes.get_file(google, file_id, FILE_FIELDS))
        row = asdict(parse_file(resource)) if resource else None
    return row


def indexed_text(conn: psycopg.Connection[Any], user_id: uuid.UUID, file_id: str) -> str:
    """The text the index holds for a file ('' when none), kept when the file's sharing is written through."""
    row = conn.execute("SELECT content_text FROM gdrive_cache WHERE user_id = %s AND file_id = %s",
                       (user_id, file_id)).fetchone()
    return row[0] if row else ""
