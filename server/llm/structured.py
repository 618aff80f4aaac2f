"""Structured output: ask for one JSON object shaped by a marshmallow schema, find it in the answer, validate it.

The instruction lists the schema's fields (names, types, allowed values, required) so a caller's prompt can stay
about the task; the caller's prompt still explains what the fields mean.
"""
from __future__ import annotations

import json
import re
from typing import Any, Sequence

import marshmallow
from marshmallow import fields as mfields
from marshmallow import validate as mvalidate

from server.llm.provider import Message

# How much of a bad answer goes back to the model in the repair request (enough to fix, not a whole essay).
REPAIR_ECHO_CHARS = 4000

_TYPE_NAMES: dict[type, str] = {
    mfields.String: "string", mfields.Integer: "integer", mfields.Float: "number", mfields.Decimal: "number",
    mfields.Number: "number", mfields.Boolean: "boolean", mfields.DateTime: "ISO 8601 date-time string",
    mfields.Date: "ISO 8601 date string", mfields.Email: "email address string", mfields.Dict: "object",
}


class InvalidOutput(ValueError):
    """The answer was not one JSON object the schema accepts; the message says why, for the repair request."""


def _describe_field(field: mfields.Field, depth: int) -> str:
    if isinstance(field, mfields.List):
        return f"list of {_describe_field(field.inner, depth)}"
    if isinstance(field, mfields.Nested):
        inner = field.schema
        body = "; ".join(_describe_fields(inner, depth + 1)) if depth < 3 else "…"
        return f"{'list of ' if field.many else ''}object {{{body}}}"
    name = next((label for cls, label in _TYPE_NAMES.items() if isinstance(field, cls)), "value")
    for validator in field.validators:
        if isinstance(validator, mvalidate.OneOf):
            name += " one of " + ", ".join(json.dumps(c) for c in validator.choices)
    return name + (" or null" if field.allow_none else "")


def _describe_fields(schema: marshmallow.Schema, depth: int = 0) -> list[str]:
    return [f"{field.data_key or name}: {_describe_field(field, depth)}{' (required)' if field.required else ''}"
            for name, field in schema.fields.items() if not field.dump_only]


def json_instruction(schema: marshmallow.Schema) -> str:
    """The system instruction that asks for one JSON object with the schema's fields."""
    return ("Answer with exactly one JSON object and nothing else (no prose, no code fences). Its fields:\n- "
            + "\n- ".join(_describe_fields(schema)))


def with_json_instruction(messages: Sequence[Message], schema: marshmallow.Schema) -> list[dict[str, str]]:
    """The caller's messages with the JSON instruction added as a final system message."""
    return [dict(m) for m in messages] + [{"role": "system", "content": json_instruction(schema)}]


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in `text`, tolerating code fences and prose around it; InvalidOutput when there is none."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    if not stripped.startswith("{"):
        start, end = stripped.find("{"), stripped.rfind("}")
        if start < 0 or end <= start:
            raise InvalidOutput("the answer contains no JSON object")
        stripped = stripped[start:end + 1]
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                            ) from None
    if not isinstance(value, dict):
        raise InvalidOutput(f"the answer is JSON but a {type(value).__name__}, not an object")
    return value


def validate(text: str, schema: marshmallow.Schema) -> tuple[dict[str, Any], Any]:
    """(the JSON object, what `schema.load` made of it), or InvalidOutput naming what is wrong."""
    raw = parse_json_object(text)
    try:
        return raw, schema.load(raw)
    except marshmallow.ValidationError as exc:
        raise InvalidOutput(f"the JSON does not match the schema: {json.dumps(exc.messages, default=str)}") from None


def repair_messages(messages: Sequence[Message], bad_answer: str, error: str) -> list[dict[str, str]]:
    """The conversation so far plus the bad answer and what was wrong with it, asking for a corrected object."""
    return [dict(m) for m in messages] + [
        {"role": "assistant", "content": bad_answer[:REPAIR_ECHO_CHARS] or "(empty)"},
        {"role": "user", "content": f"That answer was rejected: {error}. Reply with only the corrected JSON object."},
    ]
