"""The human preview of a proposed action, built from the local index (and Google where the index cannot know).

A preview is `{"title": str, "lines": [str], "details": {...}, "warnings": [str]}`: `title` and `lines` are what a
card shows, `details` the same facts structured (faces render them their own way), `warnings` what deserves a
second look (people outside the person's domain gaining access to a file, clashing events, attachments left out).

What runs is what the person saw: values the preview resolves (the reply's recipients and subject, the new end
of a moved event) are kept in `details` and the executor takes them from there.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Callable

import psycopg

from server.actions import lookup
from server.actions.errors import InvalidAction
from server.actions.kinds import UNDOABLE, parse_time
from server.actions.store import user_zone
from server.google import writes
from server.store.users import User

Preview = dict[str, Any]
NOT_UNDOABLE = "Once sent, an email cannot be unsent."


# -- formatting ----------------------------------------------------------------------------------------


def _day(value: datetime) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def span(start: datetime, end: datetime, tz: tzinfo, all_day: bool = False) -> str:
    """"Thu 30 Nov 15:00–15:30" in `tz` (across days: "Thu 30 Nov 23:00 – Fri 1 Dec 01:00")."""
    if all_day:
        return f"{_day(start.astimezone(tz))} (all day)"
    s, e = start.astimezone(tz), end.astimezone(tz)
    if s.date() == e.date():
        return f"{_day(s)} {s:%H:%M}–{e:%H:%M}"
    return f"{_day(s)} {s:%H:%M} – {_day(e)} {e:%H:%M}"


def move(old: tuple[datetime, datetime], new: tuple[datetime, datetime], tz: tzinfo, all_day: bool = False) -> str:
    """"Thu 30 Nov 15:00–15:30 → 16:00–16:30" (the day repeated only when it changes)."""
    before = span(old[0], old[1], tz, all_day)
    s, e = new[0].astimezone(tz), new[1].astimezone(tz)
    if s.date() == e.date() == old[0].astimezone(tz).date() and not all_day:
        return f"{before} → {s:%H:%M}–{e:%H:%M}"
    return f"{before} → {span(new[0], new[1], tz)}"


def sent_at(value: datetime, tz: tzinfo) -> str:
    """"Thu 30 Nov 2023 09:12"."""
    local = value.astimezone(tz)
    return f"{_day(local)} {local.year} {local:%H:%M}"


def person(email: str, name: str | None = None) -> str:
    """"Name <email>", or the address alone."""
    return f"{name} <{email}>" if name and name.lower() != email.lower() else email


def domain_of(email: str) -> str:
    """The part after @, lower case."""
    return email.rpartition("@")[2].lower()


def outside(emails: list[str], home: str) -> list[dict[str, str]]:
    """The addresses not in the `home` domain, each with its domain."""
    return [{"email": e, "domain": domain_of(e)} for e in emails if domain_of(e) != home]


def _outside_line(external: list[dict[str, str]], home: str, prefix: str = "Outside") -> str:
    return f"{prefix} {home}: " + ", ".join(f"{x['email']} ({x['domain']})" for x in external)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _prefixed(prefix: str, subject: str) -> str:
    """"Re: subject", without stacking a second "Re:"."""
    return subject if subject.lower().startswith(prefix.lower()) else f"{prefix} {subject}".strip()


# -- per kind ------------------------------------------------------------------------------------------


class _Context:
    """What every builder needs: the connection, the person, their zone and domain, their Google (optional)."""

    def __init__(self, conn: psycopg.Connection[Any], user: User, google: Any) -> None:
        self.conn, self.user, self.google = conn, user, google
        self.tz = user_zone(user.timezone)
        self.domain = domain_of(user.email)

    def message(self, email_id: str) -> dict[str, Any]:
        row = lookup.message(self.conn, self.user.id, email_id, self.google)
        if row is None:
            raise InvalidAction(f"There is no email {email_id!r} in this mailbox.", {"email_id": ["not found"]})
        return row

    def event(self, event_id: str) -> dict[str, Any]:
        row = lookup.event(self.conn, self.user.id, event_id, self.google)
        if row is None:
            raise InvalidAction(f"There is no event {event_id!r} in this calendar.", {"event_id": ["not found"]})
        return row

    def clashes(self, start: datetime, end: datetime, exclude: str | None = None) -> list[dict[str, Any]]:
        return [{"event_id": r["event_id"], "title": r["title"], "start": _iso(r["start_time"]),
                 "end": _iso(r["end_time"]), "when": span(r["start_time"], r["end_time"], self.tz)}
                for r in lookup.overlapping(self.conn, self.user.id, start, end, exclude)]


def _preview(title: str, lines: list[str], details: dict[str, Any], warnings: list[str] | None = None) -> Preview:
    return {"title": title, "lines": [line for line in lines if line], "details": details,
            "warnings": warnings or []}


def _send_email(ctx: _Context, args: dict[str, Any]) -> Preview:
    subject = args["subject"]
    external = outside(args["to"] + args["cc"], ctx.domain)
    details = {"to": args["to"], "cc": args["cc"], "subject": subject, "body": args["body"],
               "external": external}
    return _preview(
        f"Send “{subject or '(no subject)'}”",
        [f"To: {', '.join(args['to'])}", f"Cc: {', '.join(args['cc'])}" if args["cc"] else "",
         f"Subject: {subject or '(no subject)'}", _outside_line(external, ctx.domain) if external else "",
         args["body"], NOT_UNDOABLE],
        details, [] if subject.strip() else ["The email has no subject."])


def _draft_email(ctx: _Context, args: dict[str, Any]) -> Preview:
    subject = args["subject"]
    external = outside(args["to"] + args["cc"], ctx.domain)
    details = {"to": args["to"], "cc": args["cc"], "subject": subject, "body": args["body"],
               "email_id": args["email_id"], "thread_id": None, "external": external}
    in_thread = ""
    if args["email_id"]:
        row = ctx.message(args["email_id"])
        details["thread_id"] = row["thread_id"]
        in_thread = (f"In the thread of “{row['subject'] or '(no subject)'}” from "
                     f"{person(row['sender'], row['sender_name'])}")
    return _preview(
        f"Save a draft “{subject or '(no subject)'}”",
        [f"To: {', '.join(args['to'])}" if args["to"] else "To: nobody yet (add a recipient in Gmail)",
         f"Cc: {', '.join(args['cc'])}" if args["cc"] else "", f"Subject: {subject or '(no subject)'}", in_thread,
         _outside_line(external, ctx.domain) if external else "", args["body"],
         "Nothing is sent: the draft waits in Gmail's Drafts. Undo deletes it."],
        details, [] if args["to"] else ["The draft has no recipient yet."])


def _reply_recipients(ctx: _Context, original: dict[str, Any]) -> list[str]:
    """The original's sender, or, replying to one's own message, whoever it was sent to."""
    if original["sender"] and original["sender"] != ctx.user.email:
        return [original["sender"]]
    to = [r["email"] for r in original["recipients"] if r.get("kind") == "to" and r["email"] != ctx.user.email]
    return to or [ctx.user.email]


def _original(ctx: _Context, row: dict[str, Any]) -> dict[str, Any]:
    return {"email_id": row["email_id"], "subject": row["subject"], "sender": row["sender"],
            "sender_name": row["sender_name"], "date": _iso(row["received_at"]),
            "when": sent_at(row["received_at"], ctx.tz)}


def _reply(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = ctx.message(args["email_id"])
    to = _reply_recipients(ctx, row)
    subject = _prefixed("Re:", row["subject"])
    original = _original(ctx, row)
    details = {"email_id": row["email_id"], "thread_id": row["thread_id"], "to": to, "subject": subject,
               "body": args["body"], "original": original, "external": outside(to, ctx.domain)}
    return _preview(
        f"Reply to “{row['subject'] or '(no subject)'}”",
        [f"To: {', '.join(to)}", f"Subject: {subject}",
         f"In reply to {person(row['sender'], row['sender_name'])}, {original['when']} (in the same thread)",
         args["body"], NOT_UNDOABLE],
        details)


def _forward(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = ctx.message(args["email_id"])
    subject = _prefixed("Fwd:", row["subject"])
    original = _original(ctx, row)
    external = outside(args["to"], ctx.domain)
    left_out = [a.get("filename", "") for a in row.get("attachments") or []]
    details = {"email_id": row["email_id"], "to": args["to"], "subject": subject, "note": args["note"],
               "original": original, "external": external, "attachments_left_out": left_out}
    warnings = [f"Attachments are not forwarded: {', '.join(left_out)}."] if left_out else []
    return _preview(
        f"Forward “{row['subject'] or '(no subject)'}”",
        [f"To: {', '.join(args['to'])}", f"Subject: {subject}",
         _outside_line(external, ctx.domain) if external else "", args["note"],
         f"Includes the email from {person(row['sender'], row['sender_name'])}, {original['when']}, "
         f"with its text and headers", NOT_UNDOABLE],
        details, warnings)


def _trash_email(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = ctx.message(args["email_id"])
    original = _original(ctx, row)
    return _preview(
        f"Move “{row['subject'] or '(no subject)'}” to Trash",
        [f"From: {person(row['sender'], row['sender_name'])}", f"Date: {original['when']}",
         f"Subject: {row['subject'] or '(no subject)'}", "It can be restored with Undo."],
        {**original, "thread_id": row["thread_id"]})


def _attendee_line(attendees: list[str], verb: str) -> str:
    return f"{verb}: {', '.join(attendees)}" if attendees else ""


def _create_event(ctx: _Context, args: dict[str, Any]) -> Preview:
    start, end = parse_time(args["start"]), parse_time(args["end"])
    clashes = ctx.clashes(start, end)
    external = outside(args["attendees"], ctx.domain)
    details = {"title": args["title"], "start": args["start"], "end": args["end"],
               "when": span(start, end, ctx.tz), "attendees": args["attendees"], "description": args["description"],
               "external": external, "clashes": clashes, "time_zone": str(ctx.tz)}
    return _preview(
        f"Create “{args['title']}”",
        [f"When: {details['when']}", _attendee_line(args["attendees"], "Invites (they get an email)"),
         _outside_line(external, ctx.domain, "Invites outside") if external else "",
         f"Description: {args['description']}" if args["description"] else ""],
        details, [f"Overlaps “{c['title']}” ({c['when']})." for c in clashes])


def _update_event(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = ctx.event(args["event_id"])
    old_start, old_end = row["start_time"], row["end_time"]
    if "start" in args:
        new_start = parse_time(args["start"])
        new_end = parse_time(args["end"]) if "end" in args else new_start + (old_end - old_start)
    else:
        new_start = old_start
        new_end = parse_time(args["end"]) if "end" in args else old_end
    if new_end <= new_start:
        raise InvalidAction("Invalid update_event: end: must be after the event's start", {"end": ["too early"]})
    timed = (new_start, new_end) != (old_start, old_end)
    title = args.get("title", row["title"])
    renamed = title != row["title"]
    all_day = bool(row["all_day"]) and not timed
    attendees = [a["email"] for a in row["attendees"] or [] if a.get("email") != ctx.user.email]
    when = move((old_start, old_end), (new_start, new_end), ctx.tz, row["all_day"]) if timed else \
        span(old_start, old_end, ctx.tz, row["all_day"])
    verb = "Change" if timed and renamed else ("Move" if timed else ("Rename" if renamed else "Update"))
    details = {"event_id": row["event_id"], "when": when, "attendees": attendees,
               "old": {"title": row["title"], "start": _iso(old_start), "end": _iso(old_end),
                       "all_day": bool(row["all_day"])},
               "new": {"title": title, "start": _iso(new_start), "end": _iso(new_end), "all_day": all_day},
               "moved": timed, "renamed": renamed}
    clashes = ctx.clashes(new_start, new_end, exclude=row["event_id"]) if timed else []
    details["clashes"] = clashes
    return _preview(
        f"{verb} “{row['title']}”",
        [f"When: {when}", f"Title: “{row['title']}” → “{title}”" if renamed else "",
         _attendee_line(attendees, "Attendees (they get the update)")],
        details, [f"Overlaps “{c['title']}” ({c['when']})." for c in clashes])


def _delete_event(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = ctx.event(args["event_id"])
    attendees = [a["email"] for a in row["attendees"] or [] if a.get("email") != ctx.user.email]
    when = span(row["start_time"], row["end_time"], ctx.tz, row["all_day"])
    details = {"event_id": row["event_id"], "title": row["title"], "start": _iso(row["start_time"]),
               "end": _iso(row["end_time"]), "when": when, "attendees": attendees}
    return _preview(
        f"Delete “{row['title']}”",
        [f"When: {when}", _attendee_line(attendees, "Attendees (they are told it is cancelled)"),
         "It can be restored with Undo."],
        details)


def _permissions(ctx: _Context, row: dict[str, Any], file_id: str) -> list[dict[str, str]]:
    """Who can open the file now: live from Drive when the user's clients are at hand, else the index's copy."""
    if ctx.google is not None:
        return [{"type": p.get("type", ""), "role": p.get("role", ""),
                 "email": (p.get("emailAddress") or "").lower(), "domain": p.get("domain", "")}
                for p in writes.list_permissions(ctx.google, file_id)]
    owners = [{"type": "user", "role": "owner", "email": o["email"], "domain": ""} for o in row["owners"] or []]
    return owners + [{k: p.get(k, "") for k in ("type", "role", "email", "domain")}
                     for p in row["shared_with"] or []]


def _holder(p: dict[str, str]) -> str:
    if p["type"] == "anyone":
        return "anyone with the link"
    if p["type"] == "domain":
        return f"everyone at {p['domain']}"
    return p["email"]


def _share_file(ctx: _Context, args: dict[str, Any]) -> Preview:
    row = lookup.drive_file(ctx.conn, ctx.user.id, args["file_id"], ctx.google)
    if row is None:
        raise InvalidAction(f"There is no file {args['file_id']!r} in this Drive.", {"file_id": ["not found"]})
    existing = _permissions(ctx, row, args["file_id"])
    has = {p["email"]: p["role"] for p in existing if p["email"]}
    add = [e for e in args["emails"] if e not in has]
    already = [{"email": e, "role": has[e]} for e in args["emails"] if e in has]
    external = outside(add, ctx.domain)
    role = args["role"]
    details = {"file_id": args["file_id"], "name": row["name"], "link": row.get("web_link", ""), "role": role,
               "add": add, "already": already, "external": external,
               "external_domains": sorted({x["domain"] for x in external}),
               "existing": [{"who": _holder(p), "role": p["role"], "type": p["type"]} for p in existing]}
    others = [p for p in existing if p["role"] != "owner"]
    warnings = [_outside_line(external, ctx.domain, "Gives access outside")] if external else []
    if not add:
        warnings.append("Everyone named already has access; nothing would change.")
    return _preview(
        f"Share “{row['name']}”",
        [f"Gains {role} access: {', '.join(add)}" if add else "",
         *(f"Already has access: {a['email']} ({a['role']}), left as it is" for a in already),
         "Shared now with: " + ", ".join(f"{_holder(p)} ({p['role']})" for p in others) if others
         else "Not shared with anyone yet.",
         f"Link: {row['web_link']}" if row.get("web_link") else ""],
        details, warnings)


_BUILDERS: dict[str, Callable[[_Context, dict[str, Any]], Preview]] = {
    "send_email": _send_email, "draft_email": _draft_email, "reply": _reply, "forward": _forward,
    "trash_email": _trash_email, "create_event": _create_event, "update_event": _update_event,
    "delete_event": _delete_event, "share_file": _share_file,
}


def build_preview(conn: psycopg.Connection[Any], user: User, kind: str, args: dict[str, Any],
                  google: Any = None) -> Preview:
    """The preview of a `kind` action with validated `args` for `user`; InvalidAction when an item is missing."""
    preview = _BUILDERS[kind](_Context(conn, user, google), args)
    preview["details"]["kind"] = kind
    preview["details"]["undoable"] = kind in UNDOABLE
    return preview
