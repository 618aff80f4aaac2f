"""sync_checkpoints: the work an unfinished sync listed, how far it got, and the token to keep when it is done."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from server.store.workspace_cache import UserId


@dataclass
class Checkpoint:
    """One (user, service)'s unfinished sync."""

    kind: str  # "full" or "delta"
    next_token: str | None
    items: list[Any]
    position: int
    created_at: datetime
    updated_at: datetime

    @property
    def remaining(self) -> list[Any]:
        """The items not written yet."""
        return self.items[self.position:]


def get(conn: psycopg.Connection[Any], user_id: UserId, service: str) -> Checkpoint | None:
    """The unfinished sync of this user and service, or None."""
    row = conn.execute("SELECT kind, next_token, items, position, created_at, updated_at FROM sync_checkpoints "
                       "WHERE user_id = %s AND service = %s", (user_id, service)).fetchone()
    return Checkpoint(*row) if row else None


def save(conn: psycopg.Connection[Any], user_id: UserId, service: str, kind: str, next_token: str | None,
         items: list[Any]) -> Checkpoint:
    """Start (or replace) the checkpoint of a sync that has listed `items`; nothing is written yet."""
    row = conn.execute(
        """INSERT INTO sync_checkpoints (user_id, service, kind, next_token, items)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (user_id, service) DO UPDATE SET kind = EXCLUDED.kind, next_token = EXCLUDED.next_token,
               items = EXCLUDED.items, position = 0, created_at = now(), updated_at = now()
           RETURNING created_at, updated_at""", (user_id, service, kind, next_token, Jsonb(items))).fetchone()
    assert row is not None
    return Checkpoint(kind, next_token, items, 0, row[0], row[1])


def advance(conn: psycopg.Connection[Any], user_id: UserId, service: str, position: int) -> None:
    """Items before `position` are written (call in the transaction that wrote them)."""
    conn.execute("UPDATE sync_checkpoints SET position = %s, updated_at = now() WHERE user_id = %s AND service = %s",
                 (position, user_id, service))


def clear(conn: psycopg.Connection[Any], user_id: UserId, service: str) -> None:
    """The sync finished (or is abandoned): forget its checkpoint."""
    conn.execute("DELETE FROM sync_checkpoints WHERE user_id = %s AND service = %s", (user_id, service))
