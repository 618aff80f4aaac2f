"""ParsedIntent → Plan: which agents run, what they are given, and what waits for what.

Reads go first (searches of each service involved, in parallel); a change is a `propose` step that refers to what
the search found, so it can only act on items that exist and are shown. Text that came from mail or files never
adds a step: the plan is made from the person's words alone, before anything is read.
"""
from __future__ import annotations

import re
from typing import Any

from server.intent.schema import SERVICES, ParsedIntent, TimeRange
from server.pipeline.plan import Condition, Plan, Step, build

DEFAULT_EVENT_MINUTES = 30
_CLOCK_ONLY = re.compile(r"^(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)?|noon|midday)$", re.I)
ALL_LIMIT = 25  # "forward all the emails from Sofia last week": at most this many at once


def plan_for(intent: ParsedIntent, picked: list[dict[str, Any]] | None = None) -> Plan:
    """The steps that answer `intent` (none for out-of-scope or unclear requests: the answer says why). `picked`:
    the items of the previous answer a follow-up points at ("reply to the second one"), acted on without a search."""
    if intent.needs_clarification or intent.operation in ("out_of_scope", "needs_clarification"):
        return build([])
    op = intent.operation
    service = intent.service if intent.service in SERVICES else _first_service(intent)
    if picked:
        return build(_on_picked(intent, service, picked))
    builders = {"search": _search, "read": _search, "lookup_contact": _search, "trash": _targeted,
                "forward": _targeted, "reply": _targeted, "update_event": _targeted, "delete_event": _targeted,
                "share": _targeted, "send": _send, "draft": _send, "create_event": _create_event,
                "free_slots": _free_slots, "cancel_booking": _cancel_booking}
    steps = builders.get(op, _search)(intent, service)
    return build(steps)


def _first_service(intent: ParsedIntent) -> str:
    return next((s for s in intent.services if s in SERVICES), "gmail")


def _services(intent: ParsedIntent, service: str) -> list[str]:
    wanted = [s for s in intent.services if s in SERVICES] or [service]
    return list(dict.fromkeys(wanted))


def _search_step(step_id: str, service: str, intent: ParsedIntent, limit: int = 10) -> Step:
    # The people the classifier resolved go along: "sofia is off sick, cancel my next meeting with them" names
    # Sofia where no "with"/"from" does.
    named = {p.role: [] for p in intent.entities.people}
    for p in intent.entities.people:
        if p.kind in ("name", "email") and len(p.emails) == 1:
            named[p.role].append(p.emails[0])
    return Step(step_id, service, "search", {"text": intent.text, "limit": limit,
                                             "people": {k: v for k, v in named.items() if v}},
                title={"gmail": "Searching your email", "calendar": "Searching your calendar",
                       "drive": "Searching your Drive"}[service])


def _search(intent: ParsedIntent, service: str) -> list[Step]:
    """One search per service involved, all at once."""
    return [_search_step(f"s{i + 1}", s, intent) for i, s in enumerate(_services(intent, service))]


# operation → (agent, action kind, the argument naming the target)
_TARGETED = {
    "trash": ("gmail", "trash_email", "email_id"),
    "forward": ("gmail", "forward", "email_id"),
    "reply": ("gmail", "reply", "email_id"),
    "update_event": ("calendar", "update_event", "event_id"),
    "delete_event": ("calendar", "delete_event", "event_id"),
    "share": ("drive", "share_file", "file_id"),
}


def _targeted(intent: ParsedIntent, service: str) -> list[Step]:
    """Find the item(s), then propose the change for each: "all" acts on every match, otherwise on the first."""
    if intent.operation == "trash" and service == "drive":
        return _search(intent, service)  # no Drive trash action yet: show the files, the answer says so
    agent = _TARGETED[intent.operation][0]
    every = intent.entities.selector == "all"
    first = _search_step("s1", agent, intent, limit=ALL_LIMIT if every else 1)
    if every:
        # A change to "all the emails from Sofia last week about 'X'" touches only what matches every filter and
        # every topic word (the quoted title when there is one), never the merely similar.
        first.args["strict"] = True
    steps = [first]
    # Other services the person named are searched alongside, for context ("...and the flight in my calendar").
    steps += [_search_step(f"c{i + 1}", s, intent) for i, s in enumerate(_services(intent, service)) if s != agent]
    steps.append(_change(intent, {"from": "s1", "path": "items[*].id" if every else "items[0].id"}))
    return steps


def _on_picked(intent: ParsedIntent, service: str, picked: list[dict[str, Any]]) -> list[Step]:
    """A follow-up on items the previous answer listed: read them, or propose the change on exactly those."""
    ids = [item["id"] for item in picked]
    if intent.operation not in _TARGETED or (intent.operation == "trash" and service == "drive"):
        return [Step("r1", service, "read", {"ids": ids}, title="Opening it")]
    return [_change(intent, ids)]


def _change(intent: ParsedIntent, targets: Any) -> Step:
    """The propose step of a change to `targets` (ids, or a reference to a search's results)."""
    agent, kind, target = _TARGETED[intent.operation]
    e = intent.entities
    args: dict[str, Any] = {"kind": kind, "target": target, "targets": targets}
    if kind == "forward":
        args["args"] = {"to": _recipients(intent), "note": e.body or ""}
    elif kind == "reply":
        args["args"] = {"body": e.body or ""}
    elif kind == "share_file":
        args["args"] = {"emails": _recipients(intent), "role": "reader"}
    elif kind == "update_event":
        args["args"] = _event_change(intent)
    else:
        args["args"] = {}
    return Step("a1", agent, "propose", args, title="Preparing the change for your confirmation")


def _send(intent: ParsedIntent, service: str) -> list[Step]:
    """A new email: sent ("send", "email X that…") or saved in Drafts ("draft an email to…")."""
    e = intent.entities
    kind = "draft_email" if intent.operation == "draft" else "send_email"
    return [Step("a1", "gmail", "propose", {"kind": kind, "args": {
        "to": _recipients(intent), "subject": e.subject or "", "body": e.body or ""}},
        title="Preparing the email for your confirmation")]


def _cancel_booking(intent: ParsedIntent, service: str) -> list[Step]:
    """"Cancel my Turkish Airlines flight": the booking's confirmation email and its upcoming calendar entry are
    looked up at once; a cancellation email is drafted from the booking, and removing the calendar entry is offered
    — two pending actions, each confirmed on its own, and neither sends anything."""
    mail = _search_step("s1", "gmail", intent, limit=1)
    event = _search_step("s2", "calendar", intent, limit=1)
    event.args["upcoming"] = True  # a booking to cancel is ahead, not the one flown last year
    draft = Step("d1", "gmail", "compose_cancellation", {
        "email_id": {"from": "s1", "path": "items[0].id"}, "event_ids": {"from": "s2", "path": "items[*].id"}},
        condition=Condition("s1", "something"), title="Drafting the cancellation")
    steps = [mail, event, draft, Step("a1", "gmail", "propose", {"kind": "draft_email", "args": {
        key: {"from": "d1", "path": f"items[0].{key}"} for key in ("to", "subject", "body", "email_id")}},
        condition=Condition("d1", "something"), title="Preparing the draft for your confirmation")]
    steps.append(Step("a2", "calendar", "propose", {
        "kind": "delete_event", "target": "event_id", "targets": {"from": "s2", "path": "items[0].id"}, "args": {}},
        condition=Condition("s2", "something"), title="Preparing to remove it from your calendar"))
    return steps


def _create_event(intent: ParsedIntent, service: str) -> list[Step]:
    """Propose the event. "If I haven't met X in N days" / "if X hasn't emailed me" first looks for such a meeting
    or mail and goes on only if there is none; "with the sender" of an email found first takes its address; a day
    without a time ("for tomorrow", "my first free slot") takes the first free slot of that day."""
    e = intent.entities
    when = _time(intent, "when") or _time(intent, "filter")
    minutes = next((d.minutes for d in e.durations if d.role == "length"), DEFAULT_EVENT_MINUTES)
    steps: list[Step] = []
    attendees: list[Any] = _recipients(intent) + _referred(intent)
    if any(p.kind == "reference" and p.role == "attendee" and p.text.lower().startswith("the ")
           for p in e.people) and "gmail" in intent.services:
        # "…schedule a meeting with the sender": the sender of the email the request asked to find.
        steps.append(_search_step("s1", "gmail", intent, limit=1))
        attendees.append({"from": "s1", "path": "items[0].who"})
    args: dict[str, Any] = {"title": e.subject or (e.titles[0] if e.titles else "") or "Meeting",
                            "minutes": minutes, "attendees": attendees}
    if when and when.start and when.granularity in ("day", "week", "month", "part_of_day"):
        steps.append(Step("f1", "calendar", "free_slots", {
            "after": when.start.isoformat(), "before": when.end.isoformat() if when.end else None,
            "minutes": minutes}, title="Looking for free time"))
        args["start"] = {"from": "f1", "path": "items[0].at"}
    else:
        args["start"] = when.start.isoformat() if when and when.start else None
    condition = None
    if e.condition:
        steps.append(_condition_step(intent))
        condition = Condition("k1", "nothing")
    steps.append(Step("a1", "calendar", "propose", {"kind": "create_event", "args": args}, condition=condition,
                      title="Preparing the event for your confirmation"))
    return steps


def _condition_step(intent: ParsedIntent) -> Step:
    """The look-up an "if" depends on: mail from the person (Gmail) or a meeting with them (Calendar)."""
    window = _time(intent, "condition")
    bounds = {"after": window.start.isoformat() if window and window.start else None,
              "before": window.end.isoformat() if window and window.end else None}
    senders = [a for p in intent.entities.people if p.role == "sender" for a in p.emails]
    if intent.services and intent.services[0] == "gmail" and senders:
        return Step("k1", "gmail", "search", {"text": "", "limit": 1, "senders": senders, **bounds},
                    title="Checking for their emails")
    return Step("k1", "calendar", "search", {"text": "", "limit": 1, "attendees": _people(intent), **bounds},
                title="Checking the calendar")


def _referred(intent: ParsedIntent) -> list[str]:
    """"…with them": a pronoun stands for the people named by name or address elsewhere in the request."""
    people = intent.entities.people
    if not any(p.kind == "reference" and not p.text.lower().startswith("the ") for p in people):
        return []
    return [p.emails[0] for p in people if p.kind in ("name", "email") and len(p.emails) == 1]


def _free_slots(intent: ParsedIntent, service: str) -> list[Step]:
    window = _time(intent, "filter") or _time(intent, "when")
    minutes = next((d.minutes for d in intent.entities.durations if d.role == "length"), DEFAULT_EVENT_MINUTES)
    return [Step("s1", "calendar", "free_slots", {
        "after": window.start.isoformat() if window and window.start else None,
        "before": window.end.isoformat() if window and window.end else None,
        "minutes": minutes, "attendees": _people(intent)}, title="Looking for free time")]


def _event_change(intent: ParsedIntent) -> dict[str, Any]:
    """Move by a shift ("push back by 2 hours"), to a time ("move it to 4pm"), and/or rename."""
    e = intent.entities
    change: dict[str, Any] = {}
    shift = next((d.minutes for d in e.durations if d.role == "shift"), None)
    when = _time(intent, "when")
    if shift is not None:
        change["shift_minutes"] = shift
    elif when and when.start and _CLOCK_ONLY.match(when.text.strip()):
        change["at_time"] = when.start.strftime("%H:%M")  # "move it to 4pm": 4pm on the event's own day
    elif when and when.start:
        change["start"] = when.start.isoformat()
    length = next((d.minutes for d in e.durations if d.role == "length"), None)
    if length is not None:
        change["length_minutes"] = length
    if e.subject:
        change["title"] = e.subject
    return change


def _time(intent: ParsedIntent, role: str) -> TimeRange | None:
    return next((t for t in intent.entities.times if t.role == role), None)


def _recipients(intent: ParsedIntent) -> list[str]:
    """Addresses written out, and people named as recipients who resolved to exactly one address."""
    found = list(intent.entities.recipients)
    for person in intent.entities.people:
        if person.role in ("recipient", "share_with", "attendee") and len(person.emails) == 1:
            found.append(person.emails[0])
    return list(dict.fromkeys(a.lower() for a in found))


def _people(intent: ParsedIntent) -> list[str]:
    return [a for p in intent.entities.people for a in p.emails]
