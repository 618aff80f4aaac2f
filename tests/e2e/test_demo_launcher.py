"""`make demo`'s launcher end to end: ready within 60 s, gunicorn+gevent serving WebSockets, an RQ worker up,
the emulator loaded with the demo data, and nothing left running after Ctrl-C or SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis
import requests
from rq import Worker

from server.config import REPO_ROOT
from server.devinfra import free_port
from tests.support.ws_client import WsClient

pytestmark = pytest.mark.e2e


@dataclass
class Demo:
    proc: subprocess.Popen
    data_dir: Path
    port: int
    emulator_port: int
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _start_demo(tmp_path: Path) -> Demo:
    demo = Demo(None, tmp_path / "data", free_port(), free_port(), tmp_path / "demo.log")  # type: ignore[arg-type]
    env = {**os.environ, "DATA_DIR": str(demo.data_dir), "PORT": str(demo.port), "WEB_CONCURRENCY": "1",
           "EMULATOR_PORT": str(demo.emulator_port)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    demo.proc = subprocess.Popen([sys.executable, "-m", "server.devinfra", "demo"], cwd=REPO_ROOT, env=env,
                                 stdout=open(demo.log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    return demo


def _wait_ready(demo: Demo, limit: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert demo.proc.poll() is None, demo.log_tail()
        try:
            if requests.get(f"http://127.0.0.1:{demo.port}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except (requests.ConnectionError, requests.Timeout):  # listening, but no worker booted yet
            pass
        time.sleep(0.2)
    raise AssertionError("not ready within 60 s:\n" + demo.log_tail())


def _emulator_state(demo: Demo) -> dict:
    """The emulator's state dump once it answers (it loads the demo data as it starts)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.get(f"http://127.0.0.1:{demo.emulator_port}/_emulator/state", timeout=10).json()
        except (requests.ConnectionError, requests.Timeout):
            assert time.monotonic() < deadline, demo.log_tail()
            time.sleep(0.2)


def _wait_synced(demo: Demo, limit: float = 120.0) -> dict:
    """The sync status once every service of the demo user has synced."""
    deadline = time.monotonic() + limit
    while True:
        response = requests.get(f"http://127.0.0.1:{demo.port}/api/v1/sync/status", timeout=10)
        services = response.json().get("services", {}) if response.status_code == 200 else {}
        if services and all(s["state"] == "ok" for s in services.values()):
            return services
        assert time.monotonic() < deadline, (response.text, demo.log_tail())
        time.sleep(0.5)


def _cleanup(demo: Demo) -> None:
    """After a failed test: stop the demo the way a person would (SIGTERM: it stops what it started), and kill
    whatever is left of its process tree only if that does not work."""
    if demo.proc.poll() is not None:
        return
    try:
        tree = psutil.Process(demo.proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    demo.proc.send_signal(signal.SIGTERM)
    try:
        demo.proc.wait(60)
    except subprocess.TimeoutExpired:
        for proc in [psutil.Process(demo.proc.pid), *tree]:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass


def _leftovers(demo: Demo) -> list[str]:
    """Processes of this demo that still run: servers with its data dir, or anything bound to its ports."""
    marks = [str(demo.data_dir), f":{demo.port}", f"--port {demo.emulator_port}"]
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if any(mark in cmd for mark in marks):
            found.append(f"{proc.info['pid']}: {cmd[:120]}")
    return found


def _tree(demo: Demo) -> list[psutil.Process]:
    """Everything the demo runs: the launcher's descendants (honcho, gunicorn, rq, emulator) and the servers."""
    pids = [int((demo.data_dir / "postgres" / "postmaster.pid").read_text().split()[0]),
            int((demo.data_dir / "redis" / "redis.pid").read_text().strip())]
    return psutil.Process(demo.proc.pid).children(recursive=True) + [psutil.Process(pid) for pid in pids]


def _stop_and_list_survivors(demo: Demo, tree: list[psutil.Process], sig: signal.Signals, group: bool) -> list[str]:
    if group:
        os.killpg(demo.proc.pid, sig)  # what Ctrl-C in a terminal does: the whole foreground group
    else:
        demo.proc.send_signal(sig)
    demo.proc.wait(60)
    _gone, alive = psutil.wait_procs(tree, timeout=15)
    deadline = time.monotonic() + 10
    while _leftovers(demo) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [f"{p.pid}: {' '.join(p.cmdline())[:120]}" for p in alive] + _leftovers(demo)


def _ask_on_the_socket_then_confirm(demo: Demo) -> None:
    """A question over the WebSocket streams the pipeline's events under gunicorn + gevent; the change it proposes
    runs only when confirmed over REST, and then the emulator shows it."""
    ws = WsClient(f"ws://127.0.0.1:{demo.port}/ws")
    try:
        assert json.loads(ws.receive(timeout=10))["type"] == "hello"
        ws.send(json.dumps({"type": "query", "id": 7, "query": "Delete my last email from nadia"}))
        frames = []
        while not frames or frames[-1]["type"] not in ("done", "error"):
            frames.append(json.loads(ws.receive(timeout=60)))
    finally:
        ws.close()
    types = [f["type"] for f in frames]
    assert types[:3] == ["conversation", "intent", "plan"] and types[-1] == "done", types
    assert {"step_started", "step_done", "pending_action", "token"} <= set(types) and all(f["ref"] == 7 for f in frames)
    (action,) = [f for f in frames if f["type"] == "pending_action"]
    shown = requests.get(f"http://127.0.0.1:{demo.port}/api/v1/actions/{action['id']}", timeout=10)
    assert shown.status_code == 200, shown.text
    email_id = shown.json()["args"]["email_id"]
    assert not next(m for m in _emulator_state(demo)["users"]["sam@atlas.com"]["messages"]
                    if m["id"] == email_id)["trashed"]
    done = requests.post(f"http://127.0.0.1:{demo.port}/api/v1/actions/{action['id']}/confirm", json={}, timeout=30)
    assert done.status_code == 200 and done.json()["state"] == "done", done.text
    assert next(m for m in _emulator_state(demo)["users"]["sam@atlas.com"]["messages"]
                if m["id"] == email_id)["trashed"]


def test_demo_is_ready_serves_and_leaves_nothing_after_ctrl_c(tmp_path: Path) -> None:
    demo = _start_demo(tmp_path)
    try:
        _wait_ready(demo)
        ws = WsClient(f"ws://127.0.0.1:{demo.port}/ws")
        try:
            assert json.loads(ws.receive(timeout=10))["type"] == "hello"
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.receive(timeout=10)) == {"type": "pong"}
        finally:
            ws.close()
        missing = requests.get(f"http://127.0.0.1:{demo.port}/missing", timeout=5)
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"

        redis_port = (demo.data_dir / "redis" / "port").read_text().strip()
        connection = redis.Redis.from_url(f"redis://127.0.0.1:{redis_port}/0")
        deadline = time.monotonic() + 20
        while len(Worker.all(connection=connection)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        queues = {name for w in Worker.all(connection=connection) for name in w.queue_names()}
        assert queues == {"priority", "sync", "embed"}
        connection.close()

        sam = _emulator_state(demo)["users"]["sam@atlas.com"]
        assert len(sam["messages"]) >= 500 and len(sam["calendars"]["primary"]) >= 300 and len(sam["files"]) >= 60
        # The demo user is connected and fully synced through the worker.
        status = _wait_synced(demo)
        assert status["gmail"]["items_done"] == len([m for m in sam["messages"] if not m["trashed"]])
        assert status["calendar"]["items_done"] >= 300 and status["drive"]["items_done"] >= 60
        _ask_on_the_socket_then_confirm(demo)

        tree = _tree(demo)
        # honcho, gunicorn master + worker, 2 rq workers, scheduler, emulator, postgres, redis
        assert len(tree) >= 9, (tree, demo.log_tail())
        survivors = _stop_and_list_survivors(demo, tree, signal.SIGINT, group=True)
        assert survivors == [], (survivors, demo.log_tail())
    finally:
        _cleanup(demo)


def test_sigterm_to_the_launcher_alone_stops_everything(tmp_path: Path) -> None:
    demo = _start_demo(tmp_path)
    try:
        _wait_ready(demo)
        _emulator_state(demo)
        survivors = _stop_and_list_survivors(demo, _tree(demo), signal.SIGTERM, group=False)
        assert survivors == [], (survivors, demo.log_tail())
        assert demo.proc.returncode is not None
    finally:
        _cleanup(demo)
