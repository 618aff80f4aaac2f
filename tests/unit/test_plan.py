"""Plans: waves from dependencies, errors for cycles and dangling references, references resolved."""
from __future__ import annotations

import pytest

from server.pipeline.plan import Condition, PlanError, ReferenceError_, Step, StepResult, build, resolve


def test_independent_steps_share_a_wave_and_references_order_the_rest() -> None:
    plan = build([
        Step("s1", "gmail", "search"),
        Step("s2", "calendar", "search"),
        Step("s3", "gmail", "draft", {"to": {"from": "s1", "path": "items[0].who"}}),
        Step("s4", "calendar", "create_event", condition=Condition("s2", "nothing"), depends_on=["s3"]),
    ])
    assert plan.groups == [["s1", "s2"], ["s3"], ["s4"]]


def test_cycles_duplicates_and_missing_steps_are_errors() -> None:
    with pytest.raises(PlanError, match="cycle"):
        build([Step("a", "gmail", "x", depends_on=["b"]), Step("b", "gmail", "y", {"id": {"from": "a"}})])
    with pytest.raises(PlanError, match="missing"):
        build([Step("a", "gmail", "x", {"id": {"from": "zz", "path": "items[0].id"}})])
    with pytest.raises(PlanError, match="duplicate"):
        build([Step("a", "gmail", "x"), Step("a", "drive", "y")])


def test_references_resolve_single_values_lists_and_data() -> None:
    results = {"s1": StepResult("s1", True, items=[{"id": "m1", "who": "a@x"}, {"id": "m2", "who": "b@x"}],
                                data={"count": 2})}
    args = {"one": {"from": "s1", "path": "items[1].who"}, "all": {"from": "s1", "path": "items[*].id"},
            "n": {"from": "s1", "path": "count"}, "plain": [1, {"k": "v"}]}
    assert resolve(args, results) == {"one": "b@x", "all": ["m1", "m2"], "n": 2, "plain": [1, {"k": "v"}]}
    with pytest.raises(ReferenceError_):
        resolve({"id": {"from": "s1", "path": "items[5].id"}}, results)


def test_a_condition_holds_only_on_a_successful_result() -> None:
    empty, some = StepResult("s", True), StepResult("s", True, items=[{"id": "e"}])
    assert Condition("s", "nothing").holds(empty) and not Condition("s", "nothing").holds(some)
    assert Condition("s", "something").holds(some)
    assert not Condition("s", "nothing").holds(StepResult("s", False, error="unavailable"))
