"""A person's workspace in the index, made through the store helpers: mail, an event, a file, a conversation with
an answered turn, a pending action and sync status, every text carrying a `marker` word so a test can tell whose
data an answer shows."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from psycopg_pool import ConnectionPool

from server.actions import propose
from server.store import conversations, workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow

T0 = datetime(2023, 11, 30, tzinfo=timezone.utc)


@dataclass
class Seeded:
    """The ids of what `seed` made."""

    user_id: uuid.UUID
    marker: str
    email_id: str
    event_id: str
    file_id: str
    conversation_id: uuid.UUID
    request_id: str
    action_id: uuid.UUID


def seed(pool: ConnectionPool, user_id: uuid.UUID, email: str, marker: str) -> Seeded:
    """Index a small workspace for `user_id` whose every text mentions `marker` (one word, e.g. "quokka")."""
    tag = marker.lower()
    email_id, event_id, file_id = f"{tag}-mail", f"{tag}event", f"{tag}-file"
    with pool.connection() as conn:
        workspace_cache.upsert_messages(conn, user_id, [GmailRow(
            email_id, f"{tag}-thread", f"Budget {marker} review", f"nadia.{tag}@atlas.com", f"Nadia {marker}",
            [{"email": email, "name": "", "kind": "to"}], f"The {marker} budget numbers are attached.",
            f"The {marker} budget", ["INBOX"], False, False, received_at=T0 - timedelta(days=2))])
        workspace_cache.upsert_events(conn, user_id, [EventRow(
            event_id, "primary", f"{marker} budget meeting", f"About the {marker} budget", T0 + timedelta(days=1),
            T0 + timedelta(days=1, hours=1), False, [{"email": f"kofi.{tag}@atlas.com"}])])
        workspace_cache.upsert_files(conn, user_id, [FileRow(
            file_id, f"{marker} budget.xlsx", "application/vnd.google-apps.spreadsheet", f"{marker} budget numbers",
            f"{marker} budget", None, f"https://docs.google.com/spreadsheets/d/{file_id}")])
        conversation = conversations.create(conn, user_id, f"About {marker}")
        request_id = f"req-{tag}"
        answer: dict[str, Any] = {"conversation_id": str(conversation.id), "request_id": request_id,
                                  "answer": {"text": f"The {marker} budget is due Friday.", "citations": [],
                                             "suggestions": []}}
        conversations.add_turn(conn, user_id, conversation.id, f"When is the {marker} budget due?", intent=None,
                               response=answer["answer"]["text"], results=[], actions=[], answer=answer,
                               request_id=request_id)
        action = propose(conn, user_id, "send_email", {"to": [f"kofi.{tag}@atlas.com"],
                                                       "subject": f"{marker} budget", "body": f"{marker}."})
        for service in ("gmail", "calendar", "drive"):
            conn.execute("""INSERT INTO sync_status (user_id, service, state, last_sync_at, last_error, items_done)
                            VALUES (%s, %s, 'error', now(), %s, 7)
                            ON CONFLICT (user_id, service) DO UPDATE SET last_error = excluded.last_error""",
                         (user_id, service, f"{marker} sync failed"))
    return Seeded(user_id, marker, email_id, event_id, file_id, conversation.id, request_id, action.id)
