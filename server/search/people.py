"""Who a person means by a name: addresses from what their index has seen (senders for now)."""
from __future__ import annotations

import uuid
from typing import Any

import psycopg


def resolve_senders(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, who: str, limit: int = 20) -> list[str]:
    """Addresses of senders matching `who`: the address itself, or senders whose name or address contains it."""
    who = who.strip().lower()
    if "@" in who:
        return [who]
    pattern = "%" + who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(
        "SELECT sender FROM gmail_cache WHERE user_id = %s AND (sender_name ILIKE %s OR sender ILIKE %s) "
        "GROUP BY sender ORDER BY count(*) DESC LIMIT %s", (user_id, pattern, pattern, limit)).fetchall()
    return [r[0] for r in rows]
