"""evals/tasks.py against a real emulator: every gold line parses, applying the gold is judged correct with no
side effect, wrong actions are judged incorrect and side effects, doing nothing is incorrect but harmless."""
from __future__ import annotations

from typing import Iterator

import pytest

from evals.tasks import GoldRunner, NoopRunner, Workspace, evaluate, judge_task
from evals.workbench_gold import GoldAction, Task, load_tasks
from server.config import REPO_ROOT

TASKS_FILE = REPO_ROOT / "emulator" / "data" / "workbench" / "tasks_dev.jsonl"
TASKS = load_tasks(TASKS_FILE)


def _sample() -> list[Task]:
    """The first task of every template, plus a two-forward task and a second push-back (15 in all)."""
    seen: set[str] = set()
    picked = []
    for task in TASKS:
        if task.template not in seen:
            seen.add(task.template)
            picked.append(task)
    picked.append(next(t for t in TASKS if len(t.gold) == 2))
    picked.append([t for t in TASKS if t.gold and t.gold[0].tool == "calendar.update_event"][1])
    return picked


class Scripted:
    """A runner that applies the given actions, whatever the task says."""

    name = "scripted"

    def __init__(self, *actions: GoldAction) -> None:
        self.actions = actions

    def run(self, task: Task, ws: Workspace) -> None:
        ws.gold().apply(self.actions)


@pytest.fixture(scope="module")
def ws() -> Iterator[Workspace]:
    workspace = Workspace()
    yield workspace
    workspace.close()


def _task(tool: str) -> Task:
    return next(t for t in TASKS if len(t.gold) == 1 and t.gold[0].tool == tool)


def _judge(ws: Workspace, task: Task, runner: object):
    return judge_task(task, runner, ws, {})  # type: ignore[arg-type]


def test_every_line_of_the_dev_file_parses() -> None:
    assert len(TASKS) == len(TASKS_FILE.read_text().splitlines()) == 130
    tools = {a.tool for t in TASKS for a in t.gold}
    assert tools == {"email.delete_email", "email.send_email", "email.forward_email", "email.reply_email",
                     "calendar.create_event", "calendar.delete_event", "calendar.update_event"}
    assert sum(not t.gold for t in TASKS) == 13
    assert {t.category for t in TASKS} == {"email", "calendar", "email+calendar"}


def test_the_gold_runner_is_judged_right_on_a_diverse_sample(ws: Workspace) -> None:
    sample = _sample()
    assert len(sample) == 15 and len({a.tool for t in sample for a in t.gold}) == 7
    results = evaluate(sample, GoldRunner(), ws)
    assert [r.differences for r in results if not r.correct] == []
    assert not any(r.wrong_side_effect for r in results)


@pytest.mark.parametrize("tool, wrong", [
    ("email.delete_email", lambda a: GoldAction(a.tool, {"email_id": "00000478"})),
    ("calendar.create_event", lambda a: GoldAction(a.tool, {**a.args, "event_start": "2023-12-08 16:30:00"})),
    ("email.send_email", lambda a: GoldAction(a.tool, {**a.args, "recipient": "nia.johnson@atlas.com"})),
    ("calendar.update_event", lambda a: GoldAction(a.tool, {**a.args, "new_value": "2023-12-04 13:00:00"})),
    ("email.reply_email", lambda a: GoldAction(a.tool, {**a.args, "body": "Got it, thanks!"})),
], ids=["trash-wrong-email", "event-wrong-time", "send-wrong-recipient", "move-wrong-time", "reply-wrong-text"])
def test_a_wrong_action_is_incorrect_and_a_wrong_side_effect(ws: Workspace, tool: str, wrong) -> None:
    task = _task(tool)
    result = _judge(ws, task, Scripted(wrong(task.gold[0])))
    assert not result.correct and result.wrong_side_effect, result
    assert any(d.startswith("missing") for d in result.differences)
    assert any(d.startswith("unexpected") for d in result.differences)


def test_doing_the_gold_twice_is_a_wrong_side_effect(ws: Workspace) -> None:
    task = _task("email.forward_email")
    result = _judge(ws, task, Scripted(*task.gold, *task.gold))
    assert not result.correct and result.wrong_side_effect
    assert result.side_effects and all(s.startswith("unexpected: sent: forward") for s in result.side_effects)


def test_doing_nothing_is_incorrect_but_no_side_effect_and_right_when_the_gold_is_empty(ws: Workspace) -> None:
    busy = _judge(ws, _task("calendar.delete_event"), NoopRunner())
    assert not busy.correct and not busy.wrong_side_effect
    assert busy.differences and busy.side_effects == []
    idle = _judge(ws, next(t for t in TASKS if not t.gold), NoopRunner())
    assert idle.correct and not idle.wrong_side_effect


def test_the_workspace_is_fresh_for_every_run(ws: Workspace) -> None:
    ws.restore()
    ws.gold().apply(_task("email.delete_email").gold)
    assert ws.outcome() != ws.before
    ws.restore()
    assert ws.outcome() == ws.before
