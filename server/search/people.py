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

from server.store.pool import single_read

# Contacts (sql/007_contacts.sql) hold, per address and display name it was seen with, how often the index saw
# it, and lookup keys: `keys @@ 'term':*` finds the rows where the term starts a word of the name, a segment of
# the address's local part, or the address (one GIN lookup). Those few rows then get the exact rules: a word of
# the name at a word boundary, a local-part segment after . _ -, or the whole address. A person is counted over
# the (address, name) rows that match, as when every occurrence was matched one by one.
_PEOPLE = """
SELECT email, coalesce(max(name) FILTER (WHERE name <> ''), '') AS name, sum(seen)::int AS seen
  FROM contacts
 WHERE user_id = %(user_id)s AND keys @@ %(prefix)s::tsquery AND seen > 0 AND email <> %(me)s
   AND (lower(name) ~ %(name_word)s OR split_part(email, '@', 1) ~ %(local_word)s OR email = %(exact)s)
 GROUP BY email
 ORDER BY sum(seen) DESC, email
 LIMIT %(limit)s
"""
KEY_CHARS = 200  # contact keys are cut to this length (contact_keys in sql/007_contacts.sql)


def _prefix_query(term: str) -> str:
    """A tsquery matching lexemes that start with `term` (quoted: spaces and punctuation are part of it)."""
    quoted = term[:KEY_CHARS].replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}':*"


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
    with single_read(conn):
        rows = conn.execute(_PEOPLE, {"user_id": user_id, "me": me.lower(), "exact": term, "limit": limit,
                                      "prefix": _prefix_query(term), "name_word": rf"(^|[^[:alnum:]]){words}",
                                      "local_word": rf"(^|[._-]){words}"}).fetchall()
    matches = [Person(email, name, seen) for email, name, seen in rows]
    # One person named exactly (full address or full name) is no ambiguity, even if others share a word of it.
    exact = [p for p in matches if term in (p.email, p.name.lower())]
    if len(exact) == 1:
        return Resolution(who, exact)
    return Resolution(who, matches, ambiguous=len(matches) > 1)
