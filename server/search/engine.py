"""Run one service's hybrid statement for one person and return ranked hits."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

import numpy as np
import psycopg

from server.search.filters import CONDITIONS, condition
from server.search.statements import LISTINGS, STATEMENTS
from server.store.pool import single_read

# Which candidate lists a method uses (the evaluation scores each; the product uses "hybrid").
METHODS: dict[str, tuple[bool, bool, bool]] = {
    "hybrid": (True, True, True),
    "fts": (True, False, False),
    "vector": (False, True, False),
    "filtered": (False, False, True),
}
CANDIDATES = 50  # per list; RRF needs more than the page to fuse well
# How much nearness to "now" may add to a score. Off by default: on the dev set a boost of 0.1 / 0.2 / 0.4 cost
# nDCG@10 0.680 → 0.656 / 0.621 / 0.568 (docs/EVALUATIONS.md); the newer item still wins ties.
RECENCY = 0.0
# HNSW breadth: at 1M rows (about 12 users per partition) 100 gave vector recall@10 0.92, 200 gives 0.975 for ~1 ms
# more (bench/search.py, docs/BENCHMARKS.md).
EF_SEARCH = 200
# How many of a filter's matches (newest first) the filtered list measures exactly (bench/search.py).
FILTER_SCAN = 500


@dataclass
class SearchFilters:
    """Metadata filters (each optional). Addresses are lower case; times are aware datetimes."""

    senders: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    mime_types: list[str] = field(default_factory=list)
    after: datetime | None = None
    before: datetime | None = None
    unread: bool | None = None
    has_attachment: bool | None = None

    def for_service(self, service: str) -> dict[str, Any]:
        """The filters that apply to `service` (others, e.g. attendees for Gmail, are ignored)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in CONDITIONS[service]}


@dataclass
class SearchHit:
    """One ranked item with the evidence of its rank."""

    service: str
    id: str
    title: str
    snippet: str
    at: datetime | None
    who: str
    who_name: str
    link: str
    score: float
    fts_rank: int | None
    vec_rank: int | None
    fvec_rank: int | None
    labels: list[str] = field(default_factory=list)


def _gmail_link(thread_id: str) -> str:
    return f"https://mail.google.com/mail/u/0/#all/{thread_id}"


ORDERS = ("relevance", "newest", "oldest")


def search(conn: psycopg.Connection[Any], service: str, user_id: uuid.UUID | str, text: str,
           vector: np.ndarray | None, filters: SearchFilters | None = None, limit: int = 10,
           method: str = "hybrid", now: datetime | None = None, recency: float = RECENCY,
           order: str = "relevance", every_word: bool = False) -> list[SearchHit]:
    """The person's best `limit` items of `service` for `text` (+ its embedding `vector`).

    `now` (default: the database's clock) anchors the mild recency boost; evaluations pass their frozen now.
    `order` "newest"/"oldest" lists what matches the filters by date instead, items with every word of `text`
    first — "my last email from Nadia", "my next meeting with Kofi"; when no item has every word of a topic,
    relevance decides among the filter's matches. `every_word` (listings only) keeps nothing but the items with
    every word of `text`: what a change to "all the emails about 'X'" may touch.
    """
    values = (filters or SearchFilters()).for_service(service)
    where = condition(service, values)
    if order != "relevance":
        # A listing reads no vectors, so it needs none of the HNSW settings: one statement, one round trip.
        with single_read(conn):
            rows = conn.execute(LISTINGS[service][order].replace("{filters}", where), {
                "user_id": user_id, "text": text, "limit": limit,
                **{name: values.get(name) for name in CONDITIONS[service]}}).fetchall()
        # Each row ends with (has every topic word, the topic has words at all): no second round trip.
        topic = rows[0][-1] if rows else None
        listed = [row[:-2] for row in rows]
        if every_word and (topic or not rows):
            return _hits(service, [row[:-2] for row in rows if row[-2]])
        # A topic no item fully has ("the next board meeting prep") is better served by relevance than by the
        # date order of everything ahead — unless the person named who or when ("my next meeting with Sofia"):
        # then the words left over ("she is off sick") say nothing about which item, and the order decides.
        named = any(v not in (None, [], ()) for k, v in values.items() if k != "after")
        if named or any(row[-2] for row in rows) or not (topic if rows else has_words(conn, text)):
            return _hits(service, listed)
    use_fts, use_vec, use_fvec = METHODS[method]
    if vector is None:
        use_vec = False  # the filtered list still works: it falls back to newest first
    if where == "true":
        use_fvec = False  # without filters the filtered list would only repeat the vector list
    params: dict[str, Any] = {
        "user_id": user_id, "text": text, "vector": vector,
        "use_fts": use_fts, "use_vec": use_vec, "use_fvec": use_fvec, "k": max(CANDIDATES, limit),
        "limit": limit, "now": now or datetime.now(timezone.utc), "recency": recency,
        "filter_scan": FILTER_SCAN,
        **{name: values.get(name) for name in CONDITIONS[service]},
    }
    return _hits(service, _run(conn, STATEMENTS[service].replace("{filters}", where), params))


def has_words(conn: psycopg.Connection[Any], text: str) -> bool:
    """Whether `text` has any word full text searches for (not only stopwords)."""
    return bool(text.strip()) and conn.execute(
        "SELECT numnode(websearch_to_tsquery('english', %s)) > 0", (text,)).fetchone()[0]


def _run(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with conn.transaction():
        # An HNSW scan with a user filter keeps scanning until it has k rows of that user (pgvector 0.8).
        conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                     " set_config('hnsw.ef_search', %s, true)", (str(EF_SEARCH),))  # one round trip
        return conn.execute(sql, params).fetchall()


def _hits(service: str, rows: list[tuple[Any, ...]]) -> list[SearchHit]:
    hits = []
    for (item_id, title, snippet, at, who, who_name, thread_id, labels, link, score, fts_rank, vec_rank,
         fvec_rank) in rows:
        hits.append(SearchHit(service, item_id, title, snippet, at, who, who_name,
                              link or (_gmail_link(thread_id) if service == "gmail" else ""),
                              float(score) if score is not None else 0.0,
                              fts_rank, vec_rank, fvec_rank, list(labels or [])))
    return hits
