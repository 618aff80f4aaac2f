"""The schema's promises: user_id in every key, partitions, FTS and vector indexes, idempotent upserts."""
import uuid

import numpy as np
import psycopg
import pytest
from pgvector.psycopg import register_vector

CACHES = {"gmail_cache": "email_id", "gcal_cache": "event_id", "gdrive_cache": "file_id"}
USER_OWNED = ["conversations", "messages", *CACHES, "sync_status", "sync_checkpoints", "pending_actions", "action_log"]


@pytest.fixture(scope="module")
def conn(database_url: str):
    with psycopg.connect(database_url, autocommit=True) as conn:
        register_vector(conn)
        yield conn


def _user(conn: psycopg.Connection, email: str) -> uuid.UUID:
    return conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id", (email,)).fetchone()[0]


@pytest.mark.parametrize("table", USER_OWNED)
def test_every_user_owned_table_has_user_id_first_in_its_primary_key(conn: psycopg.Connection, table: str) -> None:
    row = conn.execute(
        """SELECT a.attname, a.attnotnull
             FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = %s::regclass AND i.indisprimary""", (table,)).fetchone()
    assert row == ("user_id", True)


@pytest.mark.parametrize("table, google_id", CACHES.items())
def test_cache_tables_are_partitioned_by_user_and_indexed(conn: psycopg.Connection, table: str,
                                                          google_id: str) -> None:
    strategy = conn.execute(
        "SELECT partstrat, (SELECT attname FROM pg_attribute WHERE attrelid = partrelid AND attnum = partattrs[0]) "
        "FROM pg_partitioned_table WHERE partrelid = %s::regclass", (table,)).fetchone()
    assert strategy == ("h", "user_id")
    partitions = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", (table,)).fetchone()
    assert partitions[0] == 16
    indexdefs = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", (table,))]
    assert any("USING gin (user_id, search_vector)" in d for d in indexdefs)
    assert any("USING hnsw (embedding vector_cosine_ops)" in d for d in indexdefs)
    assert any(f"(user_id, {google_id})" in d and "UNIQUE" in d for d in indexdefs)
    generated = conn.execute(
        "SELECT is_generated, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND column_name = 'search_vector'", (table,)).fetchone()
    assert generated == ("ALWAYS", "tsvector")
    # Inline storage (MAIN) for the tsvector and PLAIN for the vector, in every partition: ranking and exact
    # distance must not pay a TOAST lookup per row.
    storage = conn.execute(
        "SELECT DISTINCT a.attname, a.attstorage FROM pg_inherits i JOIN pg_attribute a ON a.attrelid = i.inhrelid"
        " WHERE i.inhparent = %s::regclass AND a.attname IN ('search_vector', 'embedding')", (table,)).fetchall()
    assert sorted(storage) == [("embedding", "p"), ("search_vector", "m")]


def test_upserts_keyed_by_user_and_google_id_never_duplicate(conn: psycopg.Connection) -> None:
    user = _user(conn, "upsert@example.com")
    sql = """INSERT INTO gmail_cache (user_id, email_id, thread_id, subject, received_at)
             VALUES (%s, 'm1', 't1', %s, now())
             ON CONFLICT (user_id, email_id) DO UPDATE SET subject = EXCLUDED.subject"""
    conn.execute(sql, (user, "first"))
    conn.execute(sql, (user, "second"))
    rows = conn.execute("SELECT subject FROM gmail_cache WHERE user_id = %s", (user,)).fetchall()
    assert rows == [("second",)]


def test_full_text_weights_subject_above_body(conn: psycopg.Connection) -> None:
    user = _user(conn, "fts@example.com")
    conn.execute(
        """INSERT INTO gmail_cache (user_id, email_id, thread_id, subject, body_full, received_at) VALUES
           (%(u)s, 'in-body', 't', 'Lunch on Friday?', 'also the quarterly budget numbers', now()),
           (%(u)s, 'in-subject', 't', 'Quarterly budget review', 'see you there', now()),
           (%(u)s, 'unrelated', 't', 'Hello', 'nothing here', now())""", {"u": user})
    ranked = conn.execute(
        """SELECT email_id FROM gmail_cache
            WHERE user_id = %s AND search_vector @@ websearch_to_tsquery('english', 'budget')
            ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('english', 'budget')) DESC""",
        (user,)).fetchall()
    assert [r[0] for r in ranked] == ["in-subject", "in-body"]


def test_embeddings_have_the_schema_dimension_and_cosine_order(conn: psycopg.Connection) -> None:
    user = _user(conn, "vec@example.com")
    near, far = np.zeros(384, dtype=np.float32), np.zeros(384, dtype=np.float32)
    near[0], far[1] = 1.0, 1.0
    conn.execute("INSERT INTO gdrive_cache (user_id, file_id, name, embedding) VALUES (%s, 'near', 'a', %s), "
                 "(%s, 'far', 'b', %s)", (user, near, user, far))
    query = np.zeros(384, dtype=np.float32)
    query[0], query[1] = 0.9, 0.1
    order = conn.execute("SELECT file_id FROM gdrive_cache WHERE user_id = %s ORDER BY embedding <=> %s",
                         (user, query)).fetchall()
    assert [r[0] for r in order] == ["near", "far"]
    with pytest.raises(psycopg.errors.DataException, match="expected 384 dimensions"):
        conn.execute("INSERT INTO gdrive_cache (user_id, file_id, embedding) VALUES (%s, 'bad', %s)",
                     (user, np.zeros(8, dtype=np.float32)))


def test_deleting_a_user_removes_everything_they_own(conn: psycopg.Connection) -> None:
    user = _user(conn, "gone@example.com")
    conv = conn.execute("INSERT INTO conversations (user_id) VALUES (%s) RETURNING id", (user,)).fetchone()[0]
    conn.execute("INSERT INTO messages (user_id, conversation_id, query) VALUES (%s, %s, 'hi')", (user, conv))
    conn.execute("INSERT INTO gcal_cache (user_id, event_id, start_time, end_time) VALUES (%s, 'e', now(), now())",
                 (user,))
    conn.execute("INSERT INTO sync_status (user_id, service) VALUES (%s, 'gmail')", (user,))
    conn.execute("DELETE FROM users WHERE id = %s", (user,))
    for table in ["conversations", "messages", "gcal_cache", "sync_status"]:
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE user_id = %s", (user,)).fetchone()[0] == 0


def test_a_stale_version_never_overwrites_a_newer_one(conn: psycopg.Connection) -> None:
    from datetime import datetime, timezone

    from server.store.workspace_cache import upsert_events, upsert_messages
    from server.sync.calendar_event import EventRow
    from server.sync.gmail_message import GmailRow

    user = _user(conn, "race@example.com")
    when = datetime(2023, 11, 1, tzinfo=timezone.utc)

    def message(labels: list[str], history: int) -> GmailRow:
        return GmailRow("m1", "t1", "Budget", "a@b.c", "A", [], "body", "body", labels, True, False,
                        received_at=when, history_id=history)

    upsert_messages(conn, user, [message(["INBOX", "STARRED"], 20)])  # what a delta sync read last
    upsert_messages(conn, user, [message(["INBOX"], 10)])  # a slower full sync's older read arrives after it
    assert conn.execute("SELECT labels, history_id FROM gmail_cache WHERE user_id = %s", (user,)).fetchone() == \
        (["INBOX", "STARRED"], 20)
    upsert_messages(conn, user, [message(["INBOX"], 30)])  # a newer version does apply
    assert conn.execute("SELECT labels FROM gmail_cache WHERE user_id = %s", (user,)).fetchone()[0] == ["INBOX"]

    def event(title: str, day: int) -> EventRow:
        return EventRow("e1", "primary", title, "", when, when, False,
                        updated_at=datetime(2023, 11, day, tzinfo=timezone.utc))

    upsert_events(conn, user, [event("Renamed", 20)])
    upsert_events(conn, user, [event("Old name", 10)])
    assert conn.execute("SELECT title FROM gcal_cache WHERE user_id = %s", (user,)).fetchone()[0] == "Renamed"


def test_embedding_work_gives_new_items_headline_vectors_before_refining_any(conn: psycopg.Connection) -> None:
    from server.store.workspace_cache import FULL, HEADLINE, claim_for_embedding, store_embeddings

    user = _user(conn, "progressive@example.com")
    for i in range(3):
        conn.execute("INSERT INTO gmail_cache (user_id, email_id, thread_id, subject, sender_name, body_full, "
                     "received_at) VALUES (%s, %s, 't', %s, 'Ann', 'long body text', now())",
                     (user, f"m{i}", f"Subject {i}"))
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    pass_, rows = claim_for_embedding(conn, "gmail", user, 2)
    assert pass_ == HEADLINE and [r[1] for r in rows] == ["Subject 0\nAnn", "Subject 1\nAnn"]
    store_embeddings(conn, "gmail", user, [r[0] for r in rows], np.array([vector] * 2), pass_)
    pass_, rows = claim_for_embedding(conn, "gmail", user, 2)
    assert pass_ == HEADLINE and [r[0] for r in rows] == ["m2"], "items without a vector go first"
    store_embeddings(conn, "gmail", user, ["m2"], np.array([vector]), pass_)
    pass_, rows = claim_for_embedding(conn, "gmail", user, 5)
    assert pass_ == FULL and len(rows) == 3 and rows[0][1] == "Subject 0\nAnn\nlong body text"
    store_embeddings(conn, "gmail", user, [r[0] for r in rows], np.array([vector] * 3), pass_)
    assert claim_for_embedding(conn, "gmail", user, 5)[1] == []
    # editing the text drops the vector, so the item starts over at pass 1
    from server.store.workspace_cache import upsert_messages
    from server.sync.gmail_message import GmailRow
    from datetime import datetime, timezone

    upsert_messages(conn, user, [GmailRow("m0", "t", "Subject 0 (edited)", "", "Ann", [], "x", "x", [], True,
                                          False, received_at=datetime.now(timezone.utc))])
    assert conn.execute("SELECT embedding IS NULL, embedding_pass FROM gmail_cache WHERE user_id = %s AND "
                        "email_id = 'm0'", (user,)).fetchone() == (True, None)
