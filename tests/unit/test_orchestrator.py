"""The orchestrator: parallel steps, results flowing to dependants, timeouts, failures kept, skips explained."""
from __future__ import annotations

import time

import gevent

from server.pipeline.orchestrator import Event, run
from server.pipeline.plan import Condition, Step, StepResult, build


def _results(events) -> dict[str, StepResult]:
    return {e.step: e for e in events if isinstance(e, StepResult)}


def test_independent_steps_run_at_the_same_time_and_results_flow_on() -> None:
    seen_args = {}

    def run_step(step: Step, args: dict) -> StepResult:
        gevent.sleep(0.2)
        seen_args[step.id] = args
        return StepResult(step.id, True, items=[{"id": f"{step.id}-item"}])

    plan = build([Step("a", "gmail", "search"), Step("b", "calendar", "search"),
                  Step("c", "gmail", "draft", {"about": {"from": "a", "path": "items[0].id"}})])
    started = time.perf_counter()
    events = list(run(plan, run_step))
    elapsed = time.perf_counter() - started
    assert 0.35 < elapsed < 0.55  # a and b together (0.2 s), then c (0.2 s): not 0.6 s in a row
    assert seen_args["c"] == {"about": "a-item"}
    kinds = [e.type if isinstance(e, Event) else "result" for e in events]
    assert kinds.count("step_started") == 3 and kinds.count("result") == 3


def test_a_failure_or_timeout_is_kept_and_its_dependants_are_skipped_while_the_rest_answers() -> None:
    def run_step(step: Step, args: dict) -> StepResult:
        if step.id == "cal":
            raise RuntimeError("calendar is down")
        if step.id == "slow":
            gevent.sleep(5)
        return StepResult(step.id, True, items=[{"id": "x"}])

    plan = build([Step("mail", "gmail", "search"), Step("cal", "calendar", "search"),
                  Step("slow", "drive", "search"),
                  Step("after", "calendar", "update_event", {"id": {"from": "cal", "path": "items[0].id"}})])
    results = _results(run(plan, run_step, timeout=0.2))
    assert results["mail"].ok and results["mail"].items == [{"id": "x"}]
    assert (results["cal"].ok, results["cal"].error) == (False, "unavailable")
    assert (results["slow"].ok, results["slow"].error) == (False, "timeout")
    assert results["after"].error == "skipped" and "cal" in results["after"].message


def test_a_conditional_step_runs_only_when_its_condition_holds_and_empty_references_are_not_found() -> None:
    ran = []

    def run_step(step: Step, args: dict) -> StepResult:
        ran.append(step.id)
        return StepResult(step.id, True, items=[] if step.id == "met" else [{"id": "n"}])

    plan = build([Step("met", "calendar", "search"),
                  Step("schedule", "calendar", "create_event", condition=Condition("met", "nothing")),
                  Step("notify", "gmail", "draft", condition=Condition("met", "something")),
                  Step("move", "calendar", "update_event", {"id": {"from": "met", "path": "items[0].id"}})])
    results = _results(run(plan, run_step))
    assert sorted(ran) == ["met", "schedule"]
    assert results["notify"].error == "skipped" and "not needed" in results["notify"].message
    assert results["move"].error == "not_found"
