"""Metadata filters: a fixed set of parameterised SQL conditions per service (never user text in SQL)."""
from __future__ import annotations

from typing import Any

_PERSON_IN = "EXISTS (SELECT 1 FROM jsonb_array_elements({column}) p WHERE p->>'email' = ANY(%({param})s))"

# service → filter field → SQL condition (parameters named after the field)
CONDITIONS: dict[str, dict[str, str]] = {
    "gmail": {
        "senders": "sender = ANY(%(senders)s)",
        "recipients": _PERSON_IN.format(column="recipients", param="recipients"),
        "after": "received_at >= %(after)s",
        "before": "received_at < %(before)s",
        "labels": "labels @> %(labels)s",
        "unread": "is_read = NOT %(unread)s",
        "has_attachment": "has_attachments = %(has_attachment)s",
    },
    "calendar": {
        "attendees": _PERSON_IN.format(column="attendees", param="attendees"),
        "after": "end_time > %(after)s",
        "before": "start_time < %(before)s",
    },
    "drive": {
        "mime_types": "mime_type = ANY(%(mime_types)s)",
        "owners": _PERSON_IN.format(column="owners", param="owners"),
        "after": "modified_at >= %(after)s",
        "before": "modified_at < %(before)s",
    },
}


def condition(service: str, values: dict[str, Any]) -> str:
    """The AND of the conditions for the filters that are set ('true' when none is)."""
    parts = [sql for name, sql in CONDITIONS[service].items() if values.get(name) not in (None, [], ())]
    return " AND ".join(parts) if parts else "true"
