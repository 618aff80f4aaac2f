"""Push-to-searchable latency: from a new message arriving in Gmail (the emulator) to keyword search finding it.

Runs the real chain as separate processes on loopback: the emulator (Gmail, with push to our webhook), the web
server (gunicorn + gevent, `/webhooks/gmail` verifying the signed push), an RQ worker (`python -m workers`), an
embedded PostgreSQL and Redis. For each of `--messages` new messages it measures the time from the delivery call
to the message being returned by a full-text query on the index. Prints p50 / p95 / max.

    .venv/bin/python bench/push_latency.py [--messages 40]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
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
from server.queue import redis_client  # noqa: E402
from server.store import migrations  # noqa: E402
from server.store.pool import make_pool  # noqa: E402
from workers.enqueue import enqueue_sync  # noqa: E402

USER = "sam@atlas.com"


def wait_http(url: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def wait_until(check, limit: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=40)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="wo-bench-push-"))
    pg, rd = EmbeddedPostgres(base / "pg"), EmbeddedRedis(base / "redis", persist=False)
    web_port, emu_port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emu_port}/"
    procs: list[subprocess.Popen] = []
    try:
        config = Config(database_url=pg.start(), redis_url=rd.start(), data_dir=base, port=web_port,
                        google_api_base_url=emulator, google_token_uri=emulator + "token",
                        token_encryption_key=generate_key())
        migrations.migrate(config.database_url or "", config.embedding_dim)
        env = {**os.environ, "DATABASE_URL": config.database_url, "REDIS_URL": config.redis_url,
               "PORT": str(web_port), "GOOGLE_API_BASE_URL": emulator, "GOOGLE_TOKEN_URI": emulator + "token",
               "TOKEN_ENCRYPTION_KEY": config.token_encryption_key,
               "PUSH_AUDIENCE": f"http://127.0.0.1:{web_port}/webhooks/gmail",
               "PUSH_CERTS_URL": emulator + "_emulator/oauth2/v1/certs",
               "PUSH_SERVICE_ACCOUNT": "gmail-push@emulator.local", "LOG_LEVEL": "WARNING",
               "WEB_CONCURRENCY": "1"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": REPO_ROOT, "env": env}
        procs.append(subprocess.Popen([sys.executable, "-m", "emulator", "--port", str(emu_port), "--data", "demo",
                                       "--push-url", f"http://127.0.0.1:{web_port}/webhooks/gmail"], **quiet))
        procs.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "python:server.gunicorn_conf",
                                       "server.app:create_app()"], **quiet))
        procs.append(subprocess.Popen([sys.executable, "-m", "workers"], **quiet))
        wait_http(emulator + "_emulator/healthz")
        wait_http(f"http://127.0.0.1:{web_port}/healthz")

        tokens = requests.post(emulator + "_emulator/users", json={"email": USER}, timeout=10).json()
        pool = make_pool(config.database_url or "", 1, 2)
        user = accounts.connect(pool, config, USER, access_token=tokens["access_token"],
                                refresh_token=tokens["refresh_token"],
                                expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
        connection = redis_client(config.redis_url or "")
        enqueue_sync(connection, user.id, "gmail", "full", queue="priority")

        def synced() -> bool:
            with pool.connection() as conn:
                row = conn.execute("SELECT state FROM sync_status WHERE user_id = %s AND service = 'gmail'",
                                   (user.id,)).fetchone()
            return bool(row and row[0] == "ok")

        wait_until(synced, 300, "the first full sync")
        from rq import Queue

        Queue("priority", connection=connection).enqueue("workers.watch.renew_watch", str(user.id))
        wait_until(lambda: (requests.get(emulator + "_emulator/state", params={"user": USER}, timeout=10)
                            .json()["users"][USER].get("watch") is not None), 60, "the Gmail watch")

        latencies = []
        with psycopg.connect(config.database_url or "", autocommit=True) as conn:
            for i in range(args.messages):
                marker = f"zq{i:04d}marker"
                started = time.perf_counter()
                requests.post(emulator + f"_emulator/users/{USER}/messages", timeout=10, json={
                    "from": "partner@client.example", "subject": f"Contract update {marker}",
                    "body": f"Please review the revised terms ({marker})."})
                while True:
                    found = conn.execute(
                        "SELECT 1 FROM gmail_cache WHERE user_id = %s AND "
                        "search_vector @@ websearch_to_tsquery('english', %s)", (user.id, marker)).fetchone()
                    if found:
                        break
                    if time.perf_counter() - started > 30:
                        raise RuntimeError(f"message {i} not searchable after 30 s")
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - started)
                time.sleep(0.2)
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
        print(f"push-to-searchable over {len(latencies)} messages: p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        pool.close()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        rd.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
