"""Input validation for every face: a marshmallow schema, and a 400 whose message names each bad field.

Also `item_id` (an id in a URL path or a parameter, where a malformed one is simply "not found") and `parse_json`
(JSON that is not nested past reason). `Text`, the bounded string every schema uses, is in server/inputs.py (the
pipeline's request schema uses it too).
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Mapping

from marshmallow import Schema, ValidationError, fields

from server.errors import ApiError
from server.inputs import Text

__all__ = ["Text", "load", "parse_json", "item_id", "string_keys"]


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested error messages as `field: message` lines (list items as `field.N`)."""
    if isinstance(messages, dict):
        return [line for key, value in messages.items()
                for line in _flatten(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(messages, list):
        return [line for message in messages for line in _flatten(message, prefix)]
    return [f"{prefix}: {messages}" if prefix else str(messages)]


def string_keys(messages: Any) -> Any:
    """The same messages with list indexes as string keys (JSON objects cannot mix int and str keys)."""
    if isinstance(messages, dict):
        return {str(key): string_keys(value) for key, value in messages.items()}
    return messages


def load(schema: Schema, data: Mapping[str, Any], what: str) -> dict[str, Any]:
    """`schema.load(data)`, or ApiError 400 `bad_request` "Invalid <what>: field: message; …" with `fields`."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        # Cap the echo: a thousand bad list items need not come back as a thousand lines.
        lines = _flatten(exc.messages)
        message = "; ".join(lines[:20]) + (f"; … ({len(lines) - 20} more)" if len(lines) > 20 else "")
        raise ApiError(400, "bad_request", f"Invalid {what}: " + message,
                       fields=string_keys(exc.messages)) from exc


class _ItemId(Schema):
    id = fields.UUID(required=True)


def item_id(raw: str, not_found: Exception) -> uuid.UUID:
    """The UUID a URL path (or an add-on parameter) names; raises `not_found` when it is not one, exactly as for
    an id nobody has."""
    try:
        return _ItemId().load({"id": raw})["id"]
    except ValidationError:
        raise not_found from None


def parse_json(raw: str | bytes, what: str = "The message") -> Any:
    """JSON text as Python values; ApiError 400 when it is not JSON or is nested too deeply to read."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" a hundred thousand deep
        raise ApiError(400, "bad_request", f"{what} is not valid JSON.") from None
