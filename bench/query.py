"""`POST /api/v1/query` under load: the whole pipeline (offline classifier, planner, agents on the index, templated
answer) served by gunicorn + gevent on this machine, `--clients` concurrent clients for `--seconds`.

The index is the demo workspace, synced and embedded through the real jobs (built once by the search
evaluation's builder; `--data DIR` keeps it between runs). Queries are the search dev set's and WorkBench's task
phrasings (writes only propose: nothing is confirmed). Prints queries/s, p50/p99 latency as the client sees it,
and the server's own split (classify / steps / answer) from the answers' `timings`.

    .venv/bin/python bench/query.py [--clients 16] [--seconds 30] [--data /tmp/wo-bench-query]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.loadgen import percentile, run_clients  # noqa: E402
from bench.procs import product_env, start_web, stop, wait_ready  # noqa: E402
from evals.search import build_index  # noqa: E402
from server.config import REPO_ROOT  # noqa: E402
from server.devinfra import free_port  # noqa: E402
from server.store import users  # noqa: E402


def queries() -> list[str]:
    """Search phrasings and task phrasings, as people type them."""
    dev = [json.loads(line)["query"] for line in (REPO_ROOT / "evals/data/search_dev.jsonl").read_text().splitlines()]
    tasks = [json.loads(line)["query"] for line in
             (REPO_ROOT / "emulator/data/workbench/tasks_dev.jsonl").read_text().splitlines()]
    return dev + tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--data", type=Path, help="keep (and reuse) the built index here")
    args = parser.parse_args()
    base = args.data or Path(tempfile.mkdtemp(prefix="wo-bench-query-"))
    ctx, user, emulator, servers = build_index(base)
    with ctx.pool.connection() as conn:  # the demo user's tier: the request limit is not what is measured
        users.set_tier(conn, user.id, "enterprise")
    ctx.pool.close()
    if emulator:
        emulator.stop()
    port = free_port()
    web = start_web(product_env(servers[0].url, servers[1].url, port, base))
    url = f"http://127.0.0.1:{port}/api/v1/query"
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        pool = queries()
        with requests.Session() as s:  # warm both workers: models loaded, caches filled
            for q in pool[:40]:
                s.post(url, json={"query": q}, timeout=60)
        latencies: list[float] = []
        splits: dict[str, list[float]] = {"classify_ms": [], "steps_ms": [], "answer_ms": []}
        errors = 0
        lock = threading.Lock()

        def client(seed: int, stop_at: float) -> None:
            nonlocal errors
            rng = random.Random(seed)
            with requests.Session() as s:
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    r = s.post(url, json={"query": rng.choice(pool)}, timeout=60)
                    ms = (time.perf_counter() - started) * 1000
                    with lock:
                        if r.status_code != 200:
                            errors += 1
                            continue
                        latencies.append(ms)
                        for k, v in r.json().get("timings", {}).items():
                            splits.setdefault(k, []).append(v)

        elapsed = run_clients(args.clients, args.seconds, client)
        print(f"{args.clients} clients, {elapsed:.0f} s: {len(latencies) / elapsed:.1f} queries/s, "
              f"p50 {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
              f"{errors} errors")
        print("server side (median): " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in splits.items()
                                                   if v))
    finally:
        stop([web])
        for server in servers:
            server.stop()
        if args.data is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
