"""What can go wrong in the LLM port, in the port's own terms (callers never see an SDK's exceptions)."""
from __future__ import annotations

import contextlib
import email.utils
import time
from typing import Any, Iterator, Mapping


class LLMError(Exception):
    """Base of the port's errors."""


class LLMUnavailable(LLMError):
    """No provider could answer (none configured, all failing or their breakers open): use the templated fallback."""


class LLMStreamInterrupted(LLMError):
    """A stream failed after some tokens were delivered; what was shown cannot be taken back, so no failover."""


class ProviderError(LLMError):
    """One provider call failed, classified so the router knows whether to retry, count it, and fail over.

    kind: timeout | connection | rate_limited | server_error | auth | bad_request | circuit_open
    """

    def __init__(self, provider: str, kind: str, message: str = "", *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        detail = f" ({status})" if status else ""
        super().__init__(f"{provider}: {kind}{detail}" + (f": {message}" if message else ""))
        self.provider, self.kind, self.status, self.retry_after = provider, kind, status, retry_after

    @property
    def retryable(self) -> bool:
        """Worth another try against the same provider after a pause."""
        return self.kind in {"timeout", "connection", "rate_limited", "server_error"}

    @property
    def counts_against_breaker(self) -> bool:
        """Says the provider is unhealthy or unusable (a bad request says nothing about its health)."""
        return self.kind in {"timeout", "connection", "rate_limited", "server_error", "auth"}

    @property
    def summary(self) -> str:
        """Short, secret-free description for results and logs."""
        return f"{self.provider}: {self.kind}" + (f" ({self.status})" if self.status else "")


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds a response asks us to wait: `retry-after-ms`, `retry-after` in seconds, or an HTTP date."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def translate_sdk_error(exc: BaseException, sdk: Any, provider: str) -> ProviderError | None:
    """Classify an exception raised by the OpenAI or Anthropic SDK (same shapes: both are Stainless-generated)
    or by their HTTP layer while a stream is read. Returns None for anything else (a bug: let it raise)."""
    import httpx2

    if isinstance(exc, (sdk.APITimeoutError, httpx2.TimeoutException)):
        return ProviderError(provider, "timeout")
    if isinstance(exc, (sdk.APIConnectionError, httpx2.TransportError)):
        return ProviderError(provider, "connection", type(exc).__name__)
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        retry_after = retry_after_seconds(exc.response.headers)
        if status == 429:
            kind = "rate_limited"
        elif status in (408, 409) or status >= 500:
            kind = "timeout" if status == 408 else "server_error"
        elif status in (401, 403):
            kind = "auth"
        else:
            kind = "bad_request"
        return ProviderError(provider, kind, status=status, retry_after=retry_after)
    if isinstance(exc, sdk.APIError):  # an error event inside a stream, or an unparseable answer
        return ProviderError(provider, "server_error", type(exc).__name__)
    return None


@contextlib.contextmanager
def translating(sdk: Any, provider: str) -> Iterator[None]:
    """Turn the SDK's (and its HTTP layer's) failures inside the block into ProviderError; let the rest raise."""
    try:
        yield
    except Exception as exc:
        error = translate_sdk_error(exc, sdk, provider)
        if error is None:
            raise
        raise error from exc
