"""Services builds the process-wide LLM router once, so every request shares its circuit breakers."""
from __future__ import annotations

from server.config import Config
from server.services import Services


def test_the_llm_router_is_built_once_and_has_no_providers_without_keys() -> None:
    svc = Services(config=Config(), pool=None, redis=None)  # type: ignore[arg-type]
    router = svc.llm()
    assert svc.llm() is router
    assert router.provider_names == []


def test_a_configured_key_adds_its_provider() -> None:
    svc = Services(config=Config(openai_api_key="sk-test"), pool=None, redis=None)  # type: ignore[arg-type]
    assert svc.llm().provider_names == ["openai"]
