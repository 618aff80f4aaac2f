"""The `ParsedIntent` contract: what a request asks for, as dataclasses and the marshmallow schemas that load and
dump them as JSON.

Both the offline classifier and an LLM produce it; the LLM is asked for this JSON (`llm_instructions()`) and its
answer is validated with `load_intent`, so unknown fields, operations outside the vocabulary, naive datetimes
and a service/operation pair that makes no sense are refused (marshmallow ValidationError).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Mapping

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

SERVICES: tuple[str, ...] = ("gmail", "calendar", "drive")
SERVICE_VALUES: tuple[str, ...] = SERVICES + ("multi", "none")

# The operation vocabulary, with the sentence each gets in the LLM prompt.
OPERATIONS: dict[str, str] = {
    "search": "find or list emails, events or files (by people, topic, time)",
    "read": "open, show or summarise particular items (\"what did Sarah's last email say\")",
    "draft": "write an email without sending it",
    "send": "send a new email",
    "reply": "reply to an existing email, in its thread",
    "forward": "forward existing email(s) to someone",
    "trash": "delete emails or files (moved to the trash)",
    "label": "label, archive, or mark emails read/unread",
    "lookup_contact": "someone's email address or contact details",
    "add_contact": "save someone as a contact",
    "create_event": "schedule a new meeting, event or reminder",
    "update_event": "move, rename, lengthen or shorten an existing event",
    "delete_event": "cancel or delete an event",
    "cancel_booking": ("cancel a booking or reservation (a flight, hotel, ticket…): find its confirmation email and "
                       "calendar entry, and draft the cancellation"),
    "free_slots": "when the person (or others) are free",
    "share": "share a file or folder with someone",
    "out_of_scope": "anything outside Gmail, Calendar and Drive (weather, music, alarms, …)",
    "needs_clarification": "the request is too vague to act on; ask the question",
}

OPERATIONS_BY_SERVICE: dict[str, frozenset[str]] = {
    "gmail": frozenset({"search", "read", "draft", "send", "reply", "forward", "trash", "label",
                        "lookup_contact", "add_contact", "cancel_booking", "needs_clarification"}),
    "calendar": frozenset({"search", "read", "create_event", "update_event", "delete_event", "free_slots",
                           "needs_clarification"}),
    "drive": frozenset({"search", "read", "trash", "share", "needs_clarification"}),
    "none": frozenset({"out_of_scope", "needs_clarification"}),
}
OPERATIONS_BY_SERVICE["multi"] = frozenset().union(*(OPERATIONS_BY_SERVICE[s] for s in SERVICES))

# Operations that change the workspace (the pipeline previews them and waits for a confirmation).
WRITE_OPERATIONS: frozenset[str] = frozenset({"draft", "send", "reply", "forward", "trash", "label",
                                              "add_contact", "create_event", "update_event", "delete_event",
                                              "share", "cancel_booking"})

PERSON_ROLES: tuple[str, ...] = ("sender", "recipient", "attendee", "share_with", "mentioned")
PERSON_KINDS: tuple[str, ...] = ("name", "email", "relation", "group", "reference")
TIME_ROLES: tuple[str, ...] = ("filter", "when", "condition")
TIME_KINDS: tuple[str, ...] = ("moment", "range")
GRANULARITIES: tuple[str, ...] = ("minute", "hour", "part_of_day", "day", "week", "month", "year")
DURATION_ROLES: tuple[str, ...] = ("length", "shift")
SELECTORS: tuple[str, ...] = ("latest", "earliest", "next", "first", "all")


@dataclass
class Candidate:
    """One person an ambiguous mention may mean."""

    email: str
    name: str = ""


@dataclass
class PersonRef:
    """A person or group named in the request, and what it resolved to."""

    text: str                      # as written: "Sarah", "the finance team", "bob@x.com", "the sender"
    role: str = "mentioned"        # sender | recipient | attendee | share_with | mentioned
    kind: str = "name"             # name | email | relation ("my boss") | group | reference (an earlier result)
    emails: list[str] = field(default_factory=list)        # resolved addresses (empty if unknown/ambiguous)
    candidates: list[Candidate] = field(default_factory=list)  # who an ambiguous name may be
    ambiguous: bool = False


@dataclass
class TimeRange:
    """A time expression resolved against the clock: a moment (`start` only) or a range [start, end).

    Either end of a range may be open (None): "before Friday" has no start, "since Monday" no end.
    """

    text: str
    start: datetime | None = None
    end: datetime | None = None
    kind: str = "range"            # moment | range
    granularity: str = "day"       # minute | hour | part_of_day | day | week | month | year
    role: str = "filter"           # filter (narrows a search) | when (time to set) | condition (of an "if")


@dataclass
class Duration:
    """A length of time in minutes: an event's length, or how far to move one ("by 2 hours")."""

    text: str
    minutes: int
    role: str = "length"           # length | shift


@dataclass
class Entities:
    """What the request names, beyond the operation."""

    people: list[PersonRef] = field(default_factory=list)
    times: list[TimeRange] = field(default_factory=list)
    durations: list[Duration] = field(default_factory=list)
    subject: str | None = None     # the subject or title to give a new email/event ("title it 'X'", "called X")
    body: str | None = None        # the message to send or reply with ("saying '…'", "with 'Thanks'")
    titles: list[str] = field(default_factory=list)  # titles identifying existing items ("about 'Q4 plan'")
    recipients: list[str] = field(default_factory=list)  # addresses to send/forward/share/invite to
    file_names: list[str] = field(default_factory=list)
    query: str = ""                # topic words to search with (people, times and verbs removed)
    selector: str | None = None    # latest | earliest | next | first | all
    condition: str | None = None   # the "if …" part, as written ("If I haven't met with Yuki in the last 10 days")


@dataclass
class ParsedIntent:
    """What one request asks for."""

    text: str
    service: str                   # gmail | calendar | drive | multi | none
    operation: str                 # the main (last, usually the changing) operation; see OPERATIONS
    services: list[str] = field(default_factory=list)    # every service involved, in order of use
    operations: list[str] = field(default_factory=list)  # the operations in order, for a compound request
    entities: Entities = field(default_factory=Entities)
    confidence: float = 1.0
    needs_clarification: bool = False
    clarification_question: str | None = None
    source: str = "offline"        # offline | llm

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (datetimes as ISO 8601 with their offset)."""
        return ParsedIntentSchema().dump(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


class _Strict(Schema):
    """Unknown fields are an error (marshmallow's default, said once here on purpose)."""

    class Meta:
        unknown = "raise"


class CandidateSchema(_Strict):
    email = fields.Email(required=True)
    name = fields.String(load_default="")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Candidate:
        return Candidate(**data)


class PersonRefSchema(_Strict):
    text = fields.String(required=True, validate=validate.Length(min=1))
    role = fields.String(load_default="mentioned", validate=validate.OneOf(PERSON_ROLES))
    kind = fields.String(load_default="name", validate=validate.OneOf(PERSON_KINDS))
    emails = fields.List(fields.Email(), load_default=list)
    candidates = fields.List(fields.Nested(CandidateSchema), load_default=list)
    ambiguous = fields.Boolean(load_default=False)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> PersonRef:
        return PersonRef(**data)


class TimeRangeSchema(_Strict):
    text = fields.String(required=True)
    start = fields.AwareDateTime(format="iso", allow_none=True, load_default=None)
    end = fields.AwareDateTime(format="iso", allow_none=True, load_default=None)
    kind = fields.String(load_default="range", validate=validate.OneOf(TIME_KINDS))
    granularity = fields.String(load_default="day", validate=validate.OneOf(GRANULARITIES))
    role = fields.String(load_default="filter", validate=validate.OneOf(TIME_ROLES))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if data.get("kind", "range") == "moment":
            if start is None or end is not None:
                raise ValidationError("a moment has a start and no end", "start")
        elif start is None and end is None:
            raise ValidationError("a range needs a start, an end or both", "start")
        elif start is not None and end is not None and end < start:
            raise ValidationError("end is before start", "end")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> TimeRange:
        return TimeRange(**data)


class DurationSchema(_Strict):
    text = fields.String(required=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60 * 24 * 366))
    role = fields.String(load_default="length", validate=validate.OneOf(DURATION_ROLES))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Duration:
        return Duration(**data)


class EntitiesSchema(_Strict):
    people = fields.List(fields.Nested(PersonRefSchema), load_default=list)
    times = fields.List(fields.Nested(TimeRangeSchema), load_default=list)
    durations = fields.List(fields.Nested(DurationSchema), load_default=list)
    subject = fields.String(allow_none=True, load_default=None)
    body = fields.String(allow_none=True, load_default=None)
    titles = fields.List(fields.String(), load_default=list)
    recipients = fields.List(fields.Email(), load_default=list)
    file_names = fields.List(fields.String(), load_default=list)
    query = fields.String(load_default="")
    selector = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(SELECTORS))
    condition = fields.String(allow_none=True, load_default=None)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Entities:
        return Entities(**data)


class ParsedIntentSchema(_Strict):
    text = fields.String(required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICE_VALUES))
    operation = fields.String(required=True, validate=validate.OneOf(tuple(OPERATIONS)))
    services = fields.List(fields.String(validate=validate.OneOf(SERVICES)), load_default=list)
    operations = fields.List(fields.String(validate=validate.OneOf(tuple(OPERATIONS))), load_default=list)
    entities = fields.Nested(EntitiesSchema, load_default=Entities)
    confidence = fields.Float(load_default=1.0, allow_nan=False, validate=validate.Range(min=0.0, max=1.0))
    needs_clarification = fields.Boolean(load_default=False)
    clarification_question = fields.String(allow_none=True, load_default=None)
    source = fields.String(load_default="offline", validate=validate.OneOf(("offline", "llm")))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        service, operation = data.get("service"), data.get("operation")
        if service is None or operation is None:
            return  # already reported as missing
        if operation not in OPERATIONS_BY_SERVICE[service]:
            raise ValidationError(f"operation {operation!r} is not one of {service}'s", "operation")
        services = data.get("services") or []
        if service == "multi" and len(set(services)) < 2:
            raise ValidationError("a multi-service request lists at least two services", "services")
        if service in SERVICES and set(services) - {service}:
            raise ValidationError(f"services other than {service!r} need service 'multi'", "services")
        if service == "none" and services:
            raise ValidationError("service 'none' lists no services", "services")
        for op in data.get("operations") or []:
            if op not in OPERATIONS_BY_SERVICE[service]:
                raise ValidationError(f"operation {op!r} is not one of {service}'s", "operations")
        if data.get("needs_clarification") and not data.get("clarification_question"):
            raise ValidationError("a request that needs clarification needs the question", "clarification_question")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> ParsedIntent:
        return ParsedIntent(**data)


def load_intent(data: Mapping[str, Any] | str) -> ParsedIntent:
    """A ParsedIntent from its JSON (text or already decoded); raises marshmallow.ValidationError if invalid."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ValidationError("a ParsedIntent is a JSON object")
    return ParsedIntentSchema().load(data)


def dump_intent(intent: ParsedIntent) -> dict[str, Any]:
    """The JSON-ready dict of a ParsedIntent (same as `intent.to_dict()`)."""
    return ParsedIntentSchema().dump(intent)


def as_plain_dict(intent: ParsedIntent) -> dict[str, Any]:
    """The dataclass as nested dicts with datetime objects kept (for logs and debugging, not for JSON)."""
    return asdict(intent)


def llm_instructions() -> str:
    """The part of an LLM prompt that says what JSON to return (the fields, their vocabularies and rules).

    The caller adds the request, the current time with its timezone, and the person's own address.
    """
    ops = "\n".join(f"  - {name}: {what}" for name, what in OPERATIONS.items())
    by_service = "\n".join(f"  - {s}: {', '.join(sorted(OPERATIONS_BY_SERVICE[s]))}"
                           for s in SERVICES + ("none",))
    return f"""Return one JSON object and nothing else, with exactly these fields (no others):
{{
  "text": the request, verbatim,
  "service": one of {list(SERVICE_VALUES)}; "multi" when the request needs more than one service, "none" when it
             is out of scope or too vague to tell,
  "operation": the main operation (for a compound request, the last one, usually the one that changes something),
  "services": every service involved, in order of use ([] for "none"; exactly [service] for a single service),
  "operations": the operations in the order they happen (e.g. ["search", "create_event"]),
  "entities": {{
    "people": [{{"text": the mention as written, "role": one of {list(PERSON_ROLES)},
                "kind": one of {list(PERSON_KINDS)} ("relation" for "my boss", "reference" for "the sender", "them"),
                "emails": addresses only if written in the request (never invent one), "candidates": [],
                "ambiguous": false}}],
    "times": [{{"text": the expression as written, "start": ISO 8601 with offset or null, "end": … or null,
               "kind": "moment" (a point in time: start only, end null) or "range" ([start, end), one side may be
               null: "before Friday" has no start), "granularity": one of {list(GRANULARITIES)},
               "role": "filter" (narrows a search), "when" (the time to give an event or move it to) or
               "condition" (inside an "if …")}}],
    "durations": [{{"text": as written, "minutes": integer, "role": "length" or "shift" ("move it by 2 hours")}}],
    "subject": the subject/title to give a new email or event, or null,
    "body": the message text to send or reply with, or null,
    "titles": titles that identify existing emails, events or files,
    "recipients": email addresses written in the request to send/forward/share/invite to,
    "file_names": file names mentioned,
    "query": the topic words to search with, without people, times or verbs ("" if none),
    "selector": one of {list(SELECTORS)} or null ("my last email" → "latest", "my next meeting" → "next"),
    "condition": the "if …" part as written, or null
  }},
  "confidence": 0.0 to 1.0,
  "needs_clarification": true when you cannot act without asking (then operation may still be the likely one),
  "clarification_question": the question to ask, or null,
  "source": "llm"
}}
Operations:
{ops}
Operations allowed per service ("multi" allows any of them):
{by_service}
Resolve relative times ("tomorrow at 3", "last week", "the next 3 days") against the current time given below,
in its timezone; a bare hour from 1 to 7 means the afternoon (3 → 15:00), 8 to 11 the morning. Weeks start on
Monday. Quote titles and message text exactly as written."""
