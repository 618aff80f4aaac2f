"""Who a person means by a name ("Sarah", "kofi", "chenwei.zhang"): addresses from what their index has seen —
senders and recipients of mail, event attendees, file owners and people files are shared with.

Ambiguity is reported, not guessed: two Sarahs come back as two matches with `ambiguous` set, for the caller to
ask which one (or, for a search, to accept both).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg

_PEOPLE = """
WITH seen AS (
    SELECT sender AS email, sender_name AS name FROM gmail_cache WHERE user_id = %(user_id)s
    UNION ALL
    SELECT r->>'email', r->>'name' FROM gmail_cache, jsonb_array_elements(recipients) r WHERE user_id = %(user_id)s
    UNION ALL
    SELECT a->>'email', a->>'name' FROM gcal_cache, jsonb_array_elements(attendees) a WHERE user_id = %(user_id)s
    UNION ALL
    SELECT p->>'email', p->>'name' FROM gdrive_cache, jsonb_array_elements(owners || shared_with) p
     WHERE user_id = %(user_id)s
)
SELECT lower(email) AS email, coalesce(max(name) FILTER (WHERE name <> ''), '') AS name, count(*) AS seen
  FROM seen
 WHERE coalesce(email, '') <> '' AND lower(email) <> %(me)s
   AND (lower(coalesce(name, '')) ~ %(name_word)s OR split_part(lower(email), '@', 1) ~ %(local_word)s
        OR lower(email) = %(exact)s)
 GROUP BY lower(email)
 ORDER BY count(*) DESC, lower(email)
 LIMIT %(limit)s
"""


@dataclass
class Person:
    """Someone the index has seen, and how often."""

    email: str
    name: str
    seen: int


@dataclass
class Resolution:
    """What a name resolved to: every match (most seen first), and whether the caller must choose."""

    query: str
    matches: list[Person] = field(default_factory=list)
    ambiguous: bool = False

    @property
    def emails(self) -> list[str]:
        return [p.email for p in self.matches]


def resolve(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, who: str, me: str = "",
            limit: int = 10) -> Resolution:
    """People matching `who` by address, full name, or a word of their name or address."""
    term = " ".join(who.strip().lower().split())
    if not term:
        return Resolution(who)
    words = re.escape(term)
    rows = conn.execute(_PEOPLE, {"user_id": user_id, "me": me.lower(), "exact": term, "limit": limit,
                                  "name_word": rf"(^|[^[:alnum:]]){words}", "local_word": rf"(^|[._-]){words}"})
    matches = [Person(email, name, seen) for email, name, seen in rows.fetchall()]
    # One person named exactly (full address or full name) is no ambiguity, even if others share a word of it.
    exact = [p for p in matches if term in (p.email, p.name.lower())]
    if len(exact) == 1:
        return Resolution(who, exact)
    return Resolution(who, matches, ambiguous=len(matches) > 1)
