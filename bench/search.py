"""Hybrid search latency, throughput and vector recall at scale, on the embedded PostgreSQL.

Fills gmail_cache with `--users` × `--per-user` synthetic messages (text from the emulator's scale generator,
parsed as the sync would), builds the indexes (timed, sized), then runs the whole hybrid statement for random
users: 1 client (p50/p99), `--clients` concurrent clients (queries/s, p99), and recall@10 of the vector list
against an exact scan of the user's rows. `--extra-users 1000,20000,50000` adds one user of each size and
measures their searches apart (how latency grows with one person's mailbox).

Vectors (`--vectors`):
  topic  — the local MiniLM embedding of the message's subject plus Gaussian noise (cosine ≈ 0.8 to the
           subject's vector): clustered like real mail, where threads and recurring subjects sit close together.
           Query vectors are made the same way from random subjects (a paraphrase of something in the mailbox).
  random — uniform random unit vectors: the worst case for any approximate index (in 384 dimensions every
           distance is nearly the same), kept to show that bound.

`--data DIR` keeps the loaded, indexed database in DIR and reuses it on the next run (the 1M-row load and
index build take about 15 minutes); without it everything lives in a temporary directory.

    .venv/bin/python bench/search.py [--users 200] [--per-user 5000] [--vectors topic] [--clients 8]
        [--seconds 20] [--extra-users 1000,20000,50000] [--data /tmp/wo-bench-1m]
"""
from __future__ import annotations

import argparse
import itertools
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
from typing import Callable, Iterator

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.loadgen import percentile, run_clients  # noqa: E402
from emulator.demo.scale import generate  # noqa: E402
from server.devinfra import EmbeddedPostgres  # noqa: E402
from server.search import SearchFilters, search  # noqa: E402
from server.store import migrations  # noqa: E402

DIM = 384
WORDS = ["budget", "contract", "invoice", "meeting", "launch", "hiring", "travel", "report", "review", "design"]
NOISE = 0.75  # |noise| relative to the unit subject vector: cosine(vector, subject vector) ≈ 1/sqrt(1 + 0.75²) = 0.8


class BenchPostgres(EmbeddedPostgres):
    """The embedded server sized for this 24 GiB machine as for a database server: shared_buffers holds the 1M-row
    working set (7 GB with indexes); the product's embedded default, 512 MB, is sized for a laptop demo."""

    SETTINGS = {**EmbeddedPostgres.SETTINGS, "shared_buffers": "8GB", "effective_cache_size": "16GB"}


class Vectors:
    """Makes the vectors of messages and of queries (see the module docstring for the two kinds)."""

    def __init__(self, kind: str, seed: int = 0) -> None:
        self.kind = kind
        self.rng = np.random.default_rng(seed)
        self.subjects: dict[str, np.ndarray] = {}
        self._embedder = None

    def _subject(self, subject: str) -> np.ndarray:
        subject = subject.removeprefix("Re: ")
        if subject not in self.subjects:
            if self._embedder is None:
                from server.embeddings.minilm import MiniLMEmbedder

                self._embedder = MiniLMEmbedder(threads=2, max_tokens=32)
            self.subjects[subject] = self._embedder.embed([subject])[0]
        return self.subjects[subject]

    def _noisy(self, base: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
        noise = rng.normal(size=DIM).astype(np.float32)
        if base is None:
            vector = noise
        else:
            vector = base + noise * (NOISE / np.sqrt(DIM))
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def message(self, subject: str) -> np.ndarray:
        return self._noisy(self._subject(subject) if self.kind == "topic" else None, self.rng)

    def query(self, rng: random.Random) -> np.ndarray:
        r = np.random.default_rng(rng.randrange(1 << 30))
        if self.kind == "topic" and self.subjects:
            return self._noisy(self.subjects[rng.choice(sorted(self.subjects))], r)
        return self._noisy(None, r)


def _row(user_id: uuid.UUID, message: dict, vectors: Vectors) -> tuple:
    """The columns of one message. The scale generator writes plain ASCII text/plain messages, so a split of
    headers and body is enough (the email package would dominate the load time)."""
    head, _, body = message["raw"].partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
    sender = headers.get("From", "")
    sender = sender[sender.find("<") + 1:sender.rfind(">")].lower() if "<" in sender else sender.lower()
    text = body.decode(errors="replace").replace("\r\n", "\n")
    subject = headers.get("Subject", "")
    when = datetime.fromtimestamp(int(message["internalDate"]) / 1000, tz=timezone.utc)
    return (user_id, message["id"], message["threadId"], subject, sender, text, text[:300],
            when, vectors.message(subject), 2)


def load(url: str, mailboxes: Iterator[tuple[str, dict]], vectors: Vectors) -> list[uuid.UUID]:
    """Insert the synthetic mailboxes with a binary COPY (indexes are built afterwards, timed)."""
    ids: dict[str, uuid.UUID] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        batch: list[tuple] = []
        count = 0
        for address, message in mailboxes:
            if address not in ids:
                ids[address] = conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id",
                                            (address,)).fetchone()[0]
            batch.append(_row(ids[address], message, vectors))
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


def _extra_mailboxes(sizes: list[int]) -> Iterator[tuple[str, dict]]:
    """One user of each size, with addresses of their own (the scale generator numbers users from 1)."""
    for n, size in enumerate(sizes):
        for address, message in generate(1, size, seed=1000 + n):
            yield f"big{n}-{size}@{address.split('@')[1]}", message


def build(url: str, args: argparse.Namespace, vectors: Vectors) -> None:
    """Load everything and build the indexes, printing the times and sizes."""
    migrations.migrate(url, DIM)
    with psycopg.connect(url, autocommit=True) as conn:  # load first, index after: the way a bulk load is fast
        # The schema's own GIN and HNSW definitions, rebuilt after the load exactly as the migrations wrote them.
        indexes = {name: ddl.replace(" ON ONLY ", " ON ") for name, ddl in conn.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_am am ON am.oid = i.relam WHERE x.indrelid = 'gmail_cache'::regclass"
            " AND am.amname IN ('gin', 'hnsw')").fetchall()}
        for name in indexes:
            conn.execute(f"DROP INDEX {name}")
    started = time.perf_counter()
    load(url, itertools.chain(generate(args.users, args.per_user, seed=0), _extra_mailboxes(args.extra)), vectors)
    rows = args.users * args.per_user + sum(args.extra)
    print(f"{rows} rows ({args.users} users × {args.per_user} + {args.extra}) loaded in "
          f"{time.perf_counter() - started:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(indexes["gmail_cache_fts"])
        gin = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(indexes["gmail_cache_embedding"])
        hnsw = time.perf_counter() - started
        conn.execute("VACUUM ANALYZE gmail_cache")
        sizes = conn.execute(
            "SELECT pg_size_pretty(sum(pg_relation_size(i.indexrelid)) FILTER (WHERE am.amname = 'hnsw')),"
            "       pg_size_pretty(sum(pg_relation_size(i.indexrelid)) FILTER (WHERE am.amname = 'gin')),"
            "       pg_size_pretty(sum(pg_total_relation_size(c.oid)) FILTER (WHERE true))"
            "  FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid JOIN pg_class ic ON ic.oid = i.indexrelid"
            "  JOIN pg_am am ON am.oid = ic.relam WHERE c.relname LIKE 'gmail_cache_p%%'").fetchone()
        table = conn.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                             "WHERE c.relname LIKE 'gmail_cache_p__'").fetchone()[0]
    print(f"index build: GIN {gin:.0f} s ({sizes[1]}), HNSW {hnsw:.0f} s ({sizes[0]}); table + indexes {table}")


SENDERS: dict[uuid.UUID, list[str]] = {}  # a few real correspondents of each user, for sender filters


def one_query(conn: psycopg.Connection, user: uuid.UUID, rng: random.Random, vectors: Vectors) -> float:
    """Time one whole hybrid search: half without filters, a quarter from one of the user's correspondents, a
    quarter within a 90-day window (the filtered list runs for those)."""
    draw = rng.random()
    if draw < 0.5:
        filters = SearchFilters()
    elif draw < 0.75:
        filters = SearchFilters(senders=[rng.choice(SENDERS[user])])
    else:
        after = datetime(2022, 1, 1, tzinfo=timezone.utc) + (datetime(2023, 10, 1) - datetime(2022, 1, 1)) * rng.random()
        filters = SearchFilters(after=after, before=after + (datetime(2022, 4, 1) - datetime(2022, 1, 1)))
    vector = vectors.query(rng)
    started = time.perf_counter()
    search(conn, "gmail", user, rng.choice(WORDS), vector, filters, limit=10)
    return (time.perf_counter() - started) * 1000


def recall(conn: psycopg.Connection, users: list[uuid.UUID], rng: random.Random, vectors: Vectors,
           n: int = 50) -> float:
    """Mean recall@10 of the product's vector list against an exact scan of the same user's rows."""
    recalls = []
    for _ in range(n):
        user, vec = rng.choice(users), vectors.query(rng)
        approx = {h.id for h in search(conn, "gmail", user, "", vec, limit=10, method="vector")}
        with conn.transaction():
            conn.execute("SET LOCAL enable_indexscan = off")
            exact = {r[0] for r in conn.execute(
                "SELECT email_id FROM gmail_cache WHERE user_id = %s ORDER BY embedding <=> %s LIMIT 10",
                (user, vec)).fetchall()}
        recalls.append(len(approx & exact) / 10)
    return statistics.mean(recalls)


def single_client(url: str, pick: Callable[[random.Random], uuid.UUID], vectors: Vectors, n: int = 300) -> list[float]:
    rng = random.Random(1)
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        for _ in range(30):
            one_query(conn, pick(rng), rng, vectors)  # warm
        return [one_query(conn, pick(rng), rng, vectors) for _ in range(n)]


def concurrent(url: str, users: list[uuid.UUID], vectors: Vectors, clients: int, seconds: float) -> None:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(seed: int, stop_at: float) -> None:
        r = random.Random(seed)
        with psycopg.connect(url, autocommit=True) as c:
            register_vector(c)
            while time.monotonic() < stop_at:
                ms = one_query(c, r.choice(users), r, vectors)
                with lock:
                    latencies.append(ms)

    elapsed = run_clients(clients, seconds, client)
    print(f"{clients} clients: {len(latencies) / elapsed:.0f} queries/s, p50 {statistics.median(latencies):.1f}"
          f" ms, p99 {percentile(latencies, 0.99):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=5000)
    parser.add_argument("--vectors", choices=("topic", "random"), default="topic")
    parser.add_argument("--extra-users", default="", help="comma-separated sizes of extra single users")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--data", type=Path, help="keep (and reuse) the loaded database here")
    args = parser.parse_args()
    args.extra = [int(x) for x in args.extra_users.split(",") if x]
    base = args.data or Path(tempfile.mkdtemp(prefix="wo-bench-search-"))
    pg = BenchPostgres(base / "pg")
    vectors = Vectors(args.vectors)
    marker = base / "loaded"
    try:
        url = pg.start()
        if not marker.exists():
            build(url, args, vectors)
            marker.write_text(f"{args.users} {args.per_user} {args.vectors} {args.extra}\n")
        elif args.vectors == "topic":
            for _, message in generate(1, 3000, seed=0):  # the subject vectors that queries draw on
                _row(uuid.uuid4(), message, vectors)
        with psycopg.connect(url, autocommit=True) as conn:
            found = conn.execute("SELECT u.id, u.email, count(*) FROM users u JOIN gmail_cache g ON g.user_id = u.id"
                                 " GROUP BY u.id, u.email").fetchall()
            for user, senders in conn.execute(
                    "SELECT g.user_id, (array_agg(g.sender ORDER BY g.sender))[1:20] FROM (SELECT DISTINCT user_id,"
                    " sender FROM gmail_cache WHERE sender <> '') g JOIN users u ON u.id = g.user_id"
                    " WHERE g.sender <> u.email GROUP BY g.user_id"):  # people search others' mail, not their own
                SENDERS[user] = senders
        users = [r[0] for r in found if not r[1].startswith("big")]
        big = sorted((r[2], r[0]) for r in found if r[1].startswith("big"))
        print(f"database: {sum(r[2] for r in found)} rows, {len(users)} users of {args.per_user}"
              + (f", extra users of {[n for n, _ in big]}" if big else "") + f"; vectors {args.vectors}")

        with psycopg.connect(url, autocommit=True) as conn:  # warm: indexes, then tables, into shared buffers
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            started = time.perf_counter()
            conn.execute("SELECT sum(pg_prewarm(oid, 'buffer')) FROM (SELECT c.oid FROM pg_class c WHERE c.relname"
                         " LIKE 'gmail_cache_p%%' AND c.relkind IN ('i', 'r') ORDER BY c.relkind) warm")
            print(f"prewarmed in {time.perf_counter() - started:.0f} s")
        single = single_client(url, lambda r: r.choice(users), vectors)
        print(f"1 client: p50 {statistics.median(single):.1f} ms, p99 {percentile(single, 0.99):.1f} ms "
              f"(300 queries; half with a sender or date filter)")
        with psycopg.connect(url, autocommit=True) as conn:
            register_vector(conn)
            print(f"vector recall@10 against exact: {recall(conn, users, random.Random(2), vectors):.3f}")
            for size, user in big:
                r = recall(conn, [user], random.Random(3), vectors, n=20)
                lat = single_client(url, lambda _r, u=user: u, vectors, n=100)
                print(f"one user of {size} rows: p50 {statistics.median(lat):.1f} ms, "
                      f"p99 {percentile(lat, 0.99):.1f} ms, recall@10 {r:.3f}")
        concurrent(url, users, vectors, args.clients, args.seconds)
    finally:
        pg.stop()
        if args.data is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
