"""Cold and warm start of `make demo` to ready.

Cold: an empty DATA_DIR (initdb, Redis, migrations, gunicorn + worker) until GET /readyz answers 200.
Warm: the same DATA_DIR again (PostgreSQL data exists, nothing running). Each run is stopped with SIGINT, as
Ctrl-C would. Prints one line per run and the medians.

    .venv/bin/python bench/cold_start.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.config import REPO_ROOT  # noqa: E402
from server.devinfra import free_port  # noqa: E402


def one_start(data_dir: Path) -> float:
    """Seconds from launching the demo to /readyz 200; the demo is stopped before returning."""
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "EMULATOR_PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "server.devinfra", "demo"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("demo exited before it was ready")
            if time.monotonic() - started > 120:
                raise RuntimeError("demo not ready within 120 s")
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except (requests.ConnectionError, requests.Timeout):  # listening, but no worker booted yet
                pass
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    for i in range(args.runs):
        data_dir = Path(tempfile.mkdtemp(prefix="wo-bench-"))
        try:
            cold.append(one_start(data_dir / "data"))
            warm.append(one_start(data_dir / "data"))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        print(f"run {i + 1}: cold {cold[-1]:.2f} s, warm {warm[-1]:.2f} s", flush=True)
    print(f"make demo to ready: cold median {statistics.median(cold):.2f} s (max {max(cold):.2f}), "
          f"warm median {statistics.median(warm):.2f} s (max {max(warm):.2f})")


if __name__ == "__main__":
    main()
