"""Plans: steps with dependencies, grouped into waves that can run together.

A step's arguments may refer to earlier results — `{"from": "s1", "path": "items[0].id"}` — and a step may carry
a condition on an earlier result ("only if s1 found nothing"). Dependencies are the union of `depends_on`, the
references in the arguments and the condition's step; a cycle or a reference to a missing step is a PlanError.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator


class PlanError(ValueError):
    """The steps cannot be ordered: a cycle, a duplicate id, or a reference to a step that does not exist."""


@dataclass
class Condition:
    """Run the step only if step `step` found `found` ("nothing" or "something")."""

    step: str
    found: str  # "nothing" | "something"

    def holds(self, result: "StepResult | None") -> bool:
        """Whether the condition is met by the result of its step (a failed step meets neither)."""
        if result is None or not result.ok:
            return False
        return (len(result.items) == 0) == (self.found == "nothing")


@dataclass
class Step:
    """One call of one agent."""

    id: str
    agent: str  # gmail | calendar | drive
    op: str
    args: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    condition: Condition | None = None
    title: str = ""  # what the person sees while it runs ("Searching your email")

    def needs(self) -> set[str]:
        """Every step this one waits for."""
        needed = set(self.depends_on) | {ref["from"] for ref in references(self.args)}
        if self.condition:
            needed.add(self.condition.step)
        return needed


@dataclass
class StepResult:
    """What a step gave: items, or an error kind and message (partial answers carry both kinds)."""

    step: str
    ok: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # rate_limited | auth_required | unavailable | not_found | invalid | timeout | skipped
    message: str = ""
    retry_after: float | None = None


@dataclass
class Plan:
    """Waves of steps: each wave's steps depend only on earlier waves."""

    steps: list[Step]
    groups: list[list[str]]

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


def build(steps: list[Step]) -> Plan:
    """Order `steps` into waves (Kahn's algorithm); raises PlanError for cycles, duplicates and dangling refs."""
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise PlanError(f"duplicate step ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    needs = {s.id: s.needs() for s in steps}
    for step_id, wanted in needs.items():
        missing = wanted - set(ids)
        if missing:
            raise PlanError(f"step {step_id} refers to missing step(s) {sorted(missing)}")
    done: set[str] = set()
    groups: list[list[str]] = []
    while len(done) < len(steps):
        wave = [i for i in ids if i not in done and needs[i] <= done]
        if not wave:
            raise PlanError(f"cycle among steps {sorted(set(ids) - done)}")
        groups.append(wave)
        done.update(wave)
    return Plan(steps, groups)


def references(value: Any) -> Iterator[dict[str, Any]]:
    """Every `{"from": ..., "path": ...}` reference inside `value` (nested dicts and lists)."""
    if isinstance(value, dict):
        if set(value) == {"from", "path"} or set(value) == {"from"}:
            yield value
            return
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+|\*)\]")


class ReferenceError_(LookupError):
    """A reference points at nothing in its step's result (e.g. items[0] of an empty search)."""


def resolve(value: Any, results: dict[str, StepResult]) -> Any:
    """`value` with every reference replaced by what it points at in `results`."""
    if isinstance(value, dict):
        if set(value) in ({"from", "path"}, {"from"}):
            return _lookup(results[value["from"]], value.get("path", ""))
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


def _lookup(result: StepResult, path: str) -> Any:
    """Follow `path` ("items[0].sender", "items[*].id", "count") from a result's items and data."""
    if "[*]." in path:  # items[*].id → the id of every item
        head, _, tail = path.partition("[*].")
        return [_follow(item, tail, result.step, path) for item in _follow(_root(result), head, result.step, path)]
    return _follow(_root(result), path, result.step, path)


def _root(result: StepResult) -> dict[str, Any]:
    return {"items": result.items, **result.data}


def _follow(current: Any, path: str, step: str, whole: str) -> Any:
    for name, index in _PART.findall(path):
        try:
            current = current[name] if name else current[int(index)]
        except (KeyError, IndexError, TypeError, ValueError):
            raise ReferenceError_(f"{step}.{whole} is empty") from None
    return current
