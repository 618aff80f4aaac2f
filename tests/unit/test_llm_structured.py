"""Finding and validating the JSON object in a model's answer; the instruction; Anthropic's message shape."""
import pytest
from marshmallow import Schema, fields, validate as mvalidate

from server.llm.anthropic_provider import to_anthropic
from server.llm.structured import (InvalidOutput, json_instruction, parse_json_object, repair_messages, validate,
                                   with_json_instruction)


class Entity(Schema):
    name = fields.String(required=True)


class Intent(Schema):
    operation = fields.String(required=True, validate=mvalidate.OneOf(["search", "cancel"]))
    confidence = fields.Float(required=True)
    services = fields.List(fields.String())
    people = fields.Nested(Entity, many=True)


@pytest.mark.parametrize("text", [
    '{"a": 1}',
    '  ```json\n{"a": 1}\n```  ',
    '```\n{"a": 1}\n```',
    'Here you go: {"a": 1} Hope that helps.',
])
def test_the_object_is_found_in_fences_and_prose(text: str) -> None:
    assert parse_json_object(text) == {"a": 1}


@pytest.mark.parametrize("text, reason", [
    ("no json here", "no JSON object"),
    ('{"a": 1,}', "not valid JSON"),
    ("[1, 2]", "no JSON object"),
    ('"just a string"', "no JSON object"),
])
def test_what_is_not_one_object_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidOutput, match=reason):
        parse_json_object(text)


def test_validation_loads_through_the_schema_or_names_the_field() -> None:
    raw, data = validate('{"operation": "cancel", "confidence": 0.9}', Intent())
    assert data == {"operation": "cancel", "confidence": 0.9} and raw == data
    with pytest.raises(InvalidOutput, match="operation.*Must be one of"):
        validate('{"operation": "fly", "confidence": 0.9}', Intent())


def test_the_instruction_lists_fields_types_choices_and_required() -> None:
    text = json_instruction(Intent())
    assert "JSON object" in text  # OpenAI's JSON mode refuses prompts that do not say JSON
    assert 'operation: string one of "search", "cancel" (required)' in text
    assert "confidence: number (required)" in text
    assert "services: list of string" in text
    assert "people: list of object {name: string (required)}" in text
    messages = with_json_instruction([{"role": "user", "content": "hi"}], Intent())
    assert messages[0] == {"role": "user", "content": "hi"} and messages[-1]["role"] == "system"


def test_the_repair_request_echoes_the_answer_and_the_error() -> None:
    messages = repair_messages([{"role": "user", "content": "q"}], "{bad", "the answer is not valid JSON")
    assert messages[1] == {"role": "assistant", "content": "{bad"}
    assert messages[2]["role"] == "user" and "not valid JSON" in messages[2]["content"]


def test_anthropic_gets_system_apart_and_alternating_turns() -> None:
    system, turns = to_anthropic([
        {"role": "system", "content": "S1"}, {"role": "user", "content": "U1"},
        {"role": "system", "content": "S2"}, {"role": "user", "content": "U2"},
        {"role": "assistant", "content": "A1"}])
    assert system == "S1\n\nS2"
    assert turns == [{"role": "user", "content": "U1\n\nU2"}, {"role": "assistant", "content": "A1"}]
