"""The LLM port: OpenAI (primary) and Anthropic (fallback) through their official SDKs, behind a router that adds
timeouts, retries, per-provider circuit breakers, failover, a Redis cache for classifications, usage and cost,
and the offline step (the caller's offline classifier, or LLMUnavailable so the caller answers from a template).

A provider without an API key is not configured; with no keys every call goes offline at once, with no network.
"""
from __future__ import annotations

import redis

from server.config import Config
from server.llm.errors import LLMError, LLMStreamInterrupted, LLMUnavailable, ProviderError
from server.llm.provider import Message, Provider
from server.llm.router import (DEFAULT_POLICIES, OFFLINE, CallPolicy, ClassifyResult, OfflineFallback, Router,
                               TextStream)
from server.llm.usage import Usage, UsageLedger

__all__ = ["CallPolicy", "ClassifyResult", "LLMError", "LLMStreamInterrupted", "LLMUnavailable", "Message",
           "OFFLINE", "OfflineFallback", "Provider", "ProviderError", "Router", "TextStream", "Usage",
           "UsageLedger", "make_providers", "make_router"]


def make_providers(config: Config) -> list[Provider]:
    """The configured providers in the order they are tried: OpenAI, then Anthropic (each only with a key)."""
    providers: list[Provider] = []
    if config.openai_api_key:
        from server.llm.openai_provider import OpenAIProvider  # the SDKs load only when they are used

        providers.append(OpenAIProvider(config.openai_api_key, config.llm_openai_model, config.openai_base_url))
    if config.anthropic_api_key:
        from server.llm.anthropic_provider import AnthropicProvider

        providers.append(AnthropicProvider(config.anthropic_api_key, config.llm_anthropic_model,
                                           config.anthropic_base_url))
    return providers


def make_router(config: Config, cache: redis.Redis | None = None) -> Router:
    """The process's router (build one per process: its breakers are shared by every request).

    `cache` is the Redis client for cached classifications (None: no cache).
    """
    policies = {
        "classify": CallPolicy.for_timeout(config.llm_classify_timeout,
                                           max_tokens=DEFAULT_POLICIES["classify"].max_tokens),
        "synthesis": CallPolicy.for_timeout(config.llm_synthesis_timeout,
                                            max_tokens=DEFAULT_POLICIES["synthesis"].max_tokens),
    }
    return Router(make_providers(config), cache=cache, policies=policies)
