"""Follow-ups read against the previous turn: which listed item a pointer means, what an "and …" reruns, and what
is left alone (a fresh request, a pointer past the list, a change never repeated)."""
from __future__ import annotations

from typing import Any

import pytest

from server.intent.schema import ParsedIntent
from server.pipeline.followup import Previous, pick, point, refine


def _answer(query: str, operation: str, results: list[tuple[str, str, list[str]]],
            people: list[dict[str, Any]] | None = None, times: list[str] | None = None) -> dict[str, Any]:
    """A stored answer body: steps (id, op) with the ids they listed, services from the step's agent."""
    agents = {"s": "gmail", "c": "calendar", "d": "drive", "k": "calendar", "a": "gmail", "r": "gmail"}
    return {
        "intent": {"text": query, "operation": operation,
                   "entities": {"people": people or [], "times": [{"text": t} for t in times or []]}},
        "plan": {"steps": [{"id": sid, "op": op} for sid, op, _ in results]},
        "results": [{"step": sid, "ok": True, "items": [{"service": agents[sid[0]], "id": i} for i in ids]}
                    for sid, _, ids in reversed(results)],  # finished out of order: the plan's order counts
    }


MAIL = Previous.from_answer("emails from nadia", _answer("emails from nadia", "search", [("s1", "search", ["m1", "m2",
                                                                                                          "m3"])]))


def _intent(operation: str, service: str = "gmail") -> ParsedIntent:
    return ParsedIntent(text="", service=service, operation=operation, services=[service])


@pytest.mark.parametrize("text, operation, expected", [
    ("reply to the second one saying ok", "reply", ["m2"]),
    ("forward the last email to kofi", "forward", ["m3"]),
    ("open #3", "read", ["m3"]),
    ("trash them", "trash", ["m1", "m2", "m3"]),
    ("forward both to kofi", "forward", ["m1", "m2"]),
    ("delete it", "delete_event", ["m1"]),  # after a list of emails, "delete" is a trash
])
def test_a_pointer_names_items_of_the_previous_list(text, operation, expected) -> None:
    pointer = point(text, MAIL)
    assert pointer is not None
    picked = pick(pointer, _intent(operation, "calendar" if operation == "delete_event" else "gmail"), MAIL)
    assert picked is not None and [i["id"] for i in picked.items] == expected
    assert picked.service == "gmail" and picked.operation == ("trash" if operation == "delete_event" else operation)


def test_the_pointing_words_are_masked_so_one_is_not_read_as_a_time() -> None:
    assert point("move the second one to 4pm", MAIL).masked == "move it to 4pm"


@pytest.mark.parametrize("text", ["reply to the fifth one saying ok",  # past the end of the list
                                  "move it to 4pm"])  # emails cannot be moved
def test_what_the_list_cannot_answer_is_not_guessed(text) -> None:
    pointer = point(text, MAIL)
    operation = "update_event" if "move" in text else "reply"
    assert pointer is None or pick(pointer, _intent(operation, "calendar" if "move" in text else "gmail"),
                                   MAIL) is None


def test_no_previous_list_means_no_pointer_and_an_own_first_meeting_is_no_pointer() -> None:
    assert point("reply to the second one", None) is None
    assert point("move my first meeting tomorrow by 30 minutes", MAIL) is None


def test_a_turn_that_listed_nothing_is_skipped_and_condition_checks_are_not_lists() -> None:
    proposed = _answer("forward it to kofi", "forward", [("a1", "propose", [])])
    checked = _answer("if I haven't met kofi", "create_event", [("k1", "search", ["e9"]), ("a1", "propose", [])])
    history = Previous.listed([("forward it to kofi", proposed), ("x", checked), ("emails from nadia",
                                                                                 _answer("emails from nadia", "search",
                                                                                         [("s1", "search", ["m1"])]))])
    assert [p.query for p in history] == ["emails from nadia"]


def test_results_keep_the_plans_order_across_services() -> None:
    both = Previous.from_answer("q", _answer("q", "search", [("s1", "search", ["m1"]), ("c1", "search", ["e1", "e2"])]))
    assert both.items == {"gmail": [{"service": "gmail", "id": "m1"}],
                          "calendar": [{"service": "calendar", "id": "e1"}, {"service": "calendar", "id": "e2"}]}


SARAH = Previous.from_answer("emails about the budget from Sarah last week", _answer(
    "emails about the budget from Sarah last week", "search", [("s1", "search", ["m1"])],
    people=[{"text": "Sarah", "role": "sender"}], times=["last week"]))


@pytest.mark.parametrize("text, expected", [
    ("and from Bob?", "emails about the budget from Bob last week"),
    ("what about last month?", "emails about the budget from Sarah last month"),
    ("and about the roadmap?", "emails about the roadmap from Sarah last week"),
    ("and to Kofi?", "emails about the budget from Sarah last week to Kofi"),
])
def test_and_reruns_the_previous_search_with_the_new_part_in_place(text, expected) -> None:
    assert refine(text, [SARAH]) == expected


def test_and_never_repeats_a_change_nor_a_long_request() -> None:
    change = Previous.from_answer("trash emails from Sarah", _answer("trash emails from Sarah", "trash",
                                                                     [("s1", "search", ["m1"])]))
    assert refine("and from Bob?", [change]) is None
    assert refine("and from Bob about the budget for the offsite next quarter please", [SARAH]) is None
    assert refine("and in my calendar?", [SARAH]) is None
    assert refine("and from Bob?", []) is None
