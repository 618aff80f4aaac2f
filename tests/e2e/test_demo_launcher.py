"""`make demo`'s launcher end to end: ready within 60 s, gunicorn+gevent serving WebSockets, an RQ worker up,
and nothing left running after Ctrl-C or SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import redis
import requests
from rq import Worker
from simple_websocket import Client

from server.config import REPO_ROOT
from server.devinfra import free_port

pytestmark = pytest.mark.e2e


def _leftovers(data_dir: Path, port: int) -> list[str]:
    """Processes of this demo that still run: servers with its data dir, or anything bound to its port."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmd or f":{port}" in cmd:
            found.append(f"{proc.info['pid']}: {cmd[:120]}")
    return found


def _start_demo(tmp_path: Path) -> tuple[subprocess.Popen, Path, int]:
    data_dir, port = tmp_path / "data", free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "WEB_CONCURRENCY": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "demo.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "server.devinfra", "demo"], cwd=REPO_ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, data_dir, port


def _wait_ready(proc: subprocess.Popen, port: int, tmp_path: Path, limit: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError("not ready within 60 s:\n" + (tmp_path / "demo.log").read_text()[-3000:])


def _tree(proc: subprocess.Popen, data_dir: Path) -> list[psutil.Process]:
    """Everything the demo runs: the launcher's descendants (honcho, gunicorn, rq) and the two servers."""
    pids = [int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]),
            int((data_dir / "redis" / "redis.pid").read_text().strip())]
    servers = [psutil.Process(pid) for pid in pids]
    return psutil.Process(proc.pid).children(recursive=True) + servers


def _wait_gone(proc: subprocess.Popen, tree: list[psutil.Process], data_dir: Path, port: int) -> list[str]:
    proc.wait(60)
    _gone, alive = psutil.wait_procs(tree, timeout=15)
    return [f"{p.pid}: {' '.join(p.cmdline())[:120]}" for p in alive] + _leftovers(data_dir, port)


def test_demo_is_ready_serves_and_leaves_nothing_after_ctrl_c(tmp_path: Path) -> None:
    proc, data_dir, port = _start_demo(tmp_path)
    try:
        _wait_ready(proc, port, tmp_path)
        tree = _tree(proc, data_dir)
        assert len(tree) >= 5, tree  # honcho, gunicorn master + worker, rq worker, postgres, redis
        ws = Client.connect(f"ws://127.0.0.1:{port}/ws")
        try:
            assert json.loads(ws.receive(timeout=5))["type"] == "hello"
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.receive(timeout=5)) == {"type": "pong"}
        finally:
            ws.close()
        missing = requests.get(f"http://127.0.0.1:{port}/missing", timeout=5)
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        redis_port = (data_dir / "redis" / "port").read_text().strip()
        connection = redis.Redis.from_url(f"redis://127.0.0.1:{redis_port}/0")
        deadline = time.monotonic() + 20
        while not Worker.all(connection=connection) and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = Worker.all(connection=connection)
        assert workers and set(workers[0].queue_names()) == {"priority", "sync", "embed"}
        connection.close()
        tree = _tree(proc, data_dir)  # now including the rq scheduler
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert _wait_gone(proc, tree, data_dir, port) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_sigterm_to_the_launcher_alone_stops_everything(tmp_path: Path) -> None:
    proc, data_dir, port = _start_demo(tmp_path)
    try:
        _wait_ready(proc, port, tmp_path)
        tree = _tree(proc, data_dir)
        proc.send_signal(signal.SIGTERM)
        assert _wait_gone(proc, tree, data_dir, port) == []
        assert proc.returncode is not None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
