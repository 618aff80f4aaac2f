"""The LLM router: one door for classification and synthesis, whatever is configured and whatever is down.

For each call it tries the configured providers in order (OpenAI, then Anthropic), each behind its own circuit
breaker, with per-kind timeouts and a few retries (exponential backoff, ±25% jitter, Retry-After honoured,
bounded by a time budget), and ends at the offline step: a caller-supplied `offline_fallback` for
classification, `LLMUnavailable` for synthesis (the caller then answers from a template).

    router = make_router(config, cache=services.redis)
    result = router.classify(messages, IntentSchema(), "intent.v1", offline_fallback=lambda: rules(query))
    result.data, result.provider, result.usage
    stream = router.complete(messages)          # raises LLMUnavailable when nobody can answer
    for token in stream: ...
    stream.usage                                # complete once the iteration ended
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import marshmallow
import redis

from server import metrics
from server.llm.cache import TTL_SECONDS, ClassificationCache, cache_key
from server.llm.errors import LLMStreamInterrupted, LLMUnavailable, ProviderError
from server.llm.provider import Message, Provider, ProviderStream, Reply
from server.llm.structured import InvalidOutput, repair_messages, validate, with_json_instruction
from server.llm.usage import Usage, UsageLedger
from server.resilience.backoff import backoff_delay
from server.resilience.breaker import BreakerState, CircuitBreaker

log = logging.getLogger(__name__)

T = TypeVar("T")
OfflineFallback = Callable[[], Any]  # returns what `schema.load` would have: the offline classifier's answer
OFFLINE = "offline"


@dataclass(frozen=True)
class CallPolicy:
    """How one kind of call is made.

    timeout: seconds per HTTP request (for streams: until the response starts and between chunks).
    budget: seconds one provider may take over all its attempts; a retry that could end past it is not made
    (a Retry-After beyond it means "fail over now"). Worst case per call ≈ budget × providers.
    """

    timeout: float
    budget: float
    retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 4.0
    max_tokens: int = 1024

    @classmethod
    def for_timeout(cls, timeout: float, **changes: Any) -> "CallPolicy":
        """A policy whose budget fits two timed-out attempts plus backoff (fast failures get every retry)."""
        return cls(timeout=timeout, budget=2 * timeout + 1.0, **changes)


DEFAULT_POLICIES: dict[str, CallPolicy] = {
    "classify": CallPolicy.for_timeout(5.0, max_tokens=1024),
    "synthesis": CallPolicy.for_timeout(30.0, max_tokens=2048),
}


@dataclass(frozen=True)
class ClassifyResult:
    """A validated classification.

    data: what `schema.load` returned (or the offline fallback's answer); raw: the JSON object (None offline);
    provider: "openai" | "anthropic" | "offline" (for a cache hit: who answered originally); usage: what this
    call spent (zero for a cache hit); failures: what went wrong on the way, e.g. ("openai: server_error (500)",).
    """

    data: Any
    provider: str
    model: str | None
    usage: Usage
    raw: dict[str, Any] | None = None
    cached: bool = False
    repaired: bool = False
    failures: tuple[str, ...] = ()

    @property
    def offline(self) -> bool:
        """The answer came from the offline fallback (no model was usable or its output stayed invalid)."""
        return self.provider == OFFLINE


class TextStream:
    """The text tokens of one completion, in order; iterate it once (or call `text()`), or `close()` it.

    `provider` and `model` are known at once; `usage` is complete when the iteration has ended. A failure after
    the first token raises LLMStreamInterrupted from the iteration.
    """

    def __init__(self, provider: str, model: str, failures: tuple[str, ...],
                 release: Callable[[], None] = lambda: None) -> None:
        self.provider = provider
        self.model = model
        self.failures = failures
        self.usage = Usage()
        self._tokens: Iterator[str] = iter(())
        self._release = release  # closes the connection even when iteration never started

    def __iter__(self) -> Iterator[str]:
        return self._tokens

    def __enter__(self) -> "TextStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def text(self) -> str:
        """The rest of the answer, joined."""
        return "".join(self._tokens)

    def close(self) -> None:
        """Stop early and release the connection (usage records what was reported so far)."""
        close = getattr(self._tokens, "close", None)
        if close is not None:
            close()
        self._release()


@dataclass
class _Tally:
    """What one router call spent and ran into, across providers and repair requests."""

    usage: Usage = field(default_factory=Usage)
    failures: list[str] = field(default_factory=list)


class Router:
    """Failover, retries, breakers, cache and usage around a list of providers (in order of preference)."""

    def __init__(self, providers: Sequence[Provider], *, cache: redis.Redis | None = None,
                 policies: Mapping[str, CallPolicy] | None = None, breaker_threshold: int = 3,
                 breaker_reset_after: float = 60.0, cache_ttl: int = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] | None = None,
                 rng: Callable[[], float] = random.random,
                 on_breaker_change: Callable[[str, BreakerState, BreakerState], None] | None = None) -> None:
        self._providers = list(providers)
        self._policies = {**DEFAULT_POLICIES, **(policies or {})}
        self._cache = ClassificationCache(cache, ttl=cache_ttl)
        # time.sleep looked up at call time: gevent may patch it after this module was imported.
        self._clock, self._rng = clock, rng
        self._sleep: Callable[[float], None] = sleep or (lambda seconds: time.sleep(seconds))
        self._breakers = {p.name: CircuitBreaker(f"llm:{p.name}", breaker_threshold, breaker_reset_after,
                                                 clock=clock, on_change=on_breaker_change)
                          for p in self._providers}

    @property
    def provider_names(self) -> list[str]:
        """Configured providers, in the order they are tried (empty: offline only)."""
        return [p.name for p in self._providers]

    def breaker_states(self) -> dict[str, str]:
        """Each provider's breaker state ("closed", "open", "half_open"), for health and metrics."""
        return {name: breaker.state.value for name, breaker in self._breakers.items()}

    # ---- classification ------------------------------------------------------------------------------------

    def classify(self, messages: Sequence[Message], schema: marshmallow.Schema, schema_name: str, *,
                 offline_fallback: OfflineFallback | None = None, kind: str = "classify",
                 ledger: UsageLedger | None = None) -> ClassifyResult:
        """Ask for one JSON object that `schema` accepts and return it loaded.

        Identical (messages, schema_name) are answered from the Redis cache for 5 minutes; put a version in
        `schema_name` when the schema changes meaning. Invalid JSON or a schema error gets one repair request to
        the same provider (with the error); a second invalid answer goes to `offline_fallback`. A provider that
        fails (after its retries) hands over to the next; when none is left, `offline_fallback()` answers, or
        LLMUnavailable is raised when there is none.
        """
        policy = self._policy(kind)
        key = cache_key(messages, schema_name)
        if self._providers:
            hit = self._cached(key, schema)
            if hit is not None:
                return hit
        prompt = with_json_instruction(messages, schema)
        tally = _Tally()
        for provider in self._providers:
            try:
                raw, data, model, repaired = self._classify_with(provider, prompt, schema, policy, kind, ledger,
                                                                 tally)
            except ProviderError as err:
                self._skip(provider, err, kind, tally)
                continue
            except InvalidOutput:
                break  # the model answers but not in shape: another model is not the cure, the offline step is
            self._cache.put(key, raw, provider.name, model)
            return ClassifyResult(data, provider.name, model, tally.usage, raw=raw, repaired=repaired,
                                  failures=tuple(tally.failures))
        if offline_fallback is None:
            raise LLMUnavailable(self._unavailable_message(tally))
        log.info("llm offline fallback used", extra={"kind": kind, "schema": schema_name,
                                                     "failures": tally.failures})
        return ClassifyResult(offline_fallback(), OFFLINE, None, tally.usage, failures=tuple(tally.failures))

    def _cached(self, key: str, schema: marshmallow.Schema) -> ClassifyResult | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        try:
            data = schema.load(entry["value"])
        except marshmallow.ValidationError:
            return None  # stored under an older schema: ask again
        return ClassifyResult(data, str(entry.get("provider") or "cache"), entry.get("model"), Usage(),
                              raw=entry["value"], cached=True)

    def _classify_with(self, provider: Provider, prompt: list[dict[str, str]], schema: marshmallow.Schema,
                       policy: CallPolicy, kind: str, ledger: UsageLedger | None,
                       tally: _Tally) -> tuple[dict[str, Any], Any, str, bool]:
        reply = self._chat(provider, prompt, policy, kind, ledger, tally, json_mode=True)
        try:
            raw, data = validate(reply.text, schema)
            return raw, data, reply.model, False
        except InvalidOutput as error:
            tally.failures.append(f"{provider.name}: invalid output")
            log.warning("llm answer rejected, asking for a repair",
                        extra={"provider": provider.name, "model": reply.model, "kind": kind, "error": str(error)})
            repair = repair_messages(prompt, reply.text, str(error))
        reply = self._chat(provider, repair, policy, kind, ledger, tally, json_mode=True)
        try:
            raw, data = validate(reply.text, schema)
        except InvalidOutput as error:
            tally.failures.append(f"{provider.name}: invalid output after repair")
            log.warning("llm answer still invalid after the repair request",
                        extra={"provider": provider.name, "model": reply.model, "kind": kind, "error": str(error)})
            raise
        return raw, data, reply.model, True

    def _chat(self, provider: Provider, messages: Sequence[Message], policy: CallPolicy, kind: str,
              ledger: UsageLedger | None, tally: _Tally, *, json_mode: bool) -> Reply:
        reply = self._call(provider, policy, kind, lambda timeout: provider.chat(
            messages, timeout=timeout, max_tokens=policy.max_tokens, json_mode=json_mode))
        tally.usage = tally.usage + self._account(provider.name, reply.model, kind, reply.input_tokens,
                                                  reply.output_tokens, ledger)
        return reply

    # ---- synthesis -----------------------------------------------------------------------------------------

    def complete(self, messages: Sequence[Message], *, stream: bool = True, kind: str = "synthesis",
                 ledger: UsageLedger | None = None) -> TextStream:
        """The model's answer as text tokens, from the first provider that starts answering.

        A provider that fails before its first token hands over to the next (the first token is awaited here,
        so failover is invisible to the reader); LLMUnavailable when none can answer: use the templated answer.
        With stream=False the answer comes whole, as a single token.
        """
        policy = self._policy(kind)
        tally = _Tally()
        for provider in self._providers:
            try:
                if stream:
                    opened, first = self._call(provider, policy, kind,
                                               lambda timeout: self._open(provider, messages, policy, timeout))
                    out = TextStream(provider.name, opened.model, tuple(tally.failures), release=opened.close)
                    out._tokens = self._relay(provider, opened, first, out, kind, ledger)
                    return out
                reply = self._chat(provider, messages, policy, kind, ledger, tally, json_mode=False)
            except ProviderError as err:
                self._skip(provider, err, kind, tally)
                continue
            out = TextStream(provider.name, reply.model, tuple(tally.failures))
            out.usage = tally.usage
            out._tokens = iter([reply.text] if reply.text else [])
            return out
        raise LLMUnavailable(self._unavailable_message(tally))

    @staticmethod
    def _open(provider: Provider, messages: Sequence[Message], policy: CallPolicy,
              timeout: float) -> tuple[ProviderStream, str | None]:
        """Open a stream and wait for its first token, so a failure before it can still fail over."""
        opened = provider.stream(messages, timeout=timeout, max_tokens=policy.max_tokens)
        try:
            return opened, next(opened, None)
        except BaseException:
            opened.close()
            raise

    def _relay(self, provider: Provider, opened: ProviderStream, first: str | None, out: TextStream, kind: str,
               ledger: UsageLedger | None) -> Iterator[str]:
        finished = False
        try:
            if first is not None:
                yield first
            yield from opened
            finished = True
        except ProviderError as err:
            self._breakers[provider.name].record_failure()
            log.warning("llm stream interrupted", extra={"provider": provider.name, "kind": kind,
                                                         "error_kind": err.kind, "status": err.status})
            raise LLMStreamInterrupted(f"the answer stopped part-way ({err.summary})") from err
        finally:
            if not finished:
                opened.close()
            out.usage = self._account(provider.name, opened.model, kind, opened.input_tokens,
                                      opened.output_tokens, ledger)

    # ---- one provider: breaker, retries, budget ------------------------------------------------------------

    def _call(self, provider: Provider, policy: CallPolicy, kind: str, do: Callable[[float], T]) -> T:
        """`do(timeout)` against one provider with its breaker and retries; ProviderError when it gives up."""
        breaker = self._breakers[provider.name]
        started = self._clock()
        attempt = 0
        while True:
            if not breaker.allow():
                raise ProviderError(provider.name, "circuit_open")
            try:
                result = do(policy.timeout)
            except ProviderError as err:
                if err.counts_against_breaker:
                    breaker.record_failure()
                else:
                    breaker.record_success()  # it answered; the request was the problem
                delay = backoff_delay(attempt, policy.backoff_base, policy.backoff_cap, err.retry_after, self._rng)
                elapsed = self._clock() - started
                retry = (err.retryable and attempt < policy.retries
                         and elapsed + delay + policy.timeout <= policy.budget)
                log.warning("llm call failed", extra={
                    "provider": provider.name, "model": provider.model, "kind": kind, "error_kind": err.kind,
                    "status": err.status, "attempt": attempt + 1, "retry_in_s": round(delay, 3) if retry else None})
                if not retry:
                    raise
                self._sleep(delay)
                attempt += 1
                continue
            breaker.record_success()
            return result

    # ---- helpers -------------------------------------------------------------------------------------------

    def _policy(self, kind: str) -> CallPolicy:
        try:
            return self._policies[kind]
        except KeyError:
            raise ValueError(f"unknown LLM call kind {kind!r}; known: {sorted(self._policies)}") from None

    def _account(self, provider: str, model: str, kind: str, input_tokens: int, output_tokens: int,
                 ledger: UsageLedger | None) -> Usage:
        usage = Usage.of(model, input_tokens, output_tokens)
        if ledger is not None:
            ledger.add(provider, model, kind, usage)
        metrics.llm_usage(provider, model, kind, input_tokens, output_tokens, usage.cost_usd)
        log.debug("llm usage", extra={"provider": provider, "model": model, "kind": kind,
                                      "input_tokens": input_tokens, "output_tokens": output_tokens,
                                      "cost_usd": round(usage.cost_usd, 6)})
        return usage

    def _skip(self, provider: Provider, err: ProviderError, kind: str, tally: _Tally) -> None:
        tally.failures.append(err.summary)
        log.warning("llm provider skipped", extra={"provider": provider.name, "kind": kind,
                                                   "error_kind": err.kind, "status": err.status})

    def _unavailable_message(self, tally: _Tally) -> str:
        if not self._providers:
            return "no LLM provider is configured (set OPENAI_API_KEY or ANTHROPIC_API_KEY)"
        return "no LLM provider could answer: " + "; ".join(tally.failures)
