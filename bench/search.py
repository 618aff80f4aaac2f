"""Hybrid search latency, throughput and vector recall at scale, on the embedded PostgreSQL.

Fills gmail_cache with `--users` × `--per-user` synthetic messages (text from the emulator's scale generator,
parsed as the sync would; vectors are random unit vectors, which is enough for latency and for recall against an
exact scan), builds the indexes (timed, sized), then runs the whole hybrid statement for random users:
1 client (p50/p99), `--clients` concurrent clients (queries/s, p99), and recall@10 of the vector list against an
exact scan of the user's rows.

    .venv/bin/python bench/search.py [--users 200] [--per-user 5000] [--clients 8] [--seconds 20]
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emulator.demo.scale import generate  # noqa: E402
from server.devinfra import EmbeddedPostgres  # noqa: E402
from server.search import SearchFilters, search  # noqa: E402
from server.store import migrations  # noqa: E402

DIM = 384
WORDS = ["budget", "contract", "invoice", "meeting", "launch", "hiring", "travel", "report", "review", "design"]


def _row(user_id: uuid.UUID, message: dict, rng: np.random.Generator) -> tuple:
    """The columns of one message. The scale generator writes plain ASCII text/plain messages, so a split of
    headers and body is enough (the email package would dominate the load time)."""
    head, _, body = message["raw"].partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
    sender = headers.get("From", "")
    sender = sender[sender.find("<") + 1:sender.rfind(">")].lower() if "<" in sender else sender.lower()
    text = body.decode(errors="replace").replace("\r\n", "\n")
    vector = rng.normal(size=DIM).astype(np.float32)
    vector /= np.linalg.norm(vector)
    when = datetime.fromtimestamp(int(message["internalDate"]) / 1000, tz=timezone.utc)
    return (user_id, message["id"], message["threadId"], headers.get("Subject", ""), sender, text, text[:300],
            when, vector, 2)


def load(url: str, users: int, per_user: int) -> list[uuid.UUID]:
    """Insert the synthetic mailboxes with a binary COPY (indexes are built afterwards, timed)."""
    rng = np.random.default_rng(0)
    ids: dict[str, uuid.UUID] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        batch: list[tuple] = []
        count = 0
        for address, message in generate(users, per_user, seed=0):
            if address not in ids:
                ids[address] = conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id",
                                            (address,)).fetchone()[0]
            batch.append(_row(ids[address], message, rng))
            count += 1
            if len(batch) == 20000:
                _copy(conn, batch)
                batch = []
                print(f"  loaded {count} rows", flush=True)
        _copy(conn, batch)
    return list(ids.values())


def _copy(conn: psycopg.Connection, rows: list[tuple]) -> None:
    with conn.cursor() as cur, cur.copy(
            "COPY gmail_cache (user_id, email_id, thread_id, subject, sender, body_full, body_preview, received_at,"
            " embedding, embedding_pass) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["uuid", "text", "text", "text", "text", "text", "text", "timestamptz", "vector", "int2"])
        for row in rows:
            copy.write_row(row)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def one_query(conn: psycopg.Connection, users: list[uuid.UUID], rng: random.Random) -> float:
    vector = np.random.default_rng(rng.randrange(1 << 30)).normal(size=DIM).astype(np.float32)
    user = rng.choice(users)
    filters = SearchFilters(after=None) if rng.random() < 0.5 else SearchFilters(
        senders=[f"sender{rng.randrange(50)}@example.com"])
    started = time.perf_counter()
    search(conn, "gmail", user, rng.choice(WORDS), vector / np.linalg.norm(vector), filters, limit=10)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="wo-bench-search-"))
    pg = EmbeddedPostgres(base / "pg")
    try:
        url = pg.start()
        migrations.migrate(url, DIM)
        with psycopg.connect(url, autocommit=True) as conn:  # load first, index after: the way a bulk load is fast
            for name in ("gmail_cache_embedding", "gmail_cache_fts"):
                conn.execute(f"DROP INDEX {name}")
        started = time.perf_counter()
        users = load(url, args.users, args.per_user)
        rows = args.users * args.per_user
        print(f"{rows} rows ({args.users} users × {args.per_user}) loaded in {time.perf_counter() - started:.0f} s")
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            conn.execute("CREATE INDEX gmail_cache_fts ON gmail_cache USING gin (search_vector)")
            gin = time.perf_counter() - started
            started = time.perf_counter()
            conn.execute("CREATE INDEX gmail_cache_embedding ON gmail_cache USING hnsw (embedding vector_cosine_ops)")
            hnsw = time.perf_counter() - started
            conn.execute("VACUUM ANALYZE gmail_cache")
            size = conn.execute("SELECT pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index i JOIN "
                                "pg_class c ON c.oid = i.indrelid WHERE c.relname LIKE 'gmail_cache_p%%' AND "
                                "i.indexrelid::regclass::text LIKE '%%embedding%%'").fetchone()[0]
            table = conn.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                                 "WHERE c.relname LIKE 'gmail_cache_p__'").fetchone()[0]
        print(f"index build: GIN {gin:.0f} s, HNSW {hnsw:.0f} s (HNSW size {size}); table + indexes {table}")

        rng = random.Random(1)
        with psycopg.connect(url, autocommit=True) as conn:
            register_vector(conn)
            for _ in range(30):
                one_query(conn, users, rng)  # warm
            single = [one_query(conn, users, rng) for _ in range(300)]
            # recall@10 of the HNSW list against an exact scan, for random users and vectors
            recalls = []
            for _ in range(50):
                user, vec = rng.choice(users), np.random.default_rng(rng.randrange(1 << 30)).normal(size=DIM)
                vec = (vec / np.linalg.norm(vec)).astype(np.float32)
                approx = {h.id for h in search(conn, "gmail", user, "", vec, limit=10, method="vector")}
                with conn.transaction():
                    conn.execute("SET LOCAL enable_indexscan = off")
                    exact = {r[0] for r in conn.execute(
                        "SELECT email_id FROM gmail_cache WHERE user_id = %s ORDER BY embedding <=> %s LIMIT 10",
                        (user, vec)).fetchall()}
                recalls.append(len(approx & exact) / 10)
        print(f"1 client: p50 {statistics.median(single):.1f} ms, p99 {percentile(single, 0.99):.1f} ms "
              f"(300 queries, half with a sender filter)")
        print(f"vector recall@10 against exact: {statistics.mean(recalls):.3f}")

        latencies: list[float] = []
        stop = time.monotonic() + args.seconds
        lock = threading.Lock()

        def client(seed: int) -> None:
            r = random.Random(seed)
            with psycopg.connect(url, autocommit=True) as c:
                register_vector(c)
                while time.monotonic() < stop:
                    ms = one_query(c, users, r)
                    with lock:
                        latencies.append(ms)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        print(f"{args.clients} clients: {len(latencies) / elapsed:.0f} queries/s, p50 {statistics.median(latencies):.1f}"
              f" ms, p99 {percentile(latencies, 0.99):.1f} ms")
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
