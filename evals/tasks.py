"""WorkBench task evaluation: does the assistant leave the workspace the way the gold actions would?

    python evals/tasks.py --tasks emulator/data/workbench/tasks_dev.jsonl [--json OUT] [--runner api|gold|noop]
                          [--limit N] [--failures K] [--progress]

Starts what it needs by itself. For every task (gold parsed by ``evals/workbench_gold.py``):

1. the emulator is put back to the demo data with its clock frozen at WorkBench's now, 2023-11-30 00:00 UTC;
2. the *expected* outcome: the gold actions applied to that fresh state through the Gmail/Calendar APIs
   (cached per distinct gold), then its normalised snapshot (``evals/outcome.py``);
3. the *actual* outcome: the fresh state again, the task run by the runner, every pending action confirmed;
4. judged: correct when actual == expected; a *wrong side effect* when the run changed something the gold did
   not. The comparison rules are in ``evals/outcome.py``'s docstring.

Runners:

* ``api`` (default) — the product. Starts an embedded PostgreSQL and Redis in a temporary directory, connects the
  demo user to the harness's emulator, runs a full sync (jobs run in process, as ``evals/search.py`` does),
  serves ``server.app.create_app`` on a loopback port, then per task ``POST /api/v1/query``::

      request   {"query": "<the task's words>", "now": "2023-11-30T00:00:00Z"}
      response  200 {"answer": "...", "pending_actions": [Action, ...], ...}

  ``now`` is the clock the request is understood against ("tomorrow", "last week"); the API must accept it in
  demo/evaluation mode. Action is what ``/api/v1/actions`` renders (``server/faces/actions_api.py``: ``id``,
  ``kind``, ``state``, ``preview``, ``args``, ...); each one still ``pending`` is confirmed with
  ``POST /api/v1/actions/<id>/confirm`` (body ``{}``), which must answer the action in state ``done`` (anything
  else is noted in the report). Queued jobs are run after each task. Before each task the index is brought back
  in line with the restored emulator (rows the previous run touched are dropped, then a full sync). Until the
  endpoint exists the runner stops at once with a message saying so (exit status 2).
* ``gold`` — applies the gold actions themselves: must score 100% and 0 wrong side effects (checks the judge).
* ``noop`` — changes nothing: accuracy = the share of tasks whose gold is empty.

The published anchor (WorkBench, Styles et al. 2024): on these email and calendar tasks GPT-4 with ReAct
completed 68% and made a wrong side effect in 11%.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import requests  # noqa: E402

from emulator.gmail_api import PAYLOADS  # noqa: E402
from emulator.testing import EmulatorServer, build_service  # noqa: E402
from evals.outcome import Outcome, diff, outcome_of, side_effects  # noqa: E402
from evals.workbench_gold import GoldApplier, Task, load_tasks  # noqa: E402

USER = "sam@atlas.com"
WORKBENCH_NOW = "2023-11-30T00:00:00Z"
ANCHOR = {"system": "GPT-4 + ReAct (WorkBench, Styles et al. 2024), email and calendar tasks",
          "accuracy": 0.68, "wrong_side_effects": 0.11}


class RunnerUnavailable(RuntimeError):
    """The runner cannot run at all (e.g. the product has no /api/v1/query yet)."""


# ------------------------------------------------------------------------------------------- workspace
class Workspace:
    """The emulator under evaluation: the demo data at WorkBench's now, put back between runs in milliseconds.

    The emulator has no restore endpoint, so the fresh state is kept with ``State.to_snapshot()`` and put back
    with ``State.load_snapshot()`` on the in-process server (tokens included, so clients stay signed in).
    """

    def __init__(self) -> None:
        self.server = EmulatorServer().start()
        self.url = self.server.url
        self.control = self.server.control
        self.tokens = self.control.load(dataset="demo")["tokens"]
        self.control.clock(now=WORKBENCH_NOW)
        with self.server.state.lock:
            self._checkpoint = json.dumps(self.server.state.to_snapshot())
        self.gmail = build_service("gmail", self.url, self.tokens)
        self.calendar = build_service("calendar", self.url, self.tokens)
        self.before = self.outcome()

    def restore(self) -> None:
        """Back to the fresh demo state (same tokens, same frozen clock)."""
        state = self.server.state
        with state.lock:
            state.load_snapshot(json.loads(self._checkpoint))
            PAYLOADS.clear()  # parsed payloads of the replaced messages

    def outcome(self) -> Outcome:
        return outcome_of(self.control, USER)

    def dump(self) -> dict[str, Any]:
        """The user's part of the state dump."""
        return self.control.state(USER)["users"][USER]

    def gold(self) -> GoldApplier:
        return GoldApplier(self.gmail, self.calendar, USER)

    def close(self) -> None:
        self.server.stop()


# ---------------------------------------------------------------------------------------------- runners
class Runner(Protocol):
    """Does a task to the (freshly restored) workspace; returns a note for the report (or None)."""

    name: str

    def setup(self, ws: Workspace) -> None: ...

    def run(self, task: Task, ws: Workspace) -> str | None: ...

    def close(self) -> None: ...


class GoldRunner:
    """Applies the gold actions (validates the judge: must be 100% correct, 0 side effects)."""

    name = "gold"

    def setup(self, ws: Workspace) -> None:
        pass

    def run(self, task: Task, ws: Workspace) -> str | None:
        ws.gold().apply(task.gold)
        return None

    def close(self) -> None:
        pass


class NoopRunner(GoldRunner):
    """Does nothing: the floor (right only where the gold is empty)."""

    name = "noop"

    def run(self, task: Task, ws: Workspace) -> str | None:
        return None


class ApiRunner:
    """The product through ``POST /api/v1/query`` and ``POST /api/v1/actions/<id>/confirm`` (module docstring)."""

    name = "api"
    timeout = 300.0

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="wo-eval-tasks-"))
        self.servers: list[Any] = []
        self.httpd: Any = None
        self.url = ""
        self.ctx: Any = None
        self.user: Any = None
        self.fresh: dict[str, dict[str, Any]] = {}
        self.touched: dict[str, set[str]] = {"gmail": set(), "calendar": set(), "drive": set()}

    def setup(self, ws: Workspace) -> None:
        # Imported here so the gold/noop runners need nothing of the server.
        from werkzeug.serving import make_server

        from server import accounts
        from server.app import create_app
        from server.config import Config
        from server.crypto import generate_key
        from server.devinfra import EmbeddedPostgres, EmbeddedRedis
        from server.store import migrations
        from workers import context as job_context

        pg, rd = EmbeddedPostgres(self.base / "pg", fast=True), EmbeddedRedis(self.base / "redis", persist=False)
        self.servers = [pg, rd]
        database_url, redis_url = pg.start(), rd.start()
        config = dataclasses.replace(
            Config.from_env(), database_url=database_url, redis_url=redis_url, data_dir=self.base,
            google_api_base_url=ws.url + "/", google_token_uri=ws.url + "/token", google_client_id=None,
            google_client_secret=None, token_encryption_key=generate_key(), demo_user_email=USER,
            log_level="WARNING")
        migrations.migrate(database_url, config.embedding_dim)
        self.app = create_app(config)
        self.httpd = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.httpd.serve_forever, name="eval-web", daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._probe()
        self.ctx = job_context.from_config(config)
        job_context.use(self.ctx)
        self.user = accounts.connect(self.ctx.pool, config, USER, access_token=ws.tokens["access_token"],
                                     refresh_token=ws.tokens["refresh_token"],
                                     expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
        from server.store import users

        with self.ctx.pool.connection() as conn:  # as in the demo: the request limit is not what is evaluated
            users.set_tier(conn, self.user.id, "enterprise")
        self.fresh = _versions(ws.dump())
        self._sync()

    def _probe(self) -> None:
        """Fail at once, and say why, when the product has no query endpoint."""
        response = requests.post(self.url + "/api/v1/query", json={}, timeout=30)
        if response.status_code in (404, 405):
            raise RunnerUnavailable(
                f"POST /api/v1/query answered {response.status_code}: the product has no query endpoint yet. "
                "The api runner needs {\"query\", \"now\"} → {\"pending_actions\": [{\"id\", ...}], ...} and "
                "POST /api/v1/actions/<id>/confirm (see evals/tasks.py). Use --runner gold or noop meanwhile.")

    def _drain(self) -> None:
        """Run every queued job (syncs, embeddings, write-throughs) in this process."""
        from rq import Queue

        from workers.runner import InProcessWorker

        queues = [Queue(name, connection=self.ctx.redis) for name in ("priority", "sync", "embed")]
        InProcessWorker(queues, connection=self.ctx.redis).work(burst=True, logging_level="WARNING")

    def _sync(self) -> None:
        from workers.enqueue import SERVICES, enqueue_sync

        for service in SERVICES:
            enqueue_sync(self.ctx.redis, self.user.id, service, "full")
        self._drain()

    def _refresh_index(self) -> None:
        """The emulator was restored: forget index rows the last run touched (their newer versions would win
        over the restored older ones), then a full sync."""
        if not any(self.touched.values()):
            return
        from server.store import workspace_cache

        with self.ctx.pool.connection() as conn:
            for service, ids in self.touched.items():
                workspace_cache.delete(conn, service, self.user.id, sorted(ids))
        self.touched = {service: set() for service in self.touched}
        self._sync()

    def _note_touched(self, ws: Workspace) -> None:
        """Remember which items the run added, changed or removed (by id, per service)."""
        for service, items in _versions(ws.dump()).items():
            fresh = self.fresh[service]
            self.touched[service] |= {i for i in items.keys() | fresh.keys() if items.get(i) != fresh.get(i)}

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        response = requests.post(self.url + path, json=body, timeout=self.timeout)
        if response.status_code == 404 and path == "/api/v1/query":
            raise RunnerUnavailable("POST /api/v1/query answered 404: the product has no query endpoint yet")
        return response

    def run(self, task: Task, ws: Workspace) -> str | None:
        self._refresh_index()
        notes: list[str] = []
        try:
            response = self._post("/api/v1/query", {"query": task.query, "now": WORKBENCH_NOW})
            if response.status_code != 200:
                return f"query answered {response.status_code}: {response.text[:200]}"
            for action in pending_actions(response.json()):
                answer = self._post(f"/api/v1/actions/{action['id']}/confirm", {})
                state = answer.json().get("state") if answer.ok else None
                if state != "done":
                    notes.append(f"confirm {action.get('kind', '?')} {action['id']}: {answer.status_code} "
                                 f"{state or answer.text[:120]}")
            self._drain()
        finally:
            self._note_touched(ws)
        return "; ".join(notes) or None

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
        if self.ctx is not None:
            self.ctx.close()
        if hasattr(self, "app"):
            self.app.extensions["wo"].close()
        for server in reversed(self.servers):
            server.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _versions(dump: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per index service, each item's id → what changes when Google changes it (labels, `updated`, the file)."""
    return {"gmail": {m["id"]: m["labelIds"] for m in dump["messages"]},
            "calendar": {e["id"]: (e.get("status"), e.get("updated")) for e in dump["calendars"]["primary"]},
            "drive": {f["file"]["id"]: json.dumps(f, sort_keys=True) for f in dump["files"]}}


def pending_actions(body: Any) -> list[dict[str, Any]]:
    """The actions a query answer asks to confirm: its ``pending_actions`` that are still pending."""
    found = body.get("pending_actions") if isinstance(body, dict) else None
    return [a for a in found or [] if isinstance(a, dict) and a.get("id") and a.get("state", "pending") == "pending"]


RUNNERS = {"api": ApiRunner, "gold": GoldRunner, "noop": NoopRunner}


# ---------------------------------------------------------------------------------------------- judging
@dataclasses.dataclass
class TaskResult:
    index: int
    query: str
    category: str
    gold: list[str]
    correct: bool
    wrong_side_effect: bool
    differences: list[str]
    side_effects: list[str]
    note: str | None
    seconds: float


def judge_task(task: Task, runner: Runner, ws: Workspace, expected: dict[str, Outcome]) -> TaskResult:
    """Run one task and compare its outcome with the gold's (computed once per distinct gold)."""
    if task.answer not in expected:
        ws.restore()
        ws.gold().apply(task.gold)
        expected[task.answer] = ws.outcome()
    want = expected[task.answer]
    ws.restore()
    started = time.perf_counter()
    try:
        note = runner.run(task, ws)
    except RunnerUnavailable:
        raise
    except Exception as exc:  # a run that blows up is judged on whatever it left behind
        note = f"runner error: {exc!r}"[:300]
    seconds = time.perf_counter() - started
    got = ws.outcome()
    differences = diff(want, got)
    effects = side_effects(ws.before, want, got)
    return TaskResult(task.index, task.query, task.category, [str(a) for a in task.gold], not differences,
                      bool(effects), [str(d) for d in differences], [str(e) for e in effects], note,
                      round(seconds, 2))


def _rates(results: list[TaskResult]) -> dict[str, Any]:
    n = len(results)
    return {"accuracy": round(sum(r.correct for r in results) / n, 4) if n else 0.0,
            "wrong_side_effects": round(sum(r.wrong_side_effect for r in results) / n, 4) if n else 0.0, "n": n}


def summarize(results: list[TaskResult], runner: str) -> dict[str, Any]:
    """``{"accuracy", "wrong_side_effects", "n", "runner", "per_category", "anchor", "tasks"}``."""
    by_category: dict[str, list[TaskResult]] = defaultdict(list)
    for r in results:
        by_category[r.category].append(r)
    return {**_rates(results), "runner": runner,
            "per_category": {c: _rates(rs) for c, rs in sorted(by_category.items())},
            "anchor": ANCHOR, "tasks": [dataclasses.asdict(r) for r in results]}


def evaluate(tasks: list[Task], runner: Runner, ws: Workspace, progress: bool = False) -> list[TaskResult]:
    """Every task through ``runner``, judged."""
    expected: dict[str, Outcome] = {}
    results = []
    for task in tasks:
        result = judge_task(task, runner, ws, expected)
        results.append(result)
        if progress:
            mark = "ok " if result.correct else ("SE " if result.wrong_side_effect else "-- ")
            print(f"  {mark}{task.index:3d} {task.query[:90]}", file=sys.stderr, flush=True)
    return results


def print_report(summary: dict[str, Any], failures: int) -> None:
    print(f"WorkBench tasks, runner {summary['runner']}: accuracy {summary['accuracy']:.1%}, "
          f"wrong side effects {summary['wrong_side_effects']:.1%}, n {summary['n']}")
    for category, row in summary["per_category"].items():
        print(f"  {category:15s} accuracy {row['accuracy']:.1%}  wrong side effects {row['wrong_side_effects']:.1%}"
              f"  n {row['n']}")
    print(f"  anchor: {ANCHOR['system']}: accuracy {ANCHOR['accuracy']:.0%}, "
          f"wrong side effects {ANCHOR['wrong_side_effects']:.0%}")
    failed = [t for t in summary["tasks"] if not t["correct"]]
    if failed:
        print(f"failures ({len(failed)}; first {min(failures, len(failed))}):")
    for t in failed[:failures]:
        print(f"  [{t['index']}] {t['query'][:100]}" + ("  (wrong side effect)" if t["wrong_side_effect"] else ""))
        for line in t["differences"][:4]:
            print(f"      {line}")
        if t["note"]:
            print(f"      note: {t['note']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", required=True, type=Path, help="WorkBench-format JSONL")
    parser.add_argument("--json", type=Path, help="write the summary (with every task's judgement) here")
    parser.add_argument("--runner", choices=sorted(RUNNERS), default="api")
    parser.add_argument("--limit", type=int, help="only the first N tasks")
    parser.add_argument("--failures", type=int, default=10, help="how many failures to list")
    parser.add_argument("--progress", action="store_true", help="one line per task on stderr")
    args = parser.parse_args(argv)
    tasks = load_tasks(args.tasks)[: args.limit]
    ws = Workspace()
    runner: Runner = RUNNERS[args.runner]()
    try:
        runner.setup(ws)
        results = evaluate(tasks, runner, ws, args.progress)
    except RunnerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        runner.close()
        ws.close()
    summary = summarize(results, runner.name)
    print_report(summary, args.failures)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
