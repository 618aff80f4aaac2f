"""A Calendar v3 Event resource → a gcal_cache row."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any


@dataclass
class EventRow:
    """One event as the index stores it (columns of gcal_cache)."""

    event_id: str
    calendar_id: str
    title: str
    description: str
    start_time: datetime
    end_time: datetime
    all_day: bool
    attendees: list[dict[str, Any]] = field(default_factory=list)
    organizer: str = ""
    location: str = ""
    meeting_link: str = ""
    html_link: str = ""
    status: str = "confirmed"
    recurring_event_id: str | None = None
    updated_at: datetime | None = None


def _instant(value: dict[str, Any] | None) -> tuple[datetime, bool]:
    """An event boundary as an aware datetime; all-day dates become midnight UTC."""
    value = value or {}
    if value.get("dateTime"):
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)), False
    if value.get("date"):
        return datetime.combine(date.fromisoformat(value["date"]), time(), tzinfo=timezone.utc), True
    raise ValueError("event has neither dateTime nor date")


def _rfc3339(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _meeting_link(event: dict[str, Any]) -> str:
    if event.get("hangoutLink"):
        return str(event["hangoutLink"])
    for entry in (event.get("conferenceData") or {}).get("entryPoints") or []:
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    return ""


def parse_event(event: dict[str, Any], calendar_id: str = "primary") -> EventRow:
    """The index row for an event (not for a cancelled tombstone: callers delete those)."""
    start, all_day = _instant(event.get("start"))
    end, _ = _instant(event.get("end") or event.get("start"))
    attendees = [{"email": (a.get("email") or "").lower(), "name": a.get("displayName", ""),
                  "response_status": a.get("responseStatus", ""), "organizer": bool(a.get("organizer"))}
                 for a in event.get("attendees") or [] if a.get("email")]
    return EventRow(
        event_id=event["id"],
        calendar_id=calendar_id,
        title=event.get("summary", ""),
        description=event.get("description", ""),
        start_time=start,
        end_time=max(end, start),
        all_day=all_day,
        attendees=attendees,
        organizer=((event.get("organizer") or {}).get("email") or "").lower(),
        location=event.get("location", ""),
        meeting_link=_meeting_link(event),
        html_link=event.get("htmlLink", ""),
        status=event.get("status", "confirmed"),
        recurring_event_id=event.get("recurringEventId"),
        updated_at=_rfc3339(event.get("updated")),
    )
