"""What the benchmarks that run the product as separate processes share: the environment the product reads, and
starting, waiting for and stopping the web server (gunicorn + gevent with the real config), an RQ worker and the
emulator, the way the Procfile runs them."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.config import REPO_ROOT  # noqa: E402


def product_env(database_url: str, redis_url: str, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """The process environment of a product process on these servers (quiet logs, the demo data's clock, the
    web's two gevent workers); `extra` adds or overrides variables."""
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port),
            "DATA_DIR": str(data_dir), "CLOCK_NOW": "2023-11-30T00:00:00Z", "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2", **extra}


def _spawn(args: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen([sys.executable, *args], cwd=REPO_ROOT, env=env, stdout=out, stderr=out)


def start_web(env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """gunicorn with the product's config (`server/gunicorn_conf.py`), as the Procfile's `web`."""
    return _spawn(["-m", "gunicorn", "--config", "python:server.gunicorn_conf", "server.app:create_app()"], env, log)


def start_worker(env: dict[str, str], queues: Iterable[str] = (), log: Path | None = None) -> subprocess.Popen:
    """`python -m workers [QUEUE ...]` (with RQ's scheduler), as the Procfile's `worker`."""
    return _spawn(["-m", "workers", *queues], env, log)


def start_emulator(env: dict[str, str], port: int, data: str = "demo", log: Path | None = None) -> subprocess.Popen:
    """The Google emulator on `port`, loaded with `data`."""
    return _spawn(["-m", "emulator", "--host", "127.0.0.1", "--port", str(port), "--data", data], env, log)


def wait_ready(url: str, timeout: float = 60.0, ok: Callable[[requests.Response], bool] | None = None) -> None:
    """Wait until `url` answers 200 (or `ok(response)`); RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = requests.get(url, timeout=2)
            if (ok or (lambda r: r.status_code == 200))(response):
                return
        except (requests.ConnectionError, requests.Timeout):  # listening, but no worker booted yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not become ready in {timeout:.0f} s")
        time.sleep(0.2)


def stop(procs: Iterable[subprocess.Popen], timeout: float = 30.0) -> None:
    """Terminate the processes (gracefully: SIGTERM, then SIGKILL after `timeout` s) and wait for them."""
    procs = [p for p in procs if p is not None]
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
