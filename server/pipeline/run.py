"""`answer(...)`: one request through the whole pipeline, as a stream of events every face can render.

Events, in order: `intent`, `plan`, then `step_started` / `step_done` as steps run (and `pending_action` for each
change waiting for confirmation), `token`s of the answer, and `done` with the whole answer, the cited items and
suggestions. A request that cannot be understood or planned ends with `error`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from server import catalogue
from server.google import breakers as google_breakers
from server.intent.schema import ParsedIntent
from server.llm import Router
from server.pipeline import followup, orchestrator, synthesize
from server.pipeline.agents import AgentContext, run_step
from server.pipeline.orchestrator import Event
from server.pipeline.plan import Plan, PlanError, StepResult
from server.pipeline.planner import plan_for

log = logging.getLogger(__name__)

Classify = Callable[[str], ParsedIntent]
STEP_TIMEOUT = 10.0


@dataclass
class Answer:
    """Everything a non-streaming face returns (built from the events)."""

    intent: dict[str, Any]
    plan: dict[str, Any]
    results: list[dict[str, Any]]
    pending_actions: list[dict[str, Any]]
    text: str
    citations: list[dict[str, Any]]
    suggestions: list[str]
    timings: dict[str, float]
    notices: list[dict[str, Any]]
    partial: bool = False


def answer(query: str, classify: Classify, agents: AgentContext, router: Router | None = None,
           ledger: Any = None, step_runner: Callable[..., StepResult] = run_step,
           google_down: Callable[[str], bool] = google_breakers.is_down) -> Iterator[Event]:
    """Run `query` for the person in `agents`; yields events as they happen. (`step_runner` is the agents'
    dispatcher; tests wrap it to make one service fail. `google_down` says whether a Google service's circuit
    breaker is open: its results then come from the index with a notice that they are as of the last sync.)"""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # A follow-up is read against the previous turn: "and from Bob?" reruns it with Bob; "reply to the second
    # one" acts on the second item it listed.
    rewritten = followup.refine(query, agents.history)
    last = agents.history[0] if agents.history else None
    pointer = None if rewritten else followup.point(query, last)
    intent = classify(rewritten or (pointer.masked if pointer else query))
    picked = followup.pick(pointer, intent, last) if pointer and last else None
    if picked:
        followup.retarget(intent, picked, query)
    timings["classify_ms"] = _ms(started)
    yield Event("intent", intent.to_dict())
    try:
        plan = plan_for(intent, picked.items if picked else None)
    except PlanError as exc:
        yield Event("error", {"error": "invalid", "message": f"I could not plan that: {exc}"})
        return
    yield Event("plan", plan_dict(plan))
    results: dict[str, StepResult] = {}
    started = time.perf_counter()
    for event in orchestrator.run(plan, lambda step, args: step_runner(agents, step, args), timeout=STEP_TIMEOUT):
        if isinstance(event, StepResult):
            results[event.step] = event
            yield Event("step_done", result_dict(event))
            step = plan.step(event.step)
            if step.op == "propose" and event.ok:
                for action in event.items:
                    yield Event("pending_action", action)
        else:
            yield event
    timings["steps_ms"] = _ms(started)
    started = time.perf_counter()
    pieces = [f"(Taking that as “{rewritten}”.)\n"] if rewritten else []
    if pieces:
        yield Event("token", {"text": pieces[0]})
    for piece in synthesize.stream(router, intent, plan, results, ledger):
        pieces.append(piece)
        yield Event("token", {"text": piece})
    timings["answer_ms"] = _ms(started)
    told = notices(intent, plan, results, router, google_down)
    yield Event("done", {"text": "".join(pieces), "citations": synthesize.citations(results),
                         "suggestions": synthesize.suggestions(intent, results), "timings": timings,
                         "partial": any(not r.ok and r.error != "skipped" for r in results.values())
                         or any("service" in n for n in told),
                         "notices": told})


def notices(intent: ParsedIntent, plan: Plan, results: dict[str, StepResult], router: Router | None,
            google_down: Callable[[str], bool] = lambda service: False) -> list[dict[str, Any]]:
    """What the person should know about how the answer was made, in the catalogue's words: a Google service
    that could not be reached (the others' results still shown), a service whose breaker is open (its results
    are from the last sync), or the AI service replaced by the offline one."""
    out: list[dict[str, Any]] = []
    if router is not None and router.provider_names and intent.source == "offline":
        out.append({"error": "llm_unavailable", "message": catalogue.message("llm_unavailable")})
    answered = [s.agent for s in plan.steps if (r := results.get(s.id)) is not None and r.ok]
    down = dict.fromkeys(s.agent for s in plan.steps if (r := results.get(s.id)) is not None and not r.ok
                         and r.error in ("unavailable", "timeout") and s.agent in catalogue.SERVICE_NAMES)
    for service in down:
        code, text = catalogue.service_unavailable(service, [a for a in answered if a not in down])
        out.append({"error": code, "message": text, "service": service})
    for service in dict.fromkeys(a for a in answered if a in catalogue.SERVICE_NAMES and a not in down):
        if google_down(service):  # Google is not answering this process: the index may be behind
            out.append({"error": "service_stale", "service": service,
                        "message": catalogue.message("service_stale", service=catalogue.SERVICE_NAMES[service])})
    return out


def collect(events: Iterator[Event]) -> Answer:
    """The events of one request gathered into one Answer (REST and the add-on)."""
    got: dict[str, Any] = {"results": [], "pending_actions": []}
    for event in events:
        if event.type in ("intent", "plan", "done", "error"):
            got[event.type] = event.data
        elif event.type == "step_done":
            got["results"].append(event.data)
        elif event.type == "pending_action":
            got["pending_actions"].append(event.data)
    done = got.get("done") or {"text": got.get("error", {}).get("message", ""), "citations": [],
                               "suggestions": [], "timings": {}}
    return Answer(got.get("intent", {}), got.get("plan", {}), got["results"], got["pending_actions"],
                  done["text"], done["citations"], done["suggestions"], done["timings"], done.get("notices", []),
                  bool(done.get("partial")))


def plan_dict(plan: Plan) -> dict[str, Any]:
    return {"groups": plan.groups, "steps": [
        {"id": s.id, "agent": s.agent, "op": s.op, "title": s.title, "needs": sorted(s.needs()),
         "condition": {"step": s.condition.step, "found": s.condition.found} if s.condition else None}
        for s in plan.steps]}


def result_dict(result: StepResult) -> dict[str, Any]:
    return {"step": result.step, "ok": result.ok, "items": result.items, "error": result.error,
            "message": result.message, "retry_after": result.retry_after}


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
