"""Full Gmail sync of one user's mailbox: messages/s until keyword-searchable, and until every message is embedded.

Starts its own emulator (gunicorn, one gevent worker) loaded with `--messages` synthetic messages for one user,
an embedded PostgreSQL and Redis in a temporary directory, then runs the real jobs (full sync, then the embed
job) in this process through RQ, as a worker would. Prints the figures.

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

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rq import Queue  # noqa: E402

from server import accounts  # noqa: E402
from server.config import REPO_ROOT, Config  # noqa: E402
from server.crypto import generate_key  # noqa: E402
from server.devinfra import EmbeddedPostgres, EmbeddedRedis, free_port  # noqa: E402
from server.store import migrations  # noqa: E402
from workers import context as job_context  # noqa: E402
from workers.enqueue import enqueue_sync  # noqa: E402
from workers.runner import InProcessWorker  # noqa: E402


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
    try:
        config = Config(database_url=pg.start(), redis_url=rd.start(), data_dir=base,
                        google_api_base_url=f"http://127.0.0.1:{port}/",
                        google_token_uri=f"http://127.0.0.1:{port}/token", token_encryption_key=generate_key(),
                        embedding_max_tokens=args.embed_tokens)
        migrations.migrate(config.database_url or "", config.embedding_dim)
        ctx = job_context.from_config(config)
        job_context.use(ctx)
        email = requests.get(f"http://127.0.0.1:{port}/_emulator/users", timeout=10).json()
        email = email[0] if isinstance(email, list) else email["users"][0]
        tokens = requests.post(f"http://127.0.0.1:{port}/_emulator/users", json={"email": email}, timeout=10).json()
        user = accounts.connect(ctx.pool, config, email, access_token=tokens["access_token"],
                                refresh_token=tokens["refresh_token"],
                                expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
        ctx.embedder()  # load the model before the clock starts (a running worker has it loaded)
        enqueue_sync(ctx.redis, user.id, "gmail", "full")
        started = time.perf_counter()
        InProcessWorker([Queue("sync", connection=ctx.redis)], connection=ctx.redis).work(burst=True)
        synced = time.perf_counter() - started
        with ctx.pool.connection() as conn:
            rows = conn.execute("SELECT count(*), avg(length(body_full)) FROM gmail_cache WHERE user_id = %s",
                                (user.id,)).fetchone()
        InProcessWorker([Queue("embed", connection=ctx.redis)], connection=ctx.redis).work(burst=True)
        total = time.perf_counter() - started
        with ctx.pool.connection() as conn:
            left = conn.execute("SELECT count(*) FROM gmail_cache WHERE user_id = %s AND embedding IS NULL",
                                (user.id,)).fetchone()[0]
        n = rows[0]
        print(f"full gmail sync, {n} messages (avg body {rows[1]:.0f} chars), {os.cpu_count()} cores, "
              f"embedding the first {args.embed_tokens} tokens")
        print(f"  keyword-searchable: {synced:.1f} s -> {n / synced:.0f} messages/s")
        print(f"  embedded too:       {total:.1f} s -> {n / total:.0f} messages/s "
              f"(embedding alone {n / (total - synced):.0f} messages/s; {left} left without a vector)")
        ctx.pool.close()
    finally:
        emulator.terminate()
        emulator.wait(30)
        rd.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
