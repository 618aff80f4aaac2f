"""sync_status: where each (user, service) sync stands, and the token its next delta sync starts from."""
from __future__ import annotations

from typing import Any

import psycopg

from server.store.workspace_cache import UserId


def token(conn: psycopg.Connection[Any], user_id: UserId, service: str) -> str | None:
    """The stored historyId / syncToken / page token, or None before the first full sync."""
    row = conn.execute("SELECT last_sync_token FROM sync_status WHERE user_id = %s AND service = %s",
                       (user_id, service)).fetchone()
    return row[0] if row else None


def started(conn: psycopg.Connection[Any], user_id: UserId, service: str, total: int | None = None) -> None:
    """A sync began (items_done restarts at 0)."""
    conn.execute(
        """INSERT INTO sync_status (user_id, service, state, last_sync_at, items_done, items_total, updated_at)
           VALUES (%s, %s, 'running', now(), 0, %s, now())
           ON CONFLICT (user_id, service) DO UPDATE SET state = 'running', last_sync_at = now(), items_done = 0,
               items_total = EXCLUDED.items_total, updated_at = now()""", (user_id, service, total))


def progress(conn: psycopg.Connection[Any], user_id: UserId, service: str, done: int,
             total: int | None = None) -> None:
    """Items handled so far during a sync (and the total once known)."""
    conn.execute("UPDATE sync_status SET items_done = %s, items_total = COALESCE(%s, items_total), "
                 "updated_at = now() WHERE user_id = %s AND service = %s", (done, total, user_id, service))


def succeeded(conn: psycopg.Connection[Any], user_id: UserId, service: str, new_token: str | None) -> None:
    """The sync finished: keep the token the next delta sync starts from (in the caller's transaction)."""
    conn.execute(
        """UPDATE sync_status SET state = 'ok', last_sync_token = COALESCE(%s, last_sync_token),
               last_success_at = now(), last_error = NULL, updated_at = now()
           WHERE user_id = %s AND service = %s""", (new_token, user_id, service))


def failed(conn: psycopg.Connection[Any], user_id: UserId, service: str, error: str,
           state: str = "error") -> None:
    """The sync failed (state 'error', or 'needs_reauth' when the grant is gone)."""
    conn.execute(
        """INSERT INTO sync_status (user_id, service, state, last_error, updated_at) VALUES (%s, %s, %s, %s, now())
           ON CONFLICT (user_id, service) DO UPDATE SET state = EXCLUDED.state, last_error = EXCLUDED.last_error,
               updated_at = now()""", (user_id, service, state, error[:2000]))
