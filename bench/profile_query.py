"""Where one `POST /api/v1/query` spends its time: the app in this process (Flask test client, no gunicorn) over
the synced demo index, a fixed sample of the benchmark's queries run under cProfile, with every database round
trip counted (statements, BEGIN/COMMIT, pool checks) and timed.

    .venv/bin/python bench/profile_query.py [--data /tmp/wo-eval-data] [--queries 40] [--top 30] [--warm]

Prints per request: wall time, database round trips, pool checkouts by call site, the statements that cost most
(a transaction's first statement includes its BEGIN), texts the embedding model saw, and the cProfile functions
with the most cumulative time (`--sort tottime` for own time). `--warm` runs every query once first, as the load
benchmark's repeated pool of queries does. Run on a shared machine, the absolute figures move; the counts and the
split do not.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import server.gunicorn_conf  # noqa: E402,F401  (sizes the native thread pools as the web server does)
import psycopg  # noqa: E402
import psycopg._pipeline_base  # noqa: E402

from bench.query import queries  # noqa: E402
from evals.search import build_index  # noqa: E402
from server.config import Config  # noqa: E402
from server.store import users  # noqa: E402


class RoundTrips:
    """Counts and times what goes to PostgreSQL: cursor statements and connection commands (BEGIN, COMMIT…), and
    round trips (each statement or command sent on its own, and each pipeline sync: a pipeline sends several
    commands in one)."""

    def __init__(self) -> None:
        self.count = 0
        self.waits = 0  # round trips: statements and commands sent alone, and pipeline syncs
        self.seconds = 0.0
        self.by_statement: dict[str, list[float]] = defaultdict(list)
        self.active = False

    def _record(self, what: str, seconds: float, pipelined: bool) -> None:
        if self.active:
            self.count += 1
            self.waits += not pipelined
            self.seconds += seconds
            self.by_statement[what].append(seconds)

    def install(self) -> None:
        counter = self
        execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
        exec_command = psycopg.Connection._exec_command
        enqueue_sync = psycopg._pipeline_base.BasePipeline._enqueue_sync

        def label(query: Any) -> str:
            if isinstance(query, bytes):
                text = query.decode()
            elif isinstance(query, str):
                text = query
            else:
                try:
                    text = query.as_string()
                except Exception:  # a Composed that needs a connection to render
                    text = str(query)
            return re.sub(r"\s+", " ", str(text)).strip()[:90] or "(empty: pool check)"

        def timed_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(self, query, *args, **kwargs)
            finally:
                counter._record(label(query), time.perf_counter() - started, self._conn._pipeline is not None)

        def timed_executemany(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return executemany(self, query, *args, **kwargs)
            finally:
                counter._record("many: " + label(query), time.perf_counter() - started,
                                self._conn._pipeline is not None)

        def counted_command(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
            # A generator the connection drives while waiting; count it as one round trip (no timing here:
            # the time shows up in the statement or commit that drove it).
            counter._record("command: " + label(command), 0.0, self._pipeline is not None)
            return exec_command(self, command, *args, **kwargs)

        def counted_sync(self: Any) -> None:
            if counter.active:
                counter.waits += 1  # a pipeline sync: everything queued since the last one, in one round trip
            enqueue_sync(self)

        psycopg._pipeline_base.BasePipeline._enqueue_sync = counted_sync  # type: ignore[method-assign]
        psycopg.Cursor.execute = timed_execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = timed_executemany  # type: ignore[method-assign]
        psycopg.Connection._exec_command = counted_command  # type: ignore[method-assign]


class Embeddings:
    """Counts the texts the local model embeds, and how many of them were embedded before in the same request."""

    def __init__(self) -> None:
        self.texts = 0
        self.repeats = 0
        self.seen: set[str] = set()
        self.active = False

    def install(self) -> None:
        from server.embeddings.minilm import MiniLMEmbedder

        counter, embed = self, MiniLMEmbedder.embed

        def counted(self: Any, texts: Any) -> Any:
            if counter.active:
                counter.texts += len(texts)
                counter.repeats += sum(t in counter.seen for t in texts)
                counter.seen.update(texts)
            return embed(self, texts)

        MiniLMEmbedder.embed = counted  # type: ignore[method-assign]


class Checkouts:
    """Pool checkouts, by the first line of our code that asked for one."""

    def __init__(self) -> None:
        self.sites: Counter[str] = Counter()
        self.active = False

    def install(self) -> None:
        from psycopg_pool import ConnectionPool

        counter, connection = self, ConnectionPool.connection
        root = str(Path(__file__).resolve().parent.parent)

        @contextmanager
        def counted(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            if counter.active:
                ours = [f for f in traceback.extract_stack(limit=8)[:-2]
                        if f.filename.startswith(root) and "/.venv/" not in f.filename]
                site = ours[-1] if ours else None
                where = f"{Path(site.filename).relative_to(root)}:{site.lineno} {site.name}" if site else "?"
                counter.sites[where] += 1
            with connection(self, *args, **kwargs) as conn:
                yield conn

        ConnectionPool.connection = counted  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="the built index (built here when missing)")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--warm", action="store_true",
                        help="run every query once before measuring (as in bench/query.py, which repeats its pool)")
    args = parser.parse_args()
    base = args.data or Path(tempfile.mkdtemp(prefix="wo-profile-query-"))
    ctx, user, emulator, servers = build_index(base)
    with ctx.pool.connection() as conn:  # the demo user's tier: --queries beyond 100 an hour stay unlimited
        users.set_tier(conn, user.id, "enterprise")
    ctx.pool.close()
    if emulator:
        emulator.stop()
    try:
        from server.app import create_app

        config = Config(database_url=servers[0].url, redis_url=servers[1].url, data_dir=base, log_level="WARNING",
                        clock_now=datetime(2023, 11, 30, tzinfo=timezone.utc), testing=True,
                        embedding_threads=int(os.environ["EMBEDDING_THREADS"]))
        app = create_app(config)
        client = app.test_client()
        sample = random.Random(6).sample(queries(), args.queries)
        for q in sample if args.warm else sample[:10]:  # models loaded, embedding cache and plans warm
            assert client.post("/api/v1/query", json={"query": q}).status_code == 200
        trips = RoundTrips()
        trips.install()
        embedded = Embeddings()
        embedded.install()
        checkouts = Checkouts()
        checkouts.install()
        walls: list[float] = []
        per_request: list[int] = []
        waits: list[int] = []
        profile = cProfile.Profile()
        for q in sample:
            before, waited = trips.count, trips.waits
            trips.active = embedded.active = checkouts.active = True
            embedded.seen.clear()
            started = time.perf_counter()
            profile.enable()
            response = client.post("/api/v1/query", json={"query": q})
            profile.disable()
            walls.append((time.perf_counter() - started) * 1000)
            trips.active = embedded.active = checkouts.active = False
            per_request.append(trips.count - before)
            waits.append(trips.waits - waited)
            assert response.status_code == 200, response.get_data(as_text=True)
        n = len(sample)
        print(f"{n} requests: wall median {statistics.median(walls):.1f} ms, mean {statistics.mean(walls):.1f} ms")
        print(f"database round trips per request: mean {trips.waits / n:.1f}, median {statistics.median(waits)}, "
              f"max {max(waits)}; in statements {trips.seconds * 1000 / n:.1f} ms per request")
        print(f"statements and commands sent per request: mean {trips.count / n:.1f}, median "
              f"{statistics.median(per_request)}, max {max(per_request)}")
        print("pool checkouts per request: " + ", ".join(f"{k} {v / n:.2f}" for k, v in checkouts.sites.most_common()))
        print(f"texts embedded by the model per request: {embedded.texts / n:.2f} "
              f"({embedded.repeats / n:.2f} already embedded earlier in the same request)")
        print("\nstatements (count per request, ms per request, ms per call):")
        ranked = sorted(trips.by_statement.items(), key=lambda kv: -sum(kv[1]))
        for text, times in ranked[:25]:
            print(f"  {len(times) / n:5.2f}  {sum(times) * 1000 / n:6.2f}  {statistics.mean(times) * 1000:6.2f}  "
                  f"{text}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        app.extensions["wo"].close()
    finally:
        for server in servers:
            server.stop()
        if args.data is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
