"""Input validation for every face: a marshmallow schema, and a 400 whose message names each bad field."""
from __future__ import annotations

from typing import Any, Mapping

from marshmallow import Schema, ValidationError

from server.errors import ApiError


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested error messages as `field: message` lines (list items as `field.N`)."""
    if isinstance(messages, dict):
        return [line for key, value in messages.items()
                for line in _flatten(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(messages, list):
        return [line for message in messages for line in _flatten(message, prefix)]
    return [f"{prefix}: {messages}" if prefix else str(messages)]


def _string_keys(messages: Any) -> Any:
    """The same messages with list indexes as string keys (JSON objects cannot mix int and str keys)."""
    if isinstance(messages, dict):
        return {str(key): _string_keys(value) for key, value in messages.items()}
    return messages


def load(schema: Schema, data: Mapping[str, Any], what: str) -> dict[str, Any]:
    """`schema.load(data)`, or ApiError 400 `bad_request` "Invalid <what>: field: message; …" with `fields`."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", f"Invalid {what}: " + "; ".join(_flatten(exc.messages)),
                       fields=_string_keys(exc.messages)) from exc
