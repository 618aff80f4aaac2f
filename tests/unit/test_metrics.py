"""server.metrics without a server: label cardinality (route templates, methods, frame types), breaker state
mapping (worst of a name), and the multiprocess wiring (two processes' values added up by one scrape)."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, generate_latest
from werkzeug.routing import Map, Rule

from server import metrics
from server.actions.audit import face_of_path
from server.config import REPO_ROOT
from server.resilience.breaker import CircuitBreaker
from tests.support.prometheus import Samples


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_route_is_labelled_by_its_rule_template_whatever_the_ids() -> None:
    urls = Map([Rule("/api/v1/actions/<action_id>/confirm"), Rule("/healthz")]).bind("localhost")
    labels = {metrics.route_label(urls.match(path, return_rule=True)[0])
              for path in ("/api/v1/actions/1111/confirm", "/api/v1/actions/abc-def/confirm")}
    assert labels == {"/api/v1/actions/<action_id>/confirm"}
    assert metrics.route_label(None) == "unmatched"


def test_methods_outside_the_standard_set_share_one_label() -> None:
    assert [metrics.method_label(m) for m in ("GET", "post", "OPTIONS")] == ["GET", "POST", "OPTIONS"]
    assert {metrics.method_label(m) for m in ("BREW", "PROPFIND", "x" * 500)} == {"other"}


def test_websocket_frames_are_labelled_by_known_type_only() -> None:
    assert metrics.ws_route_label("ping") == "/ws:ping" and metrics.ws_route_label("query") == "/ws:query"
    assert {metrics.ws_route_label(t) for t in ("sam@atlas.com", "drop table", None, 7, ["ping"])} == {"/ws:other"}


def test_cache_lookups_refuse_labels_outside_the_fixed_sets() -> None:
    before = REGISTRY.get_sample_value("wo_cache_lookups_total", {"cache": "query_embedding_memo",
                                                                  "result": "hit"}) or 0
    metrics.cache_lookup("query_embedding_memo", "hit")
    assert REGISTRY.get_sample_value("wo_cache_lookups_total", {"cache": "query_embedding_memo",
                                                                "result": "hit"}) == before + 1
    with pytest.raises(ValueError):
        metrics.cache_lookup("somebody's cache", "hit")
    with pytest.raises(ValueError):
        metrics.cache_lookup("llm_classification", "maybe")


def test_breaker_states_map_to_codes_and_a_shared_name_reports_the_worst() -> None:
    clock = Clock()
    calm = CircuitBreaker("unit:shared", threshold=2, reset_after=10, clock=clock)
    tripped = CircuitBreaker("unit:shared", threshold=2, reset_after=10, clock=clock)
    alone = CircuitBreaker("unit:alone", threshold=2, reset_after=10, clock=clock)
    calm.record_failure()
    assert metrics.worst_breakers([calm, alone]) == {"unit:shared": (0, 1), "unit:alone": (0, 0)}
    tripped.record_failure()
    tripped.record_failure()
    assert metrics.worst_breakers([calm, tripped])["unit:shared"] == (2, 2)
    clock.now = 10.0  # the pause is over: the next call is a trial
    assert metrics.worst_breakers([calm, tripped])["unit:shared"] == (1, 2)
    tripped.record_success()
    assert metrics.worst_breakers([tripped]) == {"unit:shared": (0, 0)}


def test_refresh_exports_every_live_breaker_and_resets_one_that_is_gone() -> None:
    breaker = CircuitBreaker("unit:refresh", threshold=1, reset_after=60)
    breaker.record_failure()
    metrics.refresh_breakers()
    assert REGISTRY.get_sample_value("wo_breaker_state", {"breaker": "unit:refresh"}) == 2
    assert REGISTRY.get_sample_value("wo_breaker_consecutive_failures", {"breaker": "unit:refresh"}) == 1
    del breaker
    gc.collect()
    metrics.refresh_breakers()
    assert REGISTRY.get_sample_value("wo_breaker_state", {"breaker": "unit:refresh"}) == 0


def test_the_face_of_a_request_comes_from_its_path() -> None:
    assert [face_of_path(p) for p in ("/addon/actions/confirm", "/ws", "/api/v1/actions/x/confirm", "/",
                                      "/addonx")] == ["addon", "ws", "rest", "rest", "rest"]


_WORKER = """
import sys
from server import metrics
from server.resilience.breaker import CircuitBreaker
for _ in range(int(sys.argv[1])):
    metrics.observe_request(None, "GET", 404, 0.01)
breaker = CircuitBreaker("unit:multi", threshold=1)
for _ in range(int(sys.argv[2])):
    breaker.record_failure()
metrics.refresh_breakers()
"""


def _run(code: str, env: dict[str, str], *args: str) -> int:
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO_ROOT, env=env)
    assert proc.wait(60) == 0
    return proc.pid


def test_a_scrape_in_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    pids = [_run(_WORKER, env, str(requests), str(failures)) for requests, failures in ((3, 0), (4, 5))]
    assert {int(p.stem.rsplit("_", 1)[1]) for p in tmp_path.glob("counter_*.db")} == set(pids)
    samples = Samples.parse(generate_latest(metrics.scrape_registry(tmp_path)).decode())
    assert samples.get("wo_http_requests_total", route="unmatched", method="GET", status="404") == 7
    assert samples.get("wo_http_request_duration_seconds_count", route="unmatched", method="GET") == 7
    assert samples.get("wo_breaker_state", breaker="unit:multi") == 2  # livemax: the worse of the two
    assert samples.get("wo_breaker_consecutive_failures", breaker="unit:multi") == 5

    # gunicorn's child_exit hook for the second process: its breaker gauges leave, its counters stay.
    _run("import sys, types, server.gunicorn_conf as conf; conf.child_exit(None, types.SimpleNamespace("
         "pid=int(sys.argv[1])))", env, str(pids[1]))
    samples = Samples.parse(generate_latest(metrics.scrape_registry(tmp_path)).decode())
    assert samples.get("wo_breaker_state", breaker="unit:multi") == 0
    assert samples.get("wo_breaker_consecutive_failures", breaker="unit:multi") == 0
    assert samples.get("wo_http_requests_total", route="unmatched", method="GET", status="404") == 7


def test_the_metrics_settings_come_from_the_environment(tmp_path: Path) -> None:
    from server.config import Config

    unset = Config.from_env({})
    assert unset.metrics_token is None and unset.prometheus_multiproc_dir is None
    both = Config.from_env({"METRICS_TOKEN": "scrape-secret", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m")})
    assert both.metrics_token == "scrape-secret" and both.prometheus_multiproc_dir == (tmp_path / "m").resolve()
