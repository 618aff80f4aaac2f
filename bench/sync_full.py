"""Full Gmail sync of one user's mailbox: messages/s until keyword-searchable, until every message has a
headline vector (semantically searchable), and until every message has its full vector.

Starts its own emulator (gunicorn, one gevent worker) loaded with `--messages` synthetic messages for one user,
an embedded PostgreSQL and Redis in a temporary directory, and two RQ workers as the Procfile runs them (one on
priority+sync, one on embed); queues the full sync and watches the index. Prints the figures.

    .venv/bin/python bench/sync_full.py [--messages 5000] [--embed-tokens 128]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import accounts  # noqa: E402
from server.config import REPO_ROOT, Config  # noqa: E402
from server.crypto import generate_key  # noqa: E402
from server.devinfra import EmbeddedPostgres, EmbeddedRedis, free_port  # noqa: E402
from server.store import migrations  # noqa: E402
from workers import context as job_context  # noqa: E402
from workers.enqueue import enqueue_sync  # noqa: E402


def start_emulator(port: int, messages: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--port", str(port), "--data", "scale",
                             "--scale-users", "1", "--scale-messages", str(messages)], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_emulator/healthz", timeout=2).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("emulator did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--embed-tokens", type=int, default=Config().embedding_max_tokens)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="wo-bench-sync-"))
    pg, rd = EmbeddedPostgres(base / "pg"), EmbeddedRedis(base / "redis", persist=False)
    port = free_port()
    emulator = start_emulator(port, args.messages)
    workers: list[subprocess.Popen] = []
    try:
        config = Config(database_url=pg.start(), redis_url=rd.start(), data_dir=base,
                        google_api_base_url=f"http://127.0.0.1:{port}/",
                        google_token_uri=f"http://127.0.0.1:{port}/token", token_encryption_key=generate_key(),
                        embedding_max_tokens=args.embed_tokens)
        migrations.migrate(config.database_url or "", config.embedding_dim)
        ctx = job_context.from_config(config)
        email = requests.get(f"http://127.0.0.1:{port}/_emulator/users", timeout=10).json()
        email = email[0] if isinstance(email, list) else email["users"][0]
        tokens = requests.post(f"http://127.0.0.1:{port}/_emulator/users", json={"email": email}, timeout=10).json()
        user = accounts.connect(ctx.pool, config, email, access_token=tokens["access_token"],
                                refresh_token=tokens["refresh_token"],
                                expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
        # The deployment's shape: one worker on the sync queues, one on `embed`, as separate processes.
        env = {**os.environ, "DATABASE_URL": config.database_url, "REDIS_URL": config.redis_url,
               "GOOGLE_API_BASE_URL": config.google_api_base_url, "GOOGLE_TOKEN_URI": config.google_token_uri,
               "TOKEN_ENCRYPTION_KEY": config.token_encryption_key, "LOG_LEVEL": "WARNING",
               "EMBEDDING_MAX_TOKENS": str(args.embed_tokens)}
        for queues in (["priority", "sync"], ["embed"]):
            workers.append(subprocess.Popen([sys.executable, "-m", "workers", *queues], cwd=REPO_ROOT, env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(3)  # let both workers start (and the embedder import onnxruntime)
        enqueue_sync(ctx.redis, user.id, "gmail", "full")
        started = time.perf_counter()
        marks: dict[str, float] = {}
        with psycopg.connect(config.database_url or "", autocommit=True) as conn:
            while len(marks) < 3:
                if time.perf_counter() - started > 3600:
                    raise RuntimeError("sync did not finish within an hour")
                state = conn.execute("SELECT state FROM sync_status WHERE user_id = %s AND service = 'gmail'",
                                     (user.id,)).fetchone()
                if "keyword" not in marks and state and state[0] == "ok":
                    marks["keyword"] = time.perf_counter() - started
                if "keyword" in marks:
                    none, headline = conn.execute(
                        "SELECT count(*) FILTER (WHERE embedding IS NULL), count(*) FILTER (WHERE embedding_pass = 1)"
                        " FROM gmail_cache WHERE user_id = %s", (user.id,)).fetchone()
                    if none == 0:
                        marks.setdefault("headline", time.perf_counter() - started)
                        if headline == 0:
                            marks["full"] = time.perf_counter() - started
                time.sleep(0.1)
            n, avg = conn.execute("SELECT count(*), avg(length(body_full)) FROM gmail_cache WHERE user_id = %s",
                                  (user.id,)).fetchone()
        print(f"full gmail sync, {n} messages (avg body {avg:.0f} chars), {os.cpu_count()} cores, a sync worker "
              f"and an embed worker, embedding the first {args.embed_tokens} tokens")
        for label, key in (("keyword-searchable", "keyword"), ("+ every headline vector", "headline"),
                           ("+ every full vector", "full")):
            print(f"  {label:24s} {marks[key]:6.1f} s -> {n / marks[key]:4.0f} messages/s")
        ctx.pool.close()
    finally:
        for proc in workers:
            proc.terminate()
            proc.wait(30)
        emulator.terminate()
        emulator.wait(30)
        rd.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
