"""The agents: what each step of a plan does, for one person.

Reads go to the local index (search, read, free time); a change becomes a PendingAction with a preview
(`server.actions.propose`) and nothing more — it runs only when the person confirms. Each step takes its own
connection from the pool, so steps of one request run side by side.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import numpy as np
from psycopg_pool import ConnectionPool

from server import actions
from server.pipeline import booking, followup
from server.pipeline.plan import Step, StepResult
from server.search import SearchFilters, people, search
from server.search.understand import understand
from server.store.users import User

log = logging.getLogger(__name__)

WORK_START, WORK_END = time(9), time(17)  # free slots are offered within working hours, weekdays


@dataclass
class AgentContext:
    """Who the agents act for, and with what."""

    pool: ConnectionPool
    user: User
    now: datetime
    embed: Callable[[str], np.ndarray | None]
    conversation_id: uuid.UUID | None = None
    # name → what the person's index says it may mean; one request asks the same names again and again
    # (classifier, each search step), so the face passes a memo. None: ask the index each time.
    resolve: Callable[[str], people.Resolution] | None = None
    # The conversation's last turns that listed items, newest first, for follow-ups ("reply to the second one",
    # "and from Bob?").
    history: list[followup.Previous] = field(default_factory=list)


def run_step(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    """Do one step (the orchestrator's `run_step`)."""
    handler = {"search": _search, "read": _read, "free_slots": _free_slots, "propose": _propose,
               "compose_cancellation": _compose_cancellation}.get(step.op)
    if handler is None:
        return StepResult(step.id, False, error="invalid", message=f"unknown operation {step.op}")
    return handler(ctx, step, args)


def _search(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    service = step.agent
    with ctx.pool.connection() as conn:
        explicit = {k: args.get(k) for k in ("attendees", "senders", "after", "before") if args.get(k)}
        strict = bool(args.get("strict"))
        if explicit:  # a planner-built search (the condition of "if I haven't met X"): no words to read
            filters = SearchFilters(attendees=explicit.get("attendees", []), senders=explicit.get("senders", []),
                                    after=_at(explicit.get("after")), before=_at(explicit.get("before")))
            text, order, who = "", "oldest", {}
        else:
            resolve = ctx.resolve or (lambda name: people.resolve(conn, ctx.user.id, name, me=ctx.user.email))
            u = understand(args.get("text", ""), service, ctx.now, lambda name: resolve(name).emails)
            filters, order, who = u.filters, u.order, u.people
            _add_named_people(filters, service, args.get("people") or {})
            if args.get("upcoming"):
                filters.after = max(filters.after or ctx.now, ctx.now)
            # A change to "all of them" is made on what matches the quoted title (or every topic word) only.
            text = " ".join(f'"{q}"' for q in u.quoted) if strict and u.quoted else u.text
            if strict and order == "relevance":
                order = "newest"
        vector = ctx.embed(args.get("text", "")) if text or not explicit else None
        hits = search(conn, service, ctx.user.id, text, vector, filters, limit=int(args.get("limit", 10)),
                      now=ctx.now, order=order, every_word=strict)
    if any(h.fvec_rank is not None for h in hits) and _names_who_or_when(filters, service):
        # Someone who names a day or a person means it: once something matches, what doesn't is left out
        # (the ranking alone would list "my meetings on December 5" with November's meetings after them).
        hits = [h for h in hits if h.fvec_rank is not None]
    items = [{"service": h.service, "id": h.id, "title": h.title, "snippet": h.snippet,
              "at": h.at.isoformat() if h.at else None, "who": h.who, "who_name": h.who_name, "link": h.link,
              "score": round(h.score, 6)} for h in hits]
    return StepResult(step.id, True, items=items, data={"people": who, "order": order})


def _names_who_or_when(filters: SearchFilters, service: str) -> bool:
    values = filters.for_service(service)
    return any(values.get(k) for k in ("senders", "recipients", "attendees", "owners", "after", "before"))


_READ_SQL = {
    "gmail": "SELECT email_id, subject, sender, body_full, received_at FROM gmail_cache"
             " WHERE user_id = %s AND email_id = ANY(%s)",
    "calendar": "SELECT event_id, title, organizer, description, start_time FROM gcal_cache"
                " WHERE user_id = %s AND event_id = ANY(%s)",
    "drive": "SELECT file_id, name, coalesce(owners->0->>'email', ''), content_text, modified_at FROM gdrive_cache"
             " WHERE user_id = %s AND file_id = ANY(%s)",
}


def _add_named_people(filters: SearchFilters, service: str, named: dict[str, list[str]]) -> None:
    """People the classifier resolved, where the words themselves gave the search nobody: the sender for mail,
    whoever was named for events (never a recipient of what is to be sent)."""
    if service == "gmail" and not (filters.senders or filters.recipients):
        filters.senders = list(named.get("sender", []))
    elif service == "calendar" and not filters.attendees:
        filters.attendees = [a for role in ("attendee", "mentioned", "sender") for a in named.get(role, [])]


def _read(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    ids = args.get("ids") or []
    with ctx.pool.connection() as conn:
        rows = conn.execute(_READ_SQL[step.agent], (ctx.user.id, list(ids))).fetchall()
    rows.sort(key=lambda r: ids.index(r[0]))  # in the order asked ("the second one, then the first")
    items = [{"service": step.agent, "id": r[0], "title": r[1], "who": r[2], "text": (r[3] or "")[:4000],
              "at": r[4].isoformat() if r[4] else None} for r in rows]
    return StepResult(step.id, True, items=items)


def _compose_cancellation(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    """A cancellation draft for the booking in email `email_id` (and the calendar entries `event_ids` made for it)."""
    with ctx.pool.connection() as conn:
        mail = conn.execute("SELECT subject, sender, body_full FROM gmail_cache WHERE user_id = %s AND email_id = %s",
                            (ctx.user.id, args["email_id"])).fetchone()
        event = conn.execute("SELECT title, start_time FROM gcal_cache WHERE user_id = %s AND event_id = ANY(%s)"
                             " ORDER BY start_time LIMIT 1",
                             (ctx.user.id, list(args.get("event_ids") or []))).fetchone()
    if mail is None:
        return StepResult(step.id, False, error="not_found", message="the booking email is no longer there")
    zone = ZoneInfo(ctx.user.timezone or "UTC")
    draft = booking.cancellation(email_id=args["email_id"], subject=mail[0], sender=mail[1], body=mail[2] or "",
                                 me=ctx.user.display_name or _name_from(ctx.user.email),
                                 event_title=event[0] if event else None,
                                 event_start=event[1].astimezone(zone) if event else None)
    return StepResult(step.id, True, items=[{
        "title": draft.subject, "to": draft.to, "subject": draft.subject, "body": draft.body,
        "email_id": draft.in_thread_of, "reference": draft.reference, "sender": mail[1], "no_reply": draft.no_reply,
        "how_to_cancel": draft.how_to_cancel}])


def _name_from(address: str) -> str:
    """"chen.wei@x.com" → "Chen Wei": a sign-off when the account has no display name."""
    return " ".join(address.split("@")[0].replace("_", ".").split(".")).title()


def _free_slots(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    """Gaps of at least `minutes` between the person's events, on weekdays within working hours."""
    zone = ZoneInfo(ctx.user.timezone or "UTC")
    start = max(_at(args.get("after")) or ctx.now, ctx.now)
    end = _at(args.get("before")) or start + timedelta(days=5)
    minutes = int(args.get("minutes") or 30)
    with ctx.pool.connection() as conn:
        busy = conn.execute("SELECT start_time, end_time FROM gcal_cache WHERE user_id = %s AND end_time > %s"
                            " AND start_time < %s AND status <> 'cancelled' ORDER BY start_time",
                            (ctx.user.id, start, end)).fetchall()
    slots: list[dict[str, Any]] = []

    def offer(a: datetime, b: datetime) -> None:
        if b - a >= timedelta(minutes=minutes):
            slots.append({"id": f"slot-{len(slots) + 1}", "title": "Free", "at": a.isoformat(), "end": b.isoformat()})

    day = start.astimezone(zone).date()
    while datetime.combine(day, WORK_START, zone) < end and len(slots) < 10:
        opens, closes = max(datetime.combine(day, WORK_START, zone), start), \
            min(datetime.combine(day, WORK_END, zone), end)
        if day.weekday() < 5 and opens < closes:
            cursor = opens
            for b_start, b_end in busy:
                if b_end <= cursor:
                    continue
                if b_start >= closes:
                    break
                offer(cursor, b_start)
                cursor = max(cursor, b_end)
            offer(cursor, closes)
        day += timedelta(days=1)
    return StepResult(step.id, True, items=slots[:10])


def _propose(ctx: AgentContext, step: Step, args: dict[str, Any]) -> StepResult:
    """One pending action per target (or one without a target, e.g. a new email or event)."""
    kind, base = args["kind"], dict(args.get("args") or {})
    targets = args.get("targets")
    targets = [None] if targets is None else list(dict.fromkeys(targets if isinstance(targets, list) else [targets]))
    proposed, problems = [], []
    with ctx.pool.connection() as conn:
        for target in targets:
            action_args = {**base, **({args["target"]: target} if target is not None else {})}
            if kind == "update_event":
                action_args = _moved(conn, ctx, action_args)
            elif kind == "create_event":
                action_args = _timed(action_args)
            try:
                # Expiry runs on the wall clock (15 minutes from when the person sees it), never on a frozen
                # "now" that only says how to read the data's dates.
                action = actions.propose(conn, ctx.user.id, kind, action_args,
                                         conversation_id=ctx.conversation_id)
            except actions.InvalidAction as exc:
                problems.append(str(exc))
                continue
            proposed.append({"id": str(action.id), "kind": action.kind, "preview": action.preview,
                             "expires_at": action.expires_at.isoformat(), "title": action.preview.get("title", "")})
    if not proposed:
        return StepResult(step.id, False, error="invalid", message="; ".join(problems) or "nothing to do")
    return StepResult(step.id, True, items=proposed, data={"problems": problems})


def _timed(args: dict[str, Any]) -> dict[str, Any]:
    """A new event's end from its start and length; attendees the person named, each once."""
    minutes = args.pop("minutes", None)
    start = _at(args.get("start"))
    if start is not None and minutes and not args.get("end"):
        args["end"] = (start + timedelta(minutes=int(minutes))).isoformat()
    args["attendees"] = list(dict.fromkeys(a for a in args.get("attendees", []) if a))
    return args


def _moved(conn: Any, ctx: AgentContext, args: dict[str, Any]) -> dict[str, Any]:
    """An event change in the action's terms: a shift or a new start keeps the length unless one is given."""
    shift, length = args.pop("shift_minutes", None), args.pop("length_minutes", None)
    row = conn.execute("SELECT start_time, end_time FROM gcal_cache WHERE user_id = %s AND event_id = %s",
                       (ctx.user.id, args["event_id"])).fetchone()
    if row is None:
        return args
    old_start, old_end = row
    start = old_start + timedelta(minutes=shift) if shift is not None else _at(args.get("start"))
    at_time = args.pop("at_time", None)
    if at_time is not None:  # a time of day alone: the same day as the event, in the person's zone
        zone = ZoneInfo(ctx.user.timezone or "UTC")
        start = datetime.combine(old_start.astimezone(zone).date(), time.fromisoformat(at_time), zone)
    if start is not None:
        args["start"] = start.isoformat()
        args["end"] = (start + (timedelta(minutes=length) if length else old_end - old_start)).isoformat()
    elif length is not None:
        args["end"] = (old_start + timedelta(minutes=length)).isoformat()
    return args


def _at(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
