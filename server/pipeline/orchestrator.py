"""Run a plan: every step starts as soon as the steps it needs are done, in a gevent pool of its own (one per
request), each under its own timeout; results flow to the steps that refer to them.

A failed step does not sink the request: its error is kept, the steps that needed it are skipped with a reason,
and the rest still run — the answer is partial and says what failed. Yields pipeline events as they happen.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import gevent
from gevent.pool import Pool
from gevent.queue import Queue

from server.pipeline.plan import Plan, ReferenceError_, Step, StepResult, resolve

log = logging.getLogger(__name__)

RunStep = Callable[[Step, dict[str, Any]], StepResult]  # (step, resolved args) → result


@dataclass
class Event:
    """One thing that happened, for the faces to stream: type and JSON-ready data."""

    type: str
    data: dict[str, Any]


def run(plan: Plan, run_step: RunStep, *, timeout: float = 10.0, size: int = 8) -> Iterator[Event | StepResult]:
    """Run `plan`'s steps with `run_step`; yields `step_started` events, then each StepResult as it finishes.

    Every step yields exactly one StepResult (ok, failed, timed out or skipped), in completion order.
    """
    pool = Pool(size)
    done: Queue = Queue()
    results: dict[str, StepResult] = {}
    started: set[str] = set()

    def guarded(step: Step, args: dict[str, Any]) -> None:
        try:
            with gevent.Timeout(timeout):
                result = run_step(step, args)
        except gevent.Timeout:
            result = StepResult(step.id, False, error="timeout", message=f"{step.title or step.op} took longer "
                                                                           f"than {timeout:g} s")
        except Exception as exc:  # an agent's bug must not take the request down with it
            log.exception("step failed", extra={"step": step.id, "agent": step.agent, "op": step.op})
            result = StepResult(step.id, False, error="unavailable", message=f"{step.title or step.op} failed: "
                                                                               f"{type(exc).__name__}")
        result.step = step.id
        done.put(result)

    try:
        while len(results) < len(plan.steps):
            for step in plan.steps:
                if step.id in started or not step.needs() <= set(results):
                    continue
                started.add(step.id)
                blocked = _blocked(step, results)
                if blocked:
                    done.put(blocked)
                    continue
                try:
                    args = resolve(step.args, results)
                except ReferenceError_ as exc:
                    done.put(StepResult(step.id, False, error="not_found", message=f"nothing to act on ({exc})"))
                    continue
                yield Event("step_started", {"step": step.id, "agent": step.agent, "op": step.op,
                                             "title": step.title})
                pool.spawn(guarded, step, args)
            result = done.get()
            results[result.step] = result
            yield result
    finally:
        pool.kill()


def _blocked(step: Step, results: dict[str, StepResult]) -> StepResult | None:
    """Why `step` must not run (a needed step failed or was skipped, or its condition is not met), or None."""
    for needed in sorted(step.needs()):
        if not results[needed].ok:
            return StepResult(step.id, False, error="skipped", message=f"skipped: it needs step {needed}, which "
                                                                          f"did not succeed")
    if step.condition and not step.condition.holds(results[step.condition.step]):
        return StepResult(step.id, False, error="skipped",
                          message=f"not needed: step {step.condition.step} found "
                                  f"{'something' if step.condition.found == 'nothing' else 'nothing'}")
    return None
