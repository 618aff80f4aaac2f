"""The ParsedIntent contract: JSON both ways, and what it refuses (an LLM's answer is validated with it)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from marshmallow import ValidationError

from server.intent.schema import (OPERATIONS, OPERATIONS_BY_SERVICE, Candidate, Duration, Entities, ParsedIntent,
                                  PersonRef, TimeRange, dump_intent, llm_instructions, load_intent)

UTC = timezone.utc


def full_intent() -> ParsedIntent:
    return ParsedIntent(
        text="If I haven't met with Sam in the last 10 days, schedule a 30-minute 'Catch up' tomorrow at 3pm",
        service="calendar", operation="create_event", services=["calendar"],
        operations=["search", "create_event"],
        entities=Entities(
            people=[PersonRef("Sam", "attendee", "name", [], [Candidate("sam.lee@x.com", "Sam Lee"),
                                                               Candidate("sam.kim@y.com")], True)],
            times=[TimeRange("in the last 10 days", datetime(2023, 11, 20, tzinfo=UTC),
                             datetime(2023, 11, 30, tzinfo=UTC), "range", "day", "condition"),
                   TimeRange("tomorrow at 3pm", datetime(2023, 12, 1, 15, tzinfo=UTC), None, "moment", "minute",
                             "when")],
            durations=[Duration("30-minute", 30, "length")],
            subject="Catch up", titles=[], recipients=[], query="",
            condition="If I haven't met with Sam in the last 10 days"),
        confidence=0.9, needs_clarification=True, clarification_question="Which Sam do you mean?")


def test_round_trip_through_json_gives_the_same_intent() -> None:
    intent = full_intent()
    text = intent.to_json()
    assert load_intent(text) == intent
    assert load_intent(json.loads(text)) == intent
    assert dump_intent(intent) == intent.to_dict()


def test_datetimes_are_iso_with_their_offset() -> None:
    data = full_intent().to_dict()
    assert data["entities"]["times"][1]["start"] == "2023-12-01T15:00:00+00:00"
    assert data["entities"]["times"][1]["end"] is None


def test_a_minimal_llm_answer_gets_the_defaults() -> None:
    intent = load_intent({"text": "find the Q4 deck", "service": "drive", "operation": "search",
                          "services": ["drive"]})
    assert intent.entities == Entities() and intent.confidence == 1.0 and intent.source == "offline"
    assert not intent.needs_clarification


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    data = full_intent().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize("path", [["mood"], ["entities", "mood"], ["entities", "people", 0, "mood"],
                                  ["entities", "times", 0, "mood"], ["entities", "durations", 0, "mood"],
                                  ["entities", "people", 0, "candidates", 0, "mood"]])
def test_unknown_fields_are_refused_at_every_level(path: list[str | int]) -> None:
    with pytest.raises(ValidationError) as err:
        load_intent(_with(path, "happy"))
    assert "mood" in json.dumps(err.value.messages)


@pytest.mark.parametrize("path,value", [
    (["service"], "slack"),
    (["operation"], "dance"),
    (["operation"], "share"),                                # not a calendar operation
    (["operations"], ["search", "share"]),
    (["services"], ["calendar", "gmail"]),                   # two services need "multi"
    (["confidence"], 1.5),
    (["needs_clarification"], True),
    (["clarification_question"], None),                      # needed since needs_clarification is true
    (["entities", "people", 0, "role"], "boss"),
    (["entities", "people", 0, "emails"], ["not-an-address"]),
    (["entities", "recipients"], ["bob at example"]),
    (["entities", "times", 0, "start"], "2023-11-20T00:00:00"),  # naive
    (["entities", "times", 0, "end"], "2023-11-01T00:00:00+00:00"),  # before start
    (["entities", "times", 1, "end"], "2023-12-01T16:00:00+00:00"),  # a moment has no end
    (["entities", "times", 0, "granularity"], "fortnight"),
    (["entities", "durations", 0, "minutes"], 0),
    (["entities", "durations", 0, "minutes"], "30"),
    (["entities", "selector"], "random"),
    (["source"], "oracle"),
])
def test_invalid_values_are_refused(path: list[str | int], value: Any) -> None:
    data = _with(path, value)
    if path == ["needs_clarification"]:
        data["clarification_question"] = None
    with pytest.raises(ValidationError):
        load_intent(data)


def test_multi_needs_two_services_and_allows_any_operation() -> None:
    base = {"text": "find the deck and email it", "service": "multi", "operation": "send"}
    with pytest.raises(ValidationError):
        load_intent({**base, "services": ["drive"]})
    intent = load_intent({**base, "services": ["drive", "gmail"], "operations": ["search", "send"]})
    assert intent.services == ["drive", "gmail"]


def test_out_of_scope_is_service_none_with_no_services() -> None:
    assert load_intent({"text": "play jazz", "service": "none", "operation": "out_of_scope"}).services == []
    with pytest.raises(ValidationError):
        load_intent({"text": "play jazz", "service": "none", "operation": "out_of_scope", "services": ["gmail"]})
    with pytest.raises(ValidationError):
        load_intent({"text": "play jazz", "service": "gmail", "operation": "out_of_scope"})


def test_not_json_or_not_an_object_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        load_intent("{not json")
    with pytest.raises(ValidationError):
        load_intent("[1, 2]")


def test_every_operation_belongs_to_a_service() -> None:
    covered = set().union(*OPERATIONS_BY_SERVICE.values())
    assert covered == set(OPERATIONS)


def test_llm_instructions_name_every_field_and_operation() -> None:
    text = llm_instructions()
    for name in list(OPERATIONS) + ["people", "times", "durations", "subject", "body", "titles", "recipients",
                                    "file_names", "query", "selector", "condition", "clarification_question",
                                    "confidence", "services", "operations"]:
        assert f'"{name}"' in text or f"  - {name}:" in text, name
    assert "ISO 8601" in text
