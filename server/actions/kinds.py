"""The side effects the assistant may propose, and the arguments each takes (marshmallow, unknown fields refused).

`validate(kind, args, tz)` checks a proposal's arguments and returns them JSON-ready: addresses lower-cased and
de-duplicated, times as ISO 8601 with an offset (a time without one is read in the person's time zone).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from server.actions.errors import InvalidAction

ROLES = ("reader", "commenter", "writer")
MAX_RECIPIENTS = 100
MAX_BODY = 100_000


def _emails(**kwargs: Any) -> fields.List:
    return fields.List(fields.Email(validate=validate.Length(max=320)), **kwargs)


class _Args(Schema):
    class Meta:
        unknown = RAISE


class SendEmail(_Args):
    """A new message: to[] (at least one), cc[], subject, body."""

    to = _emails(required=True, validate=validate.Length(min=1, max=MAX_RECIPIENTS))
    cc = _emails(load_default=list, validate=validate.Length(max=MAX_RECIPIENTS))
    subject = fields.String(required=True, validate=validate.Length(max=998))
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY))


class DraftEmail(_Args):
    """A message saved in Gmail's Drafts, not sent: to[] may be empty (the person finishes it in Gmail);
    `email_id` puts the draft in that email's thread."""

    to = _emails(load_default=list, validate=validate.Length(max=MAX_RECIPIENTS))
    cc = _emails(load_default=list, validate=validate.Length(max=MAX_RECIPIENTS))
    subject = fields.String(required=True, validate=validate.Length(max=998))
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY))
    email_id = fields.String(load_default=None, validate=validate.Length(min=1, max=256))


class Reply(_Args):
    """A reply in the thread of `email_id`, to its sender."""

    email_id = fields.String(required=True, validate=validate.Length(min=1, max=256))
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY))


class Forward(_Args):
    """`email_id` forwarded to to[] with an optional note above it."""

    email_id = fields.String(required=True, validate=validate.Length(min=1, max=256))
    to = _emails(required=True, validate=validate.Length(min=1, max=MAX_RECIPIENTS))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))


class TrashEmail(_Args):
    """Move `email_id` to the trash."""

    email_id = fields.String(required=True, validate=validate.Length(min=1, max=256))


class CreateEvent(_Args):
    """A timed event on the primary calendar (attendees get invitations)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    attendees = _emails(load_default=list, validate=validate.Length(max=MAX_RECIPIENTS))
    description = fields.String(load_default="", validate=validate.Length(max=8192))


class UpdateEvent(_Args):
    """Move (start, and end kept the same length unless given), resize (end) and/or rename (title) an event."""

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    start = fields.DateTime()
    end = fields.DateTime()
    title = fields.String(validate=validate.Length(min=1, max=1024))

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not ({"start", "end", "title"} & data.keys()):
            raise ValidationError("give at least one of start, end, title", "_schema")


class DeleteEvent(_Args):
    """Delete `event_id` (attendees are told it is cancelled)."""

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ShareFile(_Args):
    """Give emails[] access to `file_id` with `role`."""

    file_id = fields.String(required=True, validate=validate.Length(min=1, max=256))
    emails = _emails(required=True, validate=validate.Length(min=1, max=MAX_RECIPIENTS))
    role = fields.String(load_default="reader", validate=validate.OneOf(ROLES))


SCHEMAS: dict[str, type[_Args]] = {
    "send_email": SendEmail, "draft_email": DraftEmail, "reply": Reply, "forward": Forward, "trash_email": TrashEmail,
    "create_event": CreateEvent, "update_event": UpdateEvent, "delete_event": DeleteEvent,
    "share_file": ShareFile,
}
KINDS = tuple(SCHEMAS)
# Which kinds can be reversed after they ran (the rest say why not in their preview and `undo`).
UNDOABLE = frozenset({"draft_email", "trash_email", "create_event", "update_event", "delete_event", "share_file"})


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested messages as `field: message` lines (list items as `field.N`)."""
    if isinstance(messages, dict):
        lines: list[str] = []
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            lines.extend(_flatten(value, name))
        return lines
    if isinstance(messages, list):
        return [line for m in messages for line in _flatten(m, prefix)]
    return [f"{prefix}: {messages}" if prefix else str(messages)]


def _aware(value: datetime, tz: tzinfo) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _unique_lower(addresses: list[str]) -> list[str]:
    return list(dict.fromkeys(a.strip().lower() for a in addresses))


def validate_args(kind: str, args: Any, tz: tzinfo) -> dict[str, Any]:
    """The arguments of a `kind` action, checked and JSON-ready; InvalidAction naming each bad field."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise InvalidAction(f"Unknown action kind {kind!r}; known: {', '.join(KINDS)}.")
    if not isinstance(args, dict):
        raise InvalidAction("Action arguments must be an object.")
    try:
        data = schema().load(args)
    except ValidationError as exc:
        raise InvalidAction(f"Invalid {kind}: " + "; ".join(_flatten(exc.messages)), exc.messages) from exc
    for key in ("to", "cc", "attendees", "emails"):
        if key in data:
            data[key] = _unique_lower(data[key])
    for key in ("start", "end"):
        if key in data:
            data[key] = _aware(data[key], tz)
    if data.get("start") and data.get("end") and data["end"] <= data["start"]:
        raise InvalidAction(f"Invalid {kind}: end: must be after start", {"end": ["must be after start"]})
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


def parse_time(value: str) -> datetime:
    """An ISO 8601 time stored by `validate_args` back to an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
