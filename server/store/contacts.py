"""Contacts: who the person's index has seen and how often, kept in step with the index (sql/007_contacts.sql).

`refresh(conn, service, user_id, item_ids)` is called by every write to the index (workspace_cache's upserts,
deletes and prune, so the sync and the write-through alike) with the ids it wrote or removed. It recomputes what
those items contribute from the rows the index now holds, replaces the items' old contribution where it changed,
and applies the difference to the per-person counts. So:

* re-syncing an item never counts it twice (an unchanged item changes nothing; a changed one swaps its old
  contribution for its new one),
* a deleted, trashed or pruned item takes its contribution away (counts stay exact, not merely approximately
  right), and a person nobody names any more disappears,
* a write racing another write of the same item sees that item's row locked by the index upsert or delete
  that came first in the transaction, so the two recomputations run one after the other.

The counts are updated in one statement, in (email, name) order, so two transactions touching the same people
lock their rows in the same order. Every statement filters by user_id.
"""
from __future__ import annotations

import uuid
from typing import Any, Sequence

import psycopg

UserId = uuid.UUID | str

_REFRESH = """
WITH now_seen AS (
    SELECT item_id, lower(email) AS email, left(coalesce(name, ''), 500) AS name, count(*)::int AS n
      FROM contact_occurrences
     WHERE user_id = %(user_id)s AND service = %(service)s AND item_id = ANY(%(ids)s) AND coalesce(email, '') <> ''
     GROUP BY 1, 2, 3
), before AS (
    SELECT item_id, email, name, n FROM contact_items
     WHERE user_id = %(user_id)s AND service = %(service)s AND item_id = ANY(%(ids)s)
), changed AS (
    SELECT DISTINCT item_id FROM ((TABLE now_seen EXCEPT ALL TABLE before)
                                  UNION ALL (TABLE before EXCEPT ALL TABLE now_seen)) d
), gone AS (
    DELETE FROM contact_items
     WHERE user_id = %(user_id)s AND service = %(service)s AND item_id IN (TABLE changed)
    RETURNING email, name, -n AS n
), fresh AS (
    INSERT INTO contact_items (user_id, service, item_id, email, name, n)
    SELECT %(user_id)s, %(service)s, item_id, email, name, n FROM now_seen WHERE item_id IN (TABLE changed)
    RETURNING email, name, n
), delta AS (
    SELECT email, name, sum(n)::int AS n FROM (TABLE gone UNION ALL TABLE fresh) d
     GROUP BY email, name HAVING sum(n) <> 0
), applied AS (
    INSERT INTO contacts AS c (user_id, email, name, seen)
    SELECT %(user_id)s, email, name, n FROM delta ORDER BY email, name
    ON CONFLICT (user_id, email, name) DO UPDATE SET seen = c.seen + EXCLUDED.seen
    RETURNING email, name, seen
)
SELECT email, name FROM applied WHERE seen <= 0
"""

_FORGET = """
DELETE FROM contacts
 WHERE user_id = %s AND (email, name) IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND seen <= 0
"""


def refresh(conn: psycopg.Connection[Any], service: str, user_id: UserId, item_ids: Sequence[str]) -> None:
    """Bring contacts in line with what the index now holds for these items (written or removed)."""
    if not item_ids:
        return
    nobody = conn.execute(_REFRESH, {"user_id": user_id, "service": service,
                                     "ids": list(dict.fromkeys(item_ids))}).fetchall()
    if nobody:
        conn.execute(_FORGET, (user_id, [e for e, _ in nobody], [n for _, n in nobody]))
