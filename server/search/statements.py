"""The hybrid statement of each service, written out.

Three candidate lists, each at most %(k)s long, then fused with Reciprocal Rank Fusion (k = 60):
  fts   — full text: websearch_to_tsquery on the generated tsvector, ranked by ts_rank_cd (title/subject
          weighted A above body C);
  vec   — nearest neighbours by cosine distance (HNSW; iterative scan so the user filter never starves it);
  fvec  — the items matching the metadata filters (the newest FILTER_SCAN of them), nearest first (then
          newest), weighted 1.5: items that match what the person said (sender, dates, type...) rise.
Each list is switched on by a boolean parameter (a false one-time filter costs nothing), so the evaluation can
score the methods apart. {filters} is replaced by a fixed, parameterised condition from `filters.py`.
"""
from __future__ import annotations

_FUSION = """
fused AS (
    SELECT id,
           sum(weight / (60 + rank)) AS score,
           min(rank) FILTER (WHERE method = 'fts')  AS fts_rank,
           min(rank) FILTER (WHERE method = 'vec')  AS vec_rank,
           min(rank) FILTER (WHERE method = 'fvec') AS fvec_rank
      FROM (SELECT id, rank, 1.0 AS weight, 'fts' AS method FROM fts
            UNION ALL SELECT id, rank, 1.0, 'vec' FROM vec
            UNION ALL SELECT id, rank, 1.5, 'fvec' FROM fvec) ranked
     GROUP BY id
)"""


def _listing(table: str, date: str, columns: str, direction: str) -> str:
    """Items in date order ("my last email from Nadia", "my first meeting on December 13"): what matches the
    filters, those that contain every word of the topic first (websearch_to_tsquery's AND; a stopword-only topic
    is none). Nothing is excluded for missing a word: a command's leftover words ("can you get rid of it") must not
    hide the latest mail from Nadia. `every_word` and `has_topic` tell the caller whether the topic matched, and
    whether there was one."""
    return f"""
WITH q AS (SELECT websearch_to_tsquery('english', %(text)s) AS query)
SELECT {columns}, NULL::float8 AS score, NULL::int AS fts_rank, NULL::int AS vec_rank, NULL::int AS fvec_rank,
       numnode(q.query) > 0 AND t.search_vector @@ q.query AS every_word, numnode(q.query) > 0 AS has_topic
  FROM {table} t, q
 WHERE t.user_id = %(user_id)s AND {{filters}}
 ORDER BY numnode(q.query) > 0 AND t.search_vector @@ q.query DESC, t.{date} {direction}
 LIMIT %(limit)s
"""


def _statement(table: str, key: str, date: str, columns: str) -> str:
    return f"""
WITH q AS (
    -- Any of the words (ranked by how many and how well they match), not all of them: people type sentences
    -- ("emails about the budget"), and an AND of every word finds nothing. Quoted phrases stay phrases; a
    -- query with an exclusion (-word) keeps websearch's own AND so the exclusion holds.
    SELECT CASE WHEN %(text)s ~ '(^|[[:space:]])-[^[:space:]]' THEN websearch_to_tsquery('english', %(text)s)
                ELSE replace(websearch_to_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery END AS query
),
fts AS MATERIALIZED (
    SELECT {key} AS id, row_number() OVER (ORDER BY ts_rank_cd(search_vector, q.query) DESC, {date} DESC) AS rank
      FROM {table}, q
     WHERE %(use_fts)s AND user_id = %(user_id)s AND search_vector @@ q.query
     ORDER BY ts_rank_cd(search_vector, q.query) DESC, {date} DESC
     LIMIT %(k)s
),
vec_candidates AS MATERIALIZED (
    SELECT {key} AS id, embedding <=> %(vector)s AS distance
      FROM {table}
     WHERE %(use_vec)s AND user_id = %(user_id)s AND embedding IS NOT NULL
     ORDER BY embedding <=> %(vector)s
     LIMIT %(k)s
),
vec AS (SELECT id, row_number() OVER (ORDER BY distance) AS rank FROM vec_candidates),
fvec_candidates AS MATERIALIZED (
    -- Items not embedded yet still count (after the embedded ones, newest first): what the person asked for
    -- by sender or date must not vanish in the minutes before its vector exists. The exact distances cover the
    -- filter's newest %(filter_scan)s matches (read in date order from the (user_id, ..., date) indexes), so a
    -- filter that matches a third of a big mailbox costs no more than one that matches a few hundred items.
    SELECT id, embedding <=> %(vector)s AS distance, at
      FROM (SELECT {key} AS id, embedding, {date} AS at
              FROM {table}
             WHERE %(use_fvec)s AND user_id = %(user_id)s AND {{filters}}
             ORDER BY {date} DESC
             LIMIT %(filter_scan)s) newest
     ORDER BY distance NULLS LAST, at DESC
     LIMIT %(k)s
),
fvec AS (SELECT id, row_number() OVER (ORDER BY distance NULLS LAST, at DESC) AS rank FROM fvec_candidates),
{_FUSION}
SELECT {columns}, f.score * (1 + %(recency)s * exp(-abs(extract(epoch FROM %(now)s::timestamptz - t.{date}))
                                                   / (30 * 86400.0) * ln(2))) AS score,
       f.fts_rank, f.vec_rank, f.fvec_rank
  FROM fused f
  JOIN {table} t ON t.user_id = %(user_id)s AND t.{key} = f.id
 -- Recency: a mild boost for items near "now" (recent mail and files, events just past or coming up), halving
 -- every 30 days away; people expect the latest booking, not last year's. Ties go to the newer item.
 ORDER BY f.score * (1 + %(recency)s * exp(-abs(extract(epoch FROM %(now)s::timestamptz - t.{date}))
                                            / (30 * 86400.0) * ln(2))) DESC,
          t.{date} DESC
 LIMIT %(limit)s
"""


# service → (table, key, date column, the columns a hit is made of)
_SHAPES = {
    "gmail": ("gmail_cache", "email_id", "received_at",
              "t.email_id AS id, t.subject AS title, t.body_preview AS snippet, t.received_at AS at, "
              "t.sender AS who, t.sender_name AS who_name, t.thread_id AS thread_id, t.labels AS labels, '' AS link"),
    "calendar": ("gcal_cache", "event_id", "start_time",
                 "t.event_id AS id, t.title AS title, left(t.description, 300) AS snippet, t.start_time AS at, "
                 "t.organizer AS who, '' AS who_name, '' AS thread_id, '{}'::text[] AS labels, "
                 "t.html_link AS link"),
    "drive": ("gdrive_cache", "file_id", "modified_at",
              "t.file_id AS id, t.name AS title, t.content_preview AS snippet, t.modified_at AS at, "
              "coalesce(t.owners->0->>'email', '') AS who, coalesce(t.owners->0->>'name', '') AS who_name, "
              "'' AS thread_id, ARRAY[t.mime_type] AS labels, t.web_link AS link"),
}

STATEMENTS = {service: _statement(*shape) for service, shape in _SHAPES.items()}
# service → order ("newest", "oldest") → the date-ordered listing
LISTINGS = {service: {"newest": _listing(table, date, columns, "DESC"), "oldest": _listing(table, date, columns, "ASC")}
            for service, (table, _key, date, columns) in _SHAPES.items()}
