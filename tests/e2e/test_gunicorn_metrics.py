"""/metrics under gunicorn as the Procfile runs it (server/gunicorn_conf.py, 2 gevent workers): whichever worker
answers the scrape, it counts every worker's requests (prometheus_client multiprocess mode, in a directory under
DATA_DIR emptied at start), and a worker that dies keeps its requests counted."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import psutil
import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector

from server.config import REPO_ROOT
from server.devinfra import free_port
from tests.support.prometheus import Samples

pytestmark = pytest.mark.e2e
HEALTHZ = {"route": "/healthz", "method": "GET", "status": "200"}


class Web:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path, metrics_dir: Path) -> None:
        self.proc, self.port, self.log, self.metrics_dir = proc, port, log, metrics_dir
        self.url = f"http://127.0.0.1:{port}"

    def workers(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def scrape(self) -> Samples:
        response = requests.get(f"{self.url}/metrics", timeout=10)
        assert response.status_code == 200, response.text
        return Samples.parse(response.text)

    def healthz_by_worker(self) -> dict[int, float]:
        """/healthz requests counted in each worker's own file."""
        counts = {}
        for path in self.metrics_dir.glob("counter_*.db"):
            pid = int(path.stem.rsplit("_", 1)[1])
            families = MultiProcessCollector.merge([str(path)])
            counts[pid] = sum(s.value for f in families for s in f.samples
                              if s.name == "wo_http_requests_total" and s.labels == HEALTHZ)
        return counts

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def web(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Web]:
    data_dir = tmp_path / "data"
    metrics_dir = data_dir / "prometheus-multiproc"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_999999.db").write_bytes(b"left by an earlier run")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(data_dir),
           "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "gunicorn.log"
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "python:server.gunicorn_conf",
                             "server.app:create_app()"], cwd=REPO_ROOT, env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    server = Web(proc, port, log, metrics_dir)
    try:
        deadline = time.monotonic() + 60
        while len(server.workers()) < 2 or not _answers(server.url + "/readyz"):
            assert proc.poll() is None and time.monotonic() < deadline, server.tail()
            time.sleep(0.2)
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _hit(url: str, times: int) -> None:
    def one(_: int) -> None:
        # A new connection each time, so the two workers' accept loops share them out.
        assert requests.get(url, headers={"Connection": "close"}, timeout=10).status_code == 200

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(times)))


def test_every_scrape_counts_the_requests_of_both_workers(web: Web) -> None:
    assert not (web.metrics_dir / "counter_999999.db").exists(), "the directory is emptied at start"
    sent = 0
    while len([c for c in web.healthz_by_worker().values() if c > 0]) < 2:  # until both workers served some
        assert sent < 400, (web.healthz_by_worker(), web.tail())
        _hit(f"{web.url}/healthz", 40)
        sent += 40
    by_worker = web.healthz_by_worker()
    assert sum(by_worker.values()) == sent and set(by_worker) <= set(web.workers())
    for _ in range(4):  # any worker may answer the scrape; each one adds up both
        assert web.scrape().get("wo_http_requests_total", **HEALTHZ) == sent

    victim = web.workers()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while victim in web.workers() or len(web.workers()) < 2 or not _answers(web.url + "/readyz"):
        assert time.monotonic() < deadline, web.tail()
        time.sleep(0.2)
    assert web.scrape().get("wo_http_requests_total", **HEALTHZ) == sent, "a dead worker's requests still count"
