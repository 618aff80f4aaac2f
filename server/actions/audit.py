"""The audit log: every step of an action (proposed, confirmed, done, failed, cancelled, expired, undone, …) as an
`action_log` row — who (the signed-in address), what (kind, action id, target ids and a short summary, never a
message body), when — with the request id and the face it came through, plus one JSON log line per event on the
`server.audit` logger.

The face is set per request by the app (`face_var`: rest, ws, addon); the request id is the one in every log line
(`server.logs.request_id_var`; a job's id in a worker). The log line is written as the row is inserted, inside the
caller's transaction.
"""
from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from server.logs import request_id_var

audit_log = logging.getLogger("server.audit")

# Which face the current request came through ("rest", "ws", "addon"); None outside requests.
face_var: ContextVar[str | None] = ContextVar("face", default=None)
FACES = ("rest", "ws", "addon")

TARGET_KEYS = ("email_id", "event_id", "file_id")  # the Google items an action acts on
RECIPIENT_KEYS = ("to", "cc", "attendees", "emails")  # who receives or gains access
MAX_TITLE = 200


def face_of_path(path: str) -> str:
    """The face a request path belongs to: the add-on's callbacks, the WebSocket, or REST (API and web page)."""
    if path == "/addon" or path.startswith("/addon/"):
        return "addon"
    if path == "/ws":
        return "ws"
    return "rest"


def summary(kind: str, args: dict[str, Any], preview: dict[str, Any] | None) -> dict[str, Any]:
    """What an action does, for the log: its preview's title, the ids it acts on and who it reaches.

    Bodies, notes and descriptions stay out; the arguments keep them (pending_actions.args)."""
    out: dict[str, Any] = {"title": str((preview or {}).get("title") or kind)[:MAX_TITLE]}
    targets = {key: args[key] for key in TARGET_KEYS if args.get(key)}
    if targets:
        out["targets"] = targets
    recipients = sorted({a for key in RECIPIENT_KEYS for a in args.get(key) or []})
    if recipients:
        out["recipients"] = recipients
    return out


def record(conn: psycopg.Connection[Any], user_id: uuid.UUID, action_id: uuid.UUID | None, event: str, kind: str,
           actor: str, detail: dict[str, Any] | None = None) -> None:
    """Append one audit event (in the caller's transaction) and log it."""
    request_id, face = request_id_var.get(), face_var.get()
    conn.execute("INSERT INTO action_log (user_id, action_id, event, kind, detail, actor, request_id, face) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 (user_id, action_id, event, kind, Jsonb(detail or {}), actor, request_id, face))
    line: dict[str, Any] = {"event": event, "kind": kind, "action_id": str(action_id) if action_id else None,
                            "user_id": str(user_id), "actor": actor, "face": face,
                            "request_id": request_id}  # kept on the record, whenever a handler formats it
    targets = (detail or {}).get("targets")
    if targets:
        line["targets"] = targets
    audit_log.info("audit", extra=line)


@dataclass
class AuditEntry:
    """One row of a person's audit log."""

    id: int
    action_id: uuid.UUID | None
    event: str
    kind: str
    actor: str
    detail: dict[str, Any]
    request_id: str | None
    face: str | None
    created_at: datetime


def entries(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, limit: int,
            before: int | None = None) -> list[AuditEntry]:
    """The user's audit events, newest first: at most `limit`, only those with an id below `before` if given."""
    # Two plain statements rather than "(before IS NULL OR id < before)": each is a backward scan of the primary
    # key (user_id, id) that stops after `limit` rows.
    where = "user_id = %(user_id)s" + (" AND id < %(before)s" if before is not None else "")
    with conn.cursor(row_factory=class_row(AuditEntry)) as cur:
        return cur.execute(
            f"""SELECT id, action_id, event, kind, actor, detail, request_id, face, created_at
                FROM action_log WHERE {where}
                ORDER BY id DESC LIMIT %(limit)s""", {"user_id": user_id, "before": before, "limit": limit}
        ).fetchall()
