"""Prometheus metrics: every metric object of the process is defined here, and nowhere else.

Two kinds of metric:

* Counted where things happen, in the process they happen in: HTTP requests and WebSocket frames
  (`observe_request`, `observe_ws_frame`), cache lookups (`cache_lookup`), LLM tokens and cost (`llm_usage`), and
  circuit breaker states (`refresh_breakers`, run after every request and at scrape time).
* Read at scrape time from the shared stores, by `ScrapeCollector`: RQ queue depth from Redis, sync lag and sync
  states from PostgreSQL (one aggregate query). A store that is down answers `wo_dependency_up{dependency} 0`
  and leaves its metrics out; the scrape itself still answers.

The web process is several gunicorn workers. With `PROMETHEUS_MULTIPROC_DIR` set (server/gunicorn_conf.py sets
it) prometheus_client keeps each worker's values in memory-mapped files there, and a scrape, answered by any one
worker, adds them up (`MultiProcessCollector`). Without it (tests, one process) the default registry is read.

Labels never carry user ids, email addresses or query text: a request is labelled by its URL rule template
(`/api/v1/actions/<action_id>/confirm`, never the raw path; "unmatched" when no rule matched), a method from a
fixed set, and its status code; a breaker by its name; an LLM call by provider, model and call kind.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Iterator

import psycopg
import redis
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from psycopg_pool import ConnectionPool, PoolTimeout
from werkzeug.routing import Rule

from server.queue import QUEUE_NAMES
from server.resilience.breaker import BreakerState, CircuitBreaker, all_breakers

log = logging.getLogger(__name__)

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
WS_METHOD = "WS"
WS_FRAME_TYPES = frozenset({"ping", "query"})  # any other frame type is labelled "other"
# Request latencies run from a cached health probe (~1 ms) to a streamed LLM answer (tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BREAKER_STATE_CODES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}
CACHES = ("llm_classification", "query_embedding_redis", "query_embedding_memo")
CACHE_RESULTS = ("hit", "miss", "error")

HTTP_REQUESTS = Counter(
    "wo_http_requests", "HTTP requests answered (and WebSocket frames, method WS), by route template, method and "
    "status.", ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "wo_http_request_duration_seconds", "Time to answer an HTTP request (until its response starts; streams "
    "keep going after) or a WebSocket frame (until its last frame was sent), by route template and method.",
    ["route", "method"], buckets=LATENCY_BUCKETS)
CACHE_LOOKUPS = Counter(
    "wo_cache_lookups", "Cache lookups by cache and result (hit, miss, error: the cache was unavailable).",
    ["cache", "result"])
LLM_TOKENS = Counter(
    "wo_llm_tokens", "LLM tokens the providers reported, by provider, model, call (classify, synthesis) and kind "
    "(input, output).", ["provider", "model", "call", "kind"])
LLM_COST = Counter(
    "wo_llm_cost_usd", "What the LLM answers cost at list price, in US dollars (server/llm/pricing.py).",
    ["provider", "model", "call"])
LLM_CALLS = Counter(
    "wo_llm_calls", "LLM provider answers that reported usage.", ["provider", "model", "call"])
# A breaker lives in one process; across worker processes the worst state shows (livemax: dead workers drop out).
BREAKER_STATE = Gauge(
    "wo_breaker_state", "Circuit breaker state: 0 closed, 1 half_open, 2 open (the worst of the breakers and "
    "processes sharing the name).", ["breaker"], multiprocess_mode="livemax")
BREAKER_FAILURES = Gauge(
    "wo_breaker_consecutive_failures", "Consecutive failures a circuit breaker has seen since its last success "
    "(the most among breakers and processes sharing the name).", ["breaker"], multiprocess_mode="livemax")

# What this process last exported per breaker name; a name with no live breaker any more goes back to 0.
_exported_breakers: dict[str, tuple[int, int]] = {}


def route_label(rule: Rule | None) -> str:
    """The URL rule template a request matched, or "unmatched" (a 404 or 405 before routing)."""
    return rule.rule if rule is not None else UNMATCHED


def method_label(method: str) -> str:
    """The HTTP method, or "other" for anything outside the standard set (a client may send any token)."""
    upper = method.upper()
    return upper if upper in METHODS else "other"


def observe_request(rule: Rule | None, method: str, status: int, seconds: float) -> None:
    """Count one answered HTTP request and its latency."""
    route, verb = route_label(rule), method_label(method)
    HTTP_REQUESTS.labels(route, verb, str(status)).inc()
    HTTP_LATENCY.labels(route, verb).observe(seconds)


def ws_route_label(frame_type: object) -> str:
    """The route label of a WebSocket frame: `/ws:<type>` for a known frame type, `/ws:other` for the rest."""
    return f"/ws:{frame_type}" if isinstance(frame_type, str) and frame_type in WS_FRAME_TYPES else "/ws:other"


def observe_ws_frame(frame_type: object, status: int, seconds: float) -> None:
    """Count one WebSocket frame answered (status 200, or the HTTP status of the error frame sent back)."""
    route = ws_route_label(frame_type)
    HTTP_REQUESTS.labels(route, WS_METHOD, str(status)).inc()
    HTTP_LATENCY.labels(route, WS_METHOD).observe(seconds)


def cache_lookup(cache: str, result: str) -> None:
    """Count one lookup of `cache` (one of CACHES) with `result` (hit, miss or error)."""
    if cache not in CACHES or result not in CACHE_RESULTS:
        raise ValueError(f"unknown cache {cache!r} or result {result!r}")
    CACHE_LOOKUPS.labels(cache, result).inc()


def llm_usage(provider: str, model: str, call: str, input_tokens: int, output_tokens: int,
              cost_usd: float) -> None:
    """Count one provider answer's tokens and cost."""
    LLM_CALLS.labels(provider, model, call).inc()
    if input_tokens:
        LLM_TOKENS.labels(provider, model, call, "input").inc(input_tokens)
    if output_tokens:
        LLM_TOKENS.labels(provider, model, call, "output").inc(output_tokens)
    if cost_usd:
        LLM_COST.labels(provider, model, call).inc(cost_usd)


def worst_breakers(breakers: Iterable[CircuitBreaker]) -> dict[str, tuple[int, int]]:
    """Per breaker name: (state code, consecutive failures), the worst of the breakers sharing the name."""
    worst: dict[str, tuple[int, int]] = {}
    for breaker in breakers:
        code, failures = BREAKER_STATE_CODES[breaker.state], breaker.consecutive_failures
        seen = worst.get(breaker.name)
        worst[breaker.name] = (code, failures) if seen is None else (max(seen[0], code), max(seen[1], failures))
    return worst


def refresh_breakers() -> None:
    """Copy this process's breaker states into the breaker gauges (runs after every request: only changes are
    written)."""
    worst = worst_breakers(all_breakers())
    for name in _exported_breakers.keys() - worst.keys():
        worst[name] = (0, 0)  # its owner is gone; in multiprocess mode a label cannot be removed, only reset
    for name, (code, failures) in worst.items():
        if _exported_breakers.get(name) != (code, failures):
            BREAKER_STATE.labels(name).set(code)
            BREAKER_FAILURES.labels(name).set(failures)
            _exported_breakers[name] = (code, failures)


# ---- read at scrape time -------------------------------------------------------------------------------------

# One pass over sync_status for every user: the only statement here not filtered by user_id, on purpose (an
# aggregate of counts and ages; no user's row leaves the database).
SYNC_SQL = """
SELECT service, state, count(*) AS users,
       max(extract(epoch FROM now() - last_success_at)) AS max_lag_seconds
FROM sync_status
GROUP BY service, state
"""


class ScrapeCollector:
    """Queue depth (Redis), sync lag and states (PostgreSQL) and whether each store answered, read per scrape."""

    def __init__(self, pool: ConnectionPool, redis_client: redis.Redis, timeout: float) -> None:
        self._pool, self._redis, self._timeout = pool, redis_client, timeout

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("wo_dependency_up", "Whether the store answered this scrape (1) or not (0).",
                               labels=["dependency"])
        depth = self._queue_depth()
        up.add_metric(["redis"], 0 if depth is None else 1)
        if depth is not None:
            yield depth
        sync = self._sync()
        up.add_metric(["postgres"], 0 if sync is None else 1)
        if sync is not None:
            yield from sync
        yield up

    def _queue_depth(self) -> GaugeMetricFamily | None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for name in QUEUE_NAMES:
                pipe.llen(f"rq:queue:{name}")  # what rq's Queue(name).count reads
            counts = pipe.execute()
        except redis.RedisError as exc:
            log.warning("metrics: redis unavailable", extra={"error": type(exc).__name__})
            return None
        family = GaugeMetricFamily("wo_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"])
        for name, count in zip(QUEUE_NAMES, counts):
            family.add_metric([name], int(count))
        return family

    def _sync(self) -> list[GaugeMetricFamily] | None:
        try:
            with self._pool.connection(timeout=self._timeout) as conn:
                rows = conn.execute(SYNC_SQL).fetchall()
        except (psycopg.Error, PoolTimeout) as exc:
            log.warning("metrics: postgres unavailable", extra={"error": type(exc).__name__})
            return None
        users = GaugeMetricFamily("wo_sync_users", "(user, service) pairs in each sync state.",
                                  labels=["service", "state"])
        lag = GaugeMetricFamily("wo_sync_lag_seconds", "Seconds since the last successful sync, for the user "
                                "who waited longest, per service (users who never synced are not in it; see "
                                "wo_sync_users).", labels=["service"])
        worst: dict[str, float] = {}
        for service, state, count, max_lag in rows:
            users.add_metric([service, state], int(count))
            if max_lag is not None:
                worst[service] = max(worst.get(service, 0.0), max(float(max_lag), 0.0))
        for service, seconds in sorted(worst.items()):
            lag.add_metric([service], seconds)
        return [users, lag]


class _Forward:
    """A collector that reads another registry (the process's default one, in single-process mode)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        return iter(self._registry.collect())


def scrape_registry(multiproc_dir: Path | None, *collectors: Any) -> CollectorRegistry:
    """The registry a scrape reads: every worker's values (multiprocess mode) or this process's, plus
    `collectors` (read at scrape time)."""
    registry = CollectorRegistry()
    if multiproc_dir is not None:
        MultiProcessCollector(registry, path=str(multiproc_dir))
    else:
        registry.register(_Forward(REGISTRY))
    for collector in collectors:
        registry.register(collector)
    return registry


def exposition(multiproc_dir: Path | None, pool: ConnectionPool, redis_client: redis.Redis,
               timeout: float) -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    refresh_breakers()
    registry = scrape_registry(multiproc_dir, ScrapeCollector(pool, redis_client, timeout))
    return generate_latest(registry), CONTENT_TYPE_LATEST
