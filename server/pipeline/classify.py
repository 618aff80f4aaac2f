"""Which classifier a request gets: the LLM (through the router: cache, breakers, failover) with the offline
classifier as its fallback, or the offline classifier alone when no LLM is configured (the demo default)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from server.intent.offline import OfflineClassifier, complete_people
from server.intent.schema import ParsedIntent, ParsedIntentSchema, llm_instructions
from server.llm import Router

Resolve = Callable[[str], Any]


def make_classifier(router: Router | None, offline: OfflineClassifier, now: datetime, resolve: Resolve,
                    ledger: Any = None) -> Callable[[str], ParsedIntent]:
    """A `text → ParsedIntent` for one request, resolving people through `resolve` and times against `now`."""

    def offline_only(text: str) -> ParsedIntent:
        return offline.parse(text, now, resolve)

    if router is None or not router.provider_names:
        return offline_only

    def with_llm(text: str) -> ParsedIntent:
        messages = [{"role": "system", "content": llm_instructions()},
                    {"role": "user", "content": f"Now: {now.isoformat()}\nRequest: {text}"}]
        result = router.classify(messages, ParsedIntentSchema(), "intent.v1",
                                 offline_fallback=lambda: offline_only(text),
                                 ledger=ledger)
        intent: ParsedIntent = result.data
        intent.source = "offline" if result.offline else "llm"
        if not result.offline:
            complete_people(intent, resolve)  # the model knows names, the person's index knows addresses
        return intent

    return with_llm
