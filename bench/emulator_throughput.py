"""Emulator throughput for gmail.users.messages.get, measured the way the product calls it.

Starts the emulator (``python -m emulator``) on a free loopback port, loads a synthetic data set
(``/_emulator/load`` scale: ``--users`` x ``--messages``), then runs ``--clients`` client
PROCESSES (so the clients' own googleapiclient overhead is not serialised by one GIL), each with
its own googleapiclient Gmail service over HTTP, calling ``messages.get(format=full)`` on random
ids for ``--duration`` seconds. Prints requests/s and latency percentiles.

    .venv/bin/python bench/emulator_throughput.py                       # gunicorn+gevent, 4 clients, 5 s
    .venv/bin/python bench/emulator_throughput.py --server both         # compare with werkzeug threaded
    .venv/bin/python bench/emulator_throughput.py --url http://127.0.0.1:8090   # an emulator already running
    .venv/bin/python bench/emulator_throughput.py --batch 50            # also measure batch gets
    .venv/bin/python bench/emulator_throughput.py --raw                 # also plain HTTP (server ceiling)

Loopback only, bounded in time; the emulator it started is stopped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(server: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(port),
                             "--data", "empty", "--server", server], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(url + "/_emulator/healthz", timeout=1).ok:
                return proc, url
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"emulator ({server}) did not start")


def _tree(pid: int) -> list[int]:
    """pid and its descendants (the gunicorn master forks the worker that does the work)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo += parents.get(cur, [])
    return out


def cpu_seconds(pid: int | None) -> float:
    """User+system CPU seconds used so far by the emulator's process tree (Linux /proc)."""
    if pid is None or not os.path.exists("/proc"):
        return 0.0
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def gmail_service(url: str, tokens: dict[str, Any]) -> Any:
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    creds = Credentials(token=tokens["access_token"], refresh_token=tokens["refresh_token"],
                        token_uri=url + "/token", client_id="bench", client_secret="bench")
    return build("gmail", "v1", credentials=creds, static_discovery=True, cache_discovery=False,
                 client_options={"api_endpoint": url + "/"})


def client(url: str, users: list[dict[str, Any]], ids: dict[str, list[str]], duration: float, batch: int,
           seed: int, out: Any) -> None:
    """One client process: loop messages.get (or batches of them) until the deadline.

    ``batch`` -1 means raw keep-alive HTTP (http.client, no googleapiclient) to show the
    emulator's own ceiling.
    """
    import http.client

    from googleapiclient.http import BatchHttpRequest

    rng = random.Random(seed)
    tokens = users[seed % len(users)]
    svc = gmail_service(url, tokens)
    mine = ids[tokens["email"]]
    svc.users().getProfile(userId="me").execute()  # warm the connection
    conn = http.client.HTTPConnection(url.split("//", 1)[1])
    auth = {"Authorization": "Bearer " + tokens["access_token"]}
    lat: list[float] = []
    done = errors = 0
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        try:
            if batch < 0:
                conn.request("GET", f"/gmail/v1/users/me/messages/{rng.choice(mine)}?alt=json", headers=auth)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise RuntimeError(resp.status)
                done += 1
            elif batch:
                b = BatchHttpRequest(batch_uri=url + "/batch/gmail/v1")
                for _ in range(batch):
                    b.add(svc.users().messages().get(userId="me", id=rng.choice(mine)))
                b.execute()
                done += batch
            else:
                svc.users().messages().get(userId="me", id=rng.choice(mine)).execute()
                done += 1
        except Exception:  # noqa: BLE001 - counted, the bench keeps going
            errors += 1
        lat.append(time.perf_counter() - t0)
    out.put((done, errors, lat))


def measure(url: str, users: list[dict[str, Any]], ids: dict[str, list[str]], clients: int, duration: float,
            batch: int, server_pid: int | None = None) -> dict[str, float]:
    ctx = mp.get_context("fork")
    cpu0 = cpu_seconds(server_pid)
    out = ctx.Queue()
    procs = [ctx.Process(target=client, args=(url, users, ids, duration, batch, i, out)) for i in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=duration + 60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    wall = time.perf_counter() - t0
    server_cpu = cpu_seconds(server_pid) - cpu0
    done = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[2])
    # wall includes process start + service build (~0.3 s); rate over the measured window is fairer
    return {"done": done, "errors": sum(r[1] for r in results), "rate": done / duration,
            "wall": wall, "p50_ms": 1000 * statistics.median(lat) if lat else 0.0,
            "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))] if lat else 0.0,
            "server_cpu_ms": 1000 * server_cpu / done if done and server_pid else 0.0}


def setup(url: str, n_users: int, n_messages: int) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    loaded = requests.post(url + "/_emulator/load", json={"dataset": "scale", "users": n_users,
                                                          "messages": n_messages}, timeout=600)
    loaded.raise_for_status()
    users = [t for t in loaded.json()["tokens"] if t["email"].endswith("@scale.example")][:n_users]
    ids: dict[str, list[str]] = {}
    for t in users:
        svc = gmail_service(url, t)
        resp = svc.users().messages().list(userId="me", maxResults=500, includeSpamTrash=True).execute()
        ids[t["email"]] = [m["id"] for m in resp["messages"]]
    return users, ids


def _capacity(r: dict[str, float], unit: str = "request") -> str:
    """The emulator's own CPU cost per call, and the rate one core of it could serve."""
    if not r["server_cpu_ms"]:
        return ""
    return (f"\n          emulator CPU {r['server_cpu_ms']:.2f} ms per {unit} -> ~{1000 / r['server_cpu_ms']:.0f} "
            f"{unit}s/s per core (the client processes used the rest of the CPU)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="use an emulator already running here instead of starting one")
    p.add_argument("--server", choices=["gunicorn", "werkzeug", "both"], default="gunicorn")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (bounded)")
    p.add_argument("--users", type=int, default=4)
    p.add_argument("--messages", type=int, default=500, help="messages per user")
    p.add_argument("--batch", type=int, default=0, help="also measure batches of this many gets")
    p.add_argument("--raw", action="store_true",
                   help="also measure with plain keep-alive HTTP clients (the emulator's own ceiling)")
    args = p.parse_args()
    args.duration = min(args.duration, 60.0)

    targets = [("external", args.url)] if args.url else [
        (s, None) for s in (["gunicorn", "werkzeug"] if args.server == "both" else [args.server])]
    print(f"messages.get(format=full) through googleapiclient, {args.clients} client processes, "
          f"{args.duration:.0f} s, {args.users} users x {args.messages} messages, {os.cpu_count()} CPUs")
    for name, url in targets:
        proc = None
        if url is None:
            proc, url = start_emulator(name)
        try:
            users, ids = setup(url, args.users, args.messages)
            pid = proc.pid if proc is not None else None
            r = measure(url, users, ids, args.clients, args.duration, 0, pid)
            print(f"{name:9s} messages.get : {r['rate']:8.0f} req/s  (p50 {r['p50_ms']:.1f} ms, "
                  f"p99 {r['p99_ms']:.1f} ms, {r['done']} ok, {r['errors']} errors)" + _capacity(r))
            if args.batch:
                r = measure(url, users, ids, args.clients, args.duration, args.batch, pid)
                print(f"{name:9s} batch of {args.batch:3d}: {r['rate']:8.0f} messages/s "
                      f"(p50 {r['p50_ms']:.1f} ms per batch, {r['errors']} errors)" + _capacity(r, "message"))
            if args.raw:
                r = measure(url, users, ids, args.clients, args.duration, -1, pid)
                print(f"{name:9s} raw HTTP get : {r['rate']:8.0f} req/s  (p50 {r['p50_ms']:.1f} ms, no googleapiclient, "
                      f"{r['errors']} errors)" + _capacity(r))
        finally:
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
