"""Sustained mixed traffic against the product as deployed: gunicorn (2 gevent workers, the real config),
PostgreSQL, Redis, the Google emulator and an RQ worker, each its own process on this machine.

`--users` people (enterprise tier, so the request limiter is on every request but never the bottleneck), each with
a copy of the demo workspace's index (synced and embedded once by the search evaluation's builder; `--data DIR`
keeps it between runs) and an account in the emulator, are driven by `--clients` closed-loop client threads:
~60% `GET /api/v1/search`, ~30% `POST /api/v1/query` (look-ups), ~10% a query that proposes a change (send an
email, create an event) followed by `POST /api/v1/actions/<id>/confirm`, which the emulator carries out.
`--free-clients` more clients act as one free-tier person (100 requests an hour): their 429s are counted apart.

Prints, per endpoint, throughput and p50/p99 latency, answers split into ok / 429 / other errors; the RSS of the
gunicorn workers sampled every `--sample-every` seconds (psutil) with a leak verdict (the slope of RSS after the
warm-up); with `--redis-restart-at SECONDS`, Redis is stopped at that point and started again `--outage` seconds
later, and what fails around it is counted separately. Exits 1 when a non-429 error happened outside the outage
or the RSS grew.

    .venv/bin/python bench/load.py [--duration 300] [--clients 16] [--users 20] [--redis-restart-at 150]
                                   [--data /tmp/wo-bench-load]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.loadgen import percentile, run_clients  # noqa: E402
from bench.procs import product_env, start_emulator, start_web, start_worker, stop, wait_ready  # noqa: E402
from evals.search import build_index  # noqa: E402
from evals.tasks import pending_actions  # noqa: E402
from server import accounts  # noqa: E402
from server.config import REPO_ROOT, Config  # noqa: E402
from server.crypto import generate_key  # noqa: E402
from server.devinfra import free_port  # noqa: E402
from server.store import sessions, users  # noqa: E402
from server.store.pool import make_pool  # noqa: E402

USER_TABLES = ("gmail_cache", "gcal_cache", "gdrive_cache", "contact_items", "contacts", "sync_status")
OUTAGE_GRACE = 5.0  # seconds after Redis is back during which failures still count as the outage's
LEAK_TOLERANCE_MB = 8.0  # RSS growth after warm-up that still counts as flat (allocator noise, caches filling)


@dataclass
class Sample:
    """One request as the client saw it."""

    op: str  # search, query, propose, confirm
    who: str  # "paid" (enterprise users) or "free"
    started: float  # monotonic
    ms: float
    status: int  # HTTP status, 0 for a connection error or timeout


def phrasings() -> tuple[list[str], list[str], list[str]]:
    """(search texts, look-up questions, questions that propose a send or a new event) from the evaluation sets."""
    searches = [json.loads(line)["query"] for line in
                (REPO_ROOT / "evals/data/search_dev.jsonl").read_text().splitlines() if line.strip()]
    tasks = [json.loads(line) for line in
             (REPO_ROOT / "emulator/data/workbench/tasks_dev.jsonl").read_text().splitlines() if line.strip()]
    changes = [t["query"] for t in tasks
               if all(f in ("email.send_email", "calendar.create_event")
                      for f in _functions(t["answer"])) and _functions(t["answer"])]
    return searches, searches, changes


def _functions(answer: str) -> list[str]:
    import re

    return re.findall(r"([a-z_]+\.[a-z_]+)\.func", answer)


def clone_index(conn: Any, source: Any, target: Any) -> None:
    """Copy one person's index (caches, contacts, sync status) to another, unless they already have one."""
    if conn.execute("SELECT 1 FROM gmail_cache WHERE user_id = %s LIMIT 1", (target,)).fetchone():
        return
    for table in USER_TABLES:
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER' "
            "AND column_name <> 'user_id' ORDER BY ordinal_position", (table,))]
        names = ", ".join(columns)
        conn.execute(f"INSERT INTO {table} (user_id, {names}) SELECT %s, {names} FROM {table} WHERE user_id = %s",
                     (target, source))


def setup_people(config: Config, emulator: str, count: int, free: bool) -> tuple[list[str], str | None]:
    """Connect `count` enterprise people (the demo user first) and, with `free`, one free-tier person, each with
    the demo index and an emulator account; returns their bearer tokens (paid ones, the free one)."""
    pool = make_pool(config.database_url or "", 1, 2, name="bench-load")
    try:
        with pool.connection() as conn:
            demo = users.get_by_email(conn, "sam@atlas.com")
        assert demo is not None, "the demo index has no demo user"
        emails = ["sam@atlas.com"] + [f"load{i:03d}@atlas.com" for i in range(1, count)]
        plan = [(e, "enterprise") for e in emails] + ([("free@atlas.com", "free")] if free else [])
        tokens: list[str] = []
        for email, tier in plan:
            granted = requests.post(emulator + "_emulator/users", json={"email": email}, timeout=10).json()
            person = accounts.connect(pool, config, email, access_token=granted["access_token"],
                                      refresh_token=granted["refresh_token"],
                                      expires_at=datetime.now(timezone.utc) + timedelta(hours=2))
            with pool.connection() as conn:
                users.set_tier(conn, person.id, tier)
                if person.id != demo.id:
                    clone_index(conn, demo.id, person.id)
                tokens.append(sessions.create(conn, person.id, "bearer", "dev", timedelta(hours=4)).token)
        return (tokens[:-1], tokens[-1]) if free else (tokens, None)
    finally:
        pool.close()


class Traffic:
    """The client loops and what they saw."""

    def __init__(self, base: str, paid: list[str], free: str | None, free_clients: int) -> None:
        self.base = base
        self.paid, self.free, self.free_clients = paid, free, free_clients
        self.searches, self.questions, self.changes = phrasings()
        self.samples: list[Sample] = []
        self.proposals_missing = 0
        self._lock = threading.Lock()

    def _call(self, s: requests.Session, who: str, op: str, method: str, path: str,
              body: dict[str, Any] | None = None) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = s.request(method, self.base + path, json=body, timeout=60)
            status = response.status_code
            if op in ("query", "propose") and status == 200:
                response.content  # the whole answer, as a client reads it
        except requests.RequestException:
            response, status = None, 0
        with self._lock:
            self.samples.append(Sample(op, who, started, (time.monotonic() - started) * 1000, status))
        return response

    def one(self, s: requests.Session, rng: random.Random, who: str) -> None:
        """One step of the mix."""
        roll = rng.random()
        if roll < 0.6:
            self._call(s, who, "search", "GET", "/api/v1/search?q=" + quote(rng.choice(self.searches)))
        elif roll < 0.9:
            self._call(s, who, "query", "POST", "/api/v1/query", {"query": rng.choice(self.questions)})
        else:
            answer = self._call(s, who, "propose", "POST", "/api/v1/query", {"query": rng.choice(self.changes)})
            if answer is None or answer.status_code != 200:
                return
            found = pending_actions(answer.json())
            if not found:
                with self._lock:
                    self.proposals_missing += 1
            for action in found:
                self._call(s, who, "confirm", "POST", f"/api/v1/actions/{action['id']}/confirm", {})

    def client(self, index: int, stop_at: float) -> None:
        """Client `index`: the paid people round-robin, then the free-tier clients (who pace themselves)."""
        rng = random.Random(index)
        free = index >= len(self.paid_slots)
        token = self.free if free else self.paid_slots[index]
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {token}"
            while time.monotonic() < stop_at:
                self.one(s, rng, "free" if free else "paid")
                if free:
                    time.sleep(0.05)

    def run(self, clients: int, seconds: float) -> float:
        self.paid_slots = [self.paid[i % len(self.paid)] for i in range(clients)]
        return run_clients(clients + (self.free_clients if self.free else 0), seconds, self.client)


class RssSampler(threading.Thread):
    """Samples the RSS of the gunicorn workers (children of the master) every `every` seconds."""

    def __init__(self, master_pid: int, every: float, t0: float) -> None:
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.every, self.t0 = every, t0
        self.samples: list[tuple[float, float, dict[int, float]]] = []  # (t, total MB, {pid: MB})
        self.halt = threading.Event()

    def sample(self) -> None:
        per: dict[int, float] = {}
        for child in self.master.children():
            try:
                per[child.pid] = child.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                pass
        self.samples.append((time.monotonic() - self.t0, sum(per.values()), per))

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(self.every)


class RedisRestart(threading.Thread):
    """Stops Redis at `at` seconds, starts it again (same port) `outage` seconds later."""

    def __init__(self, server: Any, at: float, outage: float, t0: float) -> None:
        super().__init__(daemon=True)
        self.server, self.at, self.outage, self.t0 = server, at, outage, t0
        self.down: float | None = None
        self.up: float | None = None

    def run(self) -> None:
        time.sleep(max(0.0, self.t0 + self.at - time.monotonic()))
        self.down = time.monotonic()
        self.server.stop()
        time.sleep(self.outage)
        self.server.start()
        self.up = time.monotonic()


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute."""
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    return 0.0 if var == 0 else sum((t - mx) * (v - my) for t, v in points) / var * 60


def report(traffic: Traffic, elapsed: float, rss: RssSampler, warmup: float,
           restart: RedisRestart | None) -> bool:
    """Print the summary; True when it passes (no non-429 error outside the outage, RSS flat)."""
    window: Callable[[Sample], bool] = lambda s: False  # noqa: E731
    if restart is not None and restart.down is not None:
        end = (restart.up or time.monotonic()) + OUTAGE_GRACE
        window = lambda s: s.started <= end and s.started + s.ms / 1000 >= restart.down  # noqa: E731
    samples = traffic.samples
    print(f"\n{len(samples)} requests in {elapsed:.0f} s: {len(samples) / elapsed:.1f} requests/s")
    print(f"{'endpoint':<9} {'who':<5} {'count':>7} {'req/s':>7} {'ok':>7} {'429':>6} {'other':>6} "
          f"{'p50 ms':>8} {'p99 ms':>8}")
    for who in ("paid", "free"):
        for op in ("search", "query", "propose", "confirm"):
            mine = [s for s in samples if s.op == op and s.who == who]
            if not mine:
                continue
            ok = [s.ms for s in mine if 200 <= s.status < 300]
            limited = sum(1 for s in mine if s.status == 429)
            other = len(mine) - len(ok) - limited
            p50 = f"{percentile(ok, 0.5):8.0f}" if ok else f"{'-':>8}"
            p99 = f"{percentile(ok, 0.99):8.0f}" if ok else f"{'-':>8}"
            print(f"{op:<9} {who:<5} {len(mine):>7} {len(mine) / elapsed:>7.1f} {len(ok):>7} {limited:>6} "
                  f"{other:>6} {p50} {p99}")
    failed = [s for s in samples if s.status != 429 and not 200 <= s.status < 300]
    outside = [s for s in failed if not window(s)]
    limited = [s for s in samples if s.status == 429]
    print(f"429s: {sum(1 for s in limited if s.who == 'paid')} for enterprise people, "
          f"{sum(1 for s in limited if s.who == 'free')} for the free-tier person")
    print(f"non-429 errors outside the outage: {len(outside)}"
          + (f" ({', '.join(f'{k}: {v}' for k, v in _by_status(outside).items())})" if outside else ""))
    if traffic.proposals_missing:
        print(f"change questions that proposed nothing: {traffic.proposals_missing}")
    if restart is not None:
        if restart.down is None:
            print("Redis restart: not reached within the run")
        else:
            during = [s for s in samples if window(s)]
            bad = [s for s in during if s.status != 429 and not 200 <= s.status < 300]
            print(f"Redis restart at {restart.at:.0f} s, down {((restart.up or restart.down) - restart.down):.1f} s: "
                  f"{len(during)} requests around it (outage + {OUTAGE_GRACE:.0f} s), {len(bad)} failed"
                  + (f" ({', '.join(f'{k}: {v}' for k, v in _by_status(bad, by_op=True).items())})" if bad else ""))
    flat = _rss_report(rss, warmup)
    passed = not outside and flat is not False
    print("verdict:", "PASS" if passed else "FAIL")
    return passed


def _by_status(samples: list[Sample], by_op: bool = False) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        key = f"{s.op} {s.status or 'conn'}" if by_op else str(s.status or "connection error")
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _rss_report(rss: RssSampler, warmup: float) -> bool | None:
    """Print the RSS samples and the verdict: True flat, False growing, None too short to judge."""
    print("gunicorn workers' RSS (MB): " + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb, _ in rss.samples))
    pids = {pid for _, _, per in rss.samples for pid in per}
    if len(pids) > 2:
        print(f"note: {len(pids)} different worker pids were seen (a worker was restarted)")
    after = [(t, mb) for t, mb, _ in rss.samples if t >= warmup]
    if len(after) < 3:
        print(f"leak verdict: too short to judge ({len(after)} samples after the {warmup:.0f} s warm-up)")
        return None
    slope = slope_mb_per_min(after)
    span_min = (after[-1][0] - after[0][0]) / 60
    mean = sum(mb for _, mb in after) / len(after)
    growth = slope * span_min
    tolerance = max(LEAK_TOLERANCE_MB, 0.03 * mean)
    flat = growth <= tolerance
    print(f"leak verdict: {'flat' if flat else 'GROWING'} — slope {slope:+.2f} MB/min after the {warmup:.0f} s "
          f"warm-up ({growth:+.1f} MB over {span_min:.1f} min; tolerance {tolerance:.1f} MB)")
    return flat


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=300, help="seconds of traffic")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (enterprise people)")
    parser.add_argument("--users", type=int, default=20, help="enterprise people the clients act as")
    parser.add_argument("--free-clients", type=int, default=1, help="clients acting as one free-tier person")
    parser.add_argument("--redis-restart-at", type=float, help="stop Redis this many seconds in, then restart it")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds Redis stays down")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=float, help="seconds before the leak verdict's samples (default: "
                                                     "min(60, duration / 5))")
    parser.add_argument("--data", type=Path, help="keep (and reuse) the built index here")
    parser.add_argument("--logs", type=Path, help="write the processes' logs into this directory")
    args = parser.parse_args()
    warmup = args.warmup if args.warmup is not None else min(60.0, args.duration / 5)
    base = args.data or Path(tempfile.mkdtemp(prefix="wo-bench-load-"))
    print("building (or reusing) the demo index…", flush=True)
    ctx, _demo, emulator, servers = build_index(base)
    ctx.pool.close()
    if emulator:
        emulator.stop()
    pg, rd = servers
    web_port, emu_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emu_port}/"
    key = generate_key()
    env = product_env(pg.url, rd.url, web_port, base, TOKEN_ENCRYPTION_KEY=key, GOOGLE_API_BASE_URL=emulator_url,
                      GOOGLE_TOKEN_URI=emulator_url + "token")
    logs = args.logs
    if logs:
        logs.mkdir(parents=True, exist_ok=True)
    procs = []
    passed = False
    try:
        procs.append(start_emulator(env, emu_port, log=logs / "emulator.log" if logs else None))
        wait_ready(emulator_url + "_emulator/healthz")
        config = Config(database_url=pg.url, redis_url=rd.url, data_dir=base, token_encryption_key=key,
                        google_api_base_url=emulator_url, google_token_uri=emulator_url + "token")
        paid, free = setup_people(config, emulator_url, args.users, args.free_clients > 0)
        web = start_web(env, log=logs / "web.log" if logs else None)
        procs += [web, start_worker(env, log=logs / "worker.log" if logs else None)]
        site = f"http://127.0.0.1:{web_port}"
        wait_ready(site + "/readyz")
        traffic = Traffic(site, paid, free, args.free_clients)
        warm = {"Authorization": f"Bearer {paid[0]}"}
        for q in traffic.questions[:20]:  # a new connection each: both workers load models, warm caches
            requests.post(site + "/api/v1/query", json={"query": q}, headers=warm, timeout=60)
            requests.get(site + "/api/v1/search", params={"q": q}, headers=warm, timeout=60)
        print(f"{args.clients} clients as {len(paid)} enterprise people"
              + (f" + {args.free_clients} as a free-tier person" if free else "")
              + f", {args.duration:.0f} s", flush=True)
        t0 = time.monotonic()
        rss = RssSampler(web.pid, args.sample_every, t0)
        rss.start()
        restart = None
        if args.redis_restart_at is not None:
            restart = RedisRestart(rd, args.redis_restart_at, args.outage, t0)
            restart.start()
        elapsed = traffic.run(args.clients, args.duration)
        rss.halt.set()
        rss.join()
        if restart is not None:
            restart.join(args.outage + 30)
        alive = {name: p.poll() is None for name, p in (("web", web), ("worker", procs[2]))}
        if not all(alive.values()):
            print("processes that died:", ", ".join(n for n, ok in alive.items() if not ok))
        passed = report(traffic, elapsed, rss, warmup, restart) and all(alive.values())
    finally:
        stop(procs)
        for server in servers:
            server.stop()
        if args.data is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
