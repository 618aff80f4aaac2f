"""Conversations and their turns (messages), always by user: what follow-ups resolve against, and what makes a
retried request return its first answer."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

UserId = uuid.UUID | str


@dataclass
class Conversation:
    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Turn:
    id: uuid.UUID
    conversation_id: uuid.UUID
    query: str
    response: str | None
    results: list[dict[str, Any]]
    answer: dict[str, Any] | None
    request_id: str | None
    created_at: datetime


_TURN = "id, conversation_id, query, response, results, answer, request_id, created_at"


def create(conn: psycopg.Connection[Any], user_id: UserId, title: str = "") -> Conversation:
    """A new, empty conversation."""
    with conn.cursor(row_factory=class_row(Conversation)) as cur:
        row = cur.execute("INSERT INTO conversations (user_id, title) VALUES (%s, %s)"
                          " RETURNING id, title, created_at, updated_at", (user_id, title[:200])).fetchone()
    assert row is not None
    return row


def get(conn: psycopg.Connection[Any], user_id: UserId, conversation_id: UserId) -> Conversation | None:
    with conn.cursor(row_factory=class_row(Conversation)) as cur:
        return cur.execute("SELECT id, title, created_at, updated_at FROM conversations"
                           " WHERE user_id = %s AND id = %s", (user_id, conversation_id)).fetchone()


def recent(conn: psycopg.Connection[Any], user_id: UserId, limit: int = 20) -> list[Conversation]:
    """The person's conversations, most recently active first."""
    with conn.cursor(row_factory=class_row(Conversation)) as cur:
        return cur.execute("SELECT id, title, created_at, updated_at FROM conversations WHERE user_id = %s"
                           " ORDER BY updated_at DESC LIMIT %s", (user_id, limit)).fetchall()


def turns(conn: psycopg.Connection[Any], user_id: UserId, conversation_id: UserId, limit: int = 50) -> list[Turn]:
    """A conversation's turns, oldest first."""
    with conn.cursor(row_factory=class_row(Turn)) as cur:
        return cur.execute(f"SELECT {_TURN} FROM messages WHERE user_id = %s AND conversation_id = %s"
                           " ORDER BY created_at LIMIT %s", (user_id, conversation_id, limit)).fetchall()


def latest_turns(conn: psycopg.Connection[Any], user_id: UserId, conversation_id: UserId,
                 limit: int = 3) -> list[Turn]:
    """A conversation's last turns, newest first (what a follow-up is read against)."""
    with conn.cursor(row_factory=class_row(Turn)) as cur:
        return cur.execute(f"SELECT {_TURN} FROM messages WHERE user_id = %s AND conversation_id = %s"
                           " ORDER BY created_at DESC LIMIT %s", (user_id, conversation_id, limit)).fetchall()


def by_request_id(conn: psycopg.Connection[Any], user_id: UserId, request_id: str) -> Turn | None:
    """The turn a request with this client-chosen id already made, if any."""
    with conn.cursor(row_factory=class_row(Turn)) as cur:
        return cur.execute(f"SELECT {_TURN} FROM messages WHERE user_id = %s AND request_id = %s",
                           (user_id, request_id)).fetchone()


def add_turn(conn: psycopg.Connection[Any], user_id: UserId, conversation_id: UserId, query: str, *,
             intent: dict[str, Any] | None, response: str, results: list[dict[str, Any]],
             actions: list[str], answer: dict[str, Any], request_id: str | None) -> Turn:
    """Record a turn (and touch its conversation). A request_id seen before returns that first turn instead."""
    with conn.transaction():
        with conn.cursor(row_factory=class_row(Turn)) as cur:
            row = cur.execute(
                f"""INSERT INTO messages (user_id, conversation_id, query, intent, response, results,
                                          actions_taken, answer, request_id)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                    ON CONFLICT (user_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
                    RETURNING {_TURN}""",
                (user_id, conversation_id, query, Jsonb(intent), response, Jsonb(results), Jsonb(actions),
                 Jsonb(answer), request_id)).fetchone()
        conn.execute("UPDATE conversations SET updated_at = now(),"
                     " title = CASE WHEN title = '' THEN left(%s, 80) ELSE title END"
                     " WHERE user_id = %s AND id = %s", (query, user_id, conversation_id))
    if row is None:  # the same request_id raced us: the first one's turn is the answer
        first = by_request_id(conn, user_id, request_id or "")
        assert first is not None
        return first
    return row
