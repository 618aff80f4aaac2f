"""Saying so when an answer is degraded: which Google services this request could not count on, and what that
means for the answer. The rest of the answer always comes; the `done` event carries `partial: true` and one
notice per service:

* `missing` — a step of that service failed as unavailable, timed out or was rate limited: its part is absent;
* `stale` — the service's circuit breaker is open (Google has not been answering this process): its results
  still come from the local index, which may miss what arrived since the last sync.

Notice: `{"service", "code": "<service>_unavailable", "kind": "missing"|"stale", "message", "retry_after"}`.
The wording is in MESSAGES, one place, for the error catalogue to take over.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from server.pipeline.plan import Plan, StepResult

SERVICES = ("gmail", "calendar", "drive")
NAMES = {"gmail": "Gmail", "calendar": "Google Calendar", "drive": "Google Drive"}
NOUNS = {"gmail": "email", "calendar": "calendar", "drive": "Drive"}
FAILED_KINDS = frozenset({"unavailable", "timeout", "rate_limited"})
MESSAGES = {
    "missing": "We couldn't reach {name} right now, so your {noun} results are missing{others}. "
               "Try again in a moment.",
    "stale": "{name} isn't answering right now, so your {noun} results are from the last sync and may miss the "
             "newest items.",
}


def _others(plan: Plan, results: Mapping[str, StepResult], service: str) -> str:
    worked = [s for s in SERVICES if s != service and any(
        step.agent == s and step.id in results and results[step.id].ok for step in plan.steps)]
    if not worked:
        return ""
    names = [NOUNS[s] for s in worked]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"; your {listed} results are here"


def notices(plan: Plan, results: Mapping[str, StepResult], down: Callable[[str], bool]) -> list[dict[str, Any]]:
    """One notice per Google service the plan touched whose part failed or whose breaker is open (`down`)."""
    out: list[dict[str, Any]] = []
    touched = list(dict.fromkeys(step.agent for step in plan.steps if step.agent in SERVICES))
    for service in touched:
        failed = [results[step.id] for step in plan.steps if step.agent == service and step.id in results
                  and not results[step.id].ok and results[step.id].error in FAILED_KINDS]
        if failed:
            kind = "missing"
            retry_after = max((r.retry_after or 0.0) for r in failed) or None
        elif down(service):
            kind, retry_after = "stale", None
        else:
            continue
        message = MESSAGES[kind].format(name=NAMES[service], noun=NOUNS[service],
                                        others=_others(plan, results, service))
        out.append({"service": service, "code": f"{service}_unavailable", "kind": kind, "message": message,
                    "retry_after": retry_after})
    return out
