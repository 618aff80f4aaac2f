"""Sam's WorkBench mailbox (500 emails) and calendar (300 events) as Gmail / Calendar v3 resources.

Ids, subjects, bodies, participants, start times and durations are kept exactly as in
``emulator/data/workbench/*.csv``: WorkBench's gold answers name them.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from ._mime import (
    NOW,
    USER_EMAIL,
    UTC,
    build_raw,
    digest,
    display_name,
    epoch_ms,
    fmt_addr,
    hexhash,
    message_id_header,
    parse_naive_utc,
    rfc3339,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "workbench"
EMAILS_CSV = DATA_DIR / "emails.csv"
EVENTS_CSV = DATA_DIR / "calendar_events.csv"

#: Inbox mail received on or after this instant is UNREAD ("the last few days before now").
UNREAD_SINCE = datetime(2023, 11, 27, 0, 0, 0, tzinfo=UTC)

# Subjects that Gmail's importance model would plausibly flag.
_IMPORTANT_WORDS = (
    "Board of Directors",
    "Year-End Performance Assessment",
    "Annual Budget Planning",
    "Risk Management",
    "payment gateway",
    "Quarterly Sales Review",
    "Corporate Governance",
)

_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|tr)\s*:\s*)+", re.IGNORECASE)


def normalize_subject(subject: str) -> str:
    return _PREFIX_RE.sub("", subject).strip().lower()


def read_emails_csv() -> list[dict]:
    with EMAILS_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["body_text"] = r["body"].replace("\\n", "\n")
    return rows


def read_events_csv() -> list[dict]:
    with EVENTS_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def workbench_messages() -> list[dict]:
    rows = read_emails_csv()
    threads: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        threads[(normalize_subject(r["subject"]), r["sender/recipient"].lower())].append(r)

    out: dict[str, dict] = {}
    for key, group in threads.items():
        group.sort(key=lambda r: (r["sent_datetime"], r["email_id"]))
        thread_id = group[0]["email_id"] if len(group) == 1 else hexhash("thread", *key)
        chain: list[str] = []
        for r in group:
            out[r["email_id"]] = _message(r, thread_id, list(chain))
            chain.append(message_id_header("workbench", r["email_id"]))
    # CSV order (chronological) is the natural listing order.
    return [out[r["email_id"]] for r in rows]


def _message(r: dict, thread_id: str, references: list[str]) -> dict:
    when = parse_naive_utc(r["sent_datetime"])
    other = r["sender/recipient"]
    inbox = r["inbox/outbox"] == "inbox"
    me = fmt_addr(USER_EMAIL)
    them = fmt_addr(other)
    raw = build_raw(
        frm=them if inbox else me,
        to=[me if inbox else them],
        subject=r["subject"],
        date=when,
        message_id=message_id_header("workbench", r["email_id"]),
        text=r["body_text"],
        in_reply_to=references[-1] if references else None,
        references=references[-10:],
        delivered_to=USER_EMAIL if inbox else None,
    )
    if inbox:
        labels = ["INBOX", "CATEGORY_PERSONAL"]
        if when >= UNREAD_SINCE:
            labels.insert(0, "UNREAD")
        if any(w.lower() in r["subject"].lower() for w in _IMPORTANT_WORDS):
            labels.append("IMPORTANT")
    else:
        labels = ["SENT"]
    return {
        "id": r["email_id"],
        "threadId": thread_id,
        "labelIds": labels,
        "internalDate": epoch_ms(when),
        "raw": raw,
    }


# --------------------------------------------------------------------------- calendar
# One line of purpose per WorkBench event name, used as the event's description.
EVENT_PURPOSE = {
    "sync up": "Quick sync on open items, blockers and next steps.",
    "process review": "Walk through the current delivery process and agree on one improvement to try.",
    "Data Security and Compliance Training": "Mandatory annual training: data handling, phishing awareness, PCI DSS basics.",
    "Product Launch Analysis": "Review launch metrics (activation, conversion, support tickets) against targets.",
    "Team Building Retreat": "Planning for the team retreat: venue, agenda and budget.",
    "annual summary": "Summary of the year: wins, misses, and themes for next year.",
    "quarterly tech roundup": "Quarterly roundup of engineering initiatives, tech debt and platform health.",
    "team evaluation": "Team health check and evaluation of goals for the half.",
    "casual catch-up": "Informal catch-up, no agenda.",
    "New Employee Onboarding": "Onboarding session: tools, accounts, team rituals and first-month goals.",
    "Digital Transformation Conference": "Prep and debrief for the Digital Transformation Conference.",
    "Creative Thinking Workshop": "Hands-on workshop with ideation exercises. Bring a laptop.",
    "Risk Management Forum": "Review of the risk register, new risks and mitigation owners.",
    "Client Appreciation Gala": "Planning for the Client Appreciation Gala: guest list, run of show, logistics.",
    "Project Initiation Meeting": "Kick-off: scope, roles, milestones and success criteria.",
    "strategic planning meeting": "Strategic planning for 2024 priorities and resourcing.",
    "Global Expansion Strategy Discussion": "Discussion of candidate markets and the market-entry assessment.",
    "brainstorming session": "Open brainstorming; come with two or three ideas.",
    "Health & Wellness Expo": "Coordination for the Health & Wellness Expo: vendors, space, schedule.",
    "Board of Directors Conclave": "Preparation for the Board of Directors Conclave briefing pack.",
    "project progress update": "Progress against milestones, risks and decisions needed.",
    "introductory call": "Introductory call to get to know each other's work and priorities.",
    "Diversity & Inclusion Workshop": "Diversity & Inclusion workshop session and follow-up actions.",
    "Annual Budget Planning Session": "FY2024 budget planning: department requests, headcount, vendor spend.",
    "performance evaluation": "Performance evaluation conversation.",
    "IT Systems Update Briefing": "Briefing on IT changes: laptop refresh, SSO migration, VPN retirement.",
    "feedback discussion": "Two-way feedback discussion.",
    "Employee Recognition Event": "Planning the Employee Recognition Event and reviewing nominations.",
    "Innovation and Creativity Hackathon": "Hackathon logistics: themes, teams, judging criteria.",
    "Year-End Performance Assessment": "Year-end performance assessment: self-review, goals, calibration inputs.",
    "daily stand-up": "Daily stand-up: yesterday, today, blockers.",
    "project debrief": "Debrief: what went well, what didn't, what we'd change.",
    "Corporate Social Responsibility Initiative": "CSR initiative planning for 2024: partners and volunteering days.",
    "retrospective meeting": "Retrospective for the last iteration.",
    "Leadership Training Workshop": "Leadership training module: coaching conversations and delegation.",
    "team orientation": "Team orientation: ways of working, tooling and who's who.",
    "Customer Insight Forum": "Customer insight forum: interview findings and support trends.",
    "Supply Chain Enhancement Workshop": "Workshop on vendor onboarding and procurement lead times.",
    "Quarterly Sales Review": "Quarterly sales review: pipeline, bookings vs. target, forecast.",
    "Machine Learning Chat": "Chat about ML use cases: fraud scoring and support-ticket triage.",
    "Marketing Strategy Session": "Marketing strategy: Q1 2024 campaigns, channels and budget split.",
    "team coordination meeting": "Cross-team coordination on dependencies and release dates.",
    "weekly summary": "Weekly summary of progress and priorities.",
    "status briefing": "Status briefing for stakeholders.",
    "project checkpoint": "Checkpoint: scope, schedule and budget health.",
    "monthly overview": "Monthly overview of metrics and team updates.",
    "project runway briefing": "Briefing on project runway: remaining budget, burn rate and timeline.",
    "Corporate Governance Workshop": "Workshop on governance policies, approvals and audit readiness.",
}

_ROOMS = (
    "Atlas HQ - Room 2.14 (Thames)",
    "Atlas HQ - Room 3.02 (Fleet)",
    "Atlas HQ - Room 4.10 (Tyburn)",
    "Atlas HQ - Boardroom",
)
_BIG_EVENTS = {
    "Client Appreciation Gala",
    "Team Building Retreat",
    "Health & Wellness Expo",
    "Innovation and Creativity Hackathon",
    "Employee Recognition Event",
    "Digital Transformation Conference",
}


def _meet_code(seed: str) -> str:
    letters = "abcdefghijkmnopqrstuvwxyz"
    d = digest("meet", seed)
    s = "".join(letters[b % len(letters)] for b in d[:10])
    return f"{s[:3]}-{s[3:7]}-{s[7:10]}"


def workbench_events() -> list[dict]:
    return [_event(r) for r in read_events_csv()]


def _event(r: dict) -> dict:
    eid = r["event_id"]
    start = parse_naive_utc(r["event_start"])
    end = start + timedelta(minutes=int(r["duration"]))
    d = digest("event", eid)
    # created 3-30 days before the start, during office hours, and never after "now"
    created = (start - timedelta(days=3 + d[0] % 28)).replace(hour=8 + d[1] % 9, minute=d[2] % 60, second=d[3] % 60)
    if created >= NOW:
        created = NOW - timedelta(days=1 + d[4] % 5, hours=d[5] % 8)
    updated = created + timedelta(minutes=d[6] % 90, seconds=d[7] % 60, milliseconds=d[8] * 3)
    participant = r["participant_email"]
    if start < NOW:
        status = "declined" if d[9] % 23 == 0 else "accepted"
    else:
        status = ("accepted", "accepted", "needsAction", "tentative")[d[9] % 4]
    purpose = EVENT_PURPOSE.get(r["event_name"], f"{r['event_name']}.")
    event = {
        "kind": "calendar#event",
        "etag": f'"{3380000000000000 + int.from_bytes(d[10:16], "big") % 10**15}"',
        "id": eid,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
        "created": rfc3339(created, millis=True),
        "updated": rfc3339(updated, millis=True),
        "summary": r["event_name"],
        "description": f"{purpose}\n\nWith {display_name(participant)} ({participant}).",
        "creator": {"email": USER_EMAIL, "self": True},
        "organizer": {"email": USER_EMAIL, "self": True},
        "start": {"dateTime": rfc3339(start), "timeZone": "UTC"},
        "end": {"dateTime": rfc3339(end), "timeZone": "UTC"},
        "iCalUID": f"{eid}@google.com",
        "sequence": 0,
        "attendees": [
            {"email": participant, "displayName": display_name(participant), "responseStatus": status},
            {"email": USER_EMAIL, "organizer": True, "self": True, "responseStatus": "accepted"},
        ],
        "reminders": {"useDefault": True},
        "eventType": "default",
    }
    if r["event_name"] in _BIG_EVENTS:
        event["location"] = "Atlas HQ - Atrium"
    elif d[11] % 3 == 0:
        event["location"] = _ROOMS[d[12] % len(_ROOMS)]
    else:
        event["hangoutLink"] = f"https://meet.google.com/{_meet_code(eid)}"
    return event
