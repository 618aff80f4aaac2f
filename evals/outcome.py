"""The outcome of a task: a normalised snapshot of the demo user's workspace, how two differ, and whether a run
changed something the gold did not (a *wrong side effect*).

Built from the emulator's evaluation dump (``GET /_emulator/state?user=``, documented in emulator/README.md).
An :class:`Outcome` holds:

* ``trashed`` — ids of the user's messages in the Trash;
* ``kept`` — ids of every message that exists, Trash included, apart from the mail sent through the API (so a
  permanent delete shows as a missing id, and a message put in by ``insert``/``import`` as an extra one);
* ``sent`` — the mail sent through the API (``send``, ``drafts.send``), a multiset of :class:`SentMail`;
* ``events`` — every event of the primary calendar that is not cancelled, a multiset of :class:`EventItem`
  (ids are left out: an event the run creates cannot have the gold's id, and deleting an event and creating an
  identical one is the same outcome);
* ``drive`` — every Drive item as (id, name, trashed, parents, sharing, text digest). No WorkBench task touches
  Drive, so any change there is a wrong side effect.

Not judged: labels other than TRASH (read/unread, archive), drafts left unsent, and event fields other than name,
start, duration and attendees (description, location, reminders). WorkBench's outcome has none of these.

Comparison rules (the harness calls a task correct when ``expected == actual``):

* Addresses: lowercased, display names dropped; recipients = To + Cc + Bcc as a sorted set.
* Subjects: leading ``Re:``/``Fwd:``/``Fw:`` (and ``AW:``/``TR:``) prefixes removed, whitespace collapsed,
  compared case-insensitively.
* Text: CRLF → LF, a literal two-character ``\\n`` → newline (WorkBench's queries spell the newlines of the
  text to send that way), curly quotes → straight, every run of whitespace → one space, ends stripped; case is
  kept, so the words must be the words asked for.
* An event: name (case-insensitive, whitespace collapsed, surrounding quotes dropped), start as a UTC instant,
  duration in minutes, attendees other than the user (lowercased addresses).
* A sent message is one of three kinds, decided in this order:

  1. ``forward`` — the subject starts with ``Fwd:``/``Fw:`` or the body has a forwarded-message marker
     (``---------- Forwarded message ---------``, ``Begin forwarded message:``, ``-----Original Message-----``).
     Its reference is the original it carries: a message of the mailbox whose whole text appears in the body
     (``>`` quote marks removed); several candidates are narrowed by ``In-Reply-To``, then the subject, then the
     longest text. The forward's own note is not judged, its subject is.
  2. ``reply`` — ``In-Reply-To`` names a message of the mailbox or the message joined an existing thread. Its
     reference is the thread id; its text is what the user wrote: quoted lines (``>``), an ``On … wrote:`` line
     before them and anything after a forwarded/original-message marker are cut.
  3. ``forward`` again when the whole text of a message with the same subject appears in the body (a forward
     without a prefix, as WorkBench's own tool sends it), else ``send``: no reference, the text is the body.

  Messages with the same subject and text are the same content: a forward's reference is the smallest id among
  them, so forwarding either of two identical emails is the same outcome.

A **wrong side effect** (``wrong_side_effect(before, expected, actual)``): the run made a change (relative to
``before``) that the gold did not make — it trashed, deleted, sent, created, moved or removed something the gold
left alone, or did a gold change twice. Failing to make a gold change is not a side effect; a wrong value is
both (the right change is missing and a wrong one was made).
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import getaddresses
from typing import Any, Iterable

USER_EMAIL = "sam@atlas.com"

_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|tr)\s*:\s*)+", re.IGNORECASE)
_FORWARD_SUBJECT = re.compile(r"^\s*fwd?\s*:", re.IGNORECASE)
_MARKERS = re.compile(r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:"
                      r"|-{2,}\s*Original Message\s*-{2,})", re.IGNORECASE | re.MULTILINE)
_ATTRIBUTION = re.compile(r"(^|\n)On [^\n]*(\n[^\n]*)?wrote:\s*$", re.IGNORECASE)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


# ----------------------------------------------------------------------------------------- normalising
def norm_address(value: str) -> str:
    return value.strip().lower()


def recipients(*headers: str) -> tuple[str, ...]:
    """The addresses in To/Cc/Bcc header values, lowercased, sorted, without duplicates."""
    return tuple(sorted({norm_address(a) for _, a in getaddresses([h for h in headers if h]) if a}))


def norm_subject(subject: str) -> str:
    return " ".join(_SUBJECT_PREFIX.sub("", subject or "").split()).casefold()


def norm_text(text: str) -> str:
    """Whitespace-insensitive, case-sensitive text (see the module docstring)."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\\n", "\n"))
    return " ".join(text.translate(_QUOTES).split())


def carried_text(body: str) -> str:
    """The body with ``>`` quote marks removed, normalised: what a forward or quoting reply carries."""
    lines = [re.sub(r"^(\s*>)+ ?", "", line) for line in (body or "").replace("\r\n", "\n").split("\n")]
    return norm_text("\n".join(lines))


def own_text(body: str) -> str:
    """What the writer of a reply wrote: the body before any forwarded/original marker, quoted lines and the
    ``On … wrote:`` line that introduces them removed; normalised."""
    body = (body or "").replace("\r\n", "\n")
    marker = _MARKERS.search(body)
    if marker:
        body = body[:marker.start()]
    kept = "\n".join(line for line in body.split("\n") if not line.lstrip().startswith(">")).rstrip()
    return norm_text(_ATTRIBUTION.sub("", kept))


def norm_event_name(name: str) -> str:
    return " ".join((name or "").split()).strip("'\"").strip().casefold()


def _instant(value: dict[str, Any]) -> datetime | None:
    if value.get("dateTime"):
        when = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if value.get("date"):
        return datetime.fromisoformat(value["date"]).replace(tzinfo=timezone.utc)
    return None


# ------------------------------------------------------------------------------------------- the items
@dataclass(frozen=True, order=True)
class SentMail:
    """A sent message as it is judged: kind, who got it, about what, carrying/answering what, saying what."""

    kind: str  # send | reply | forward
    to: tuple[str, ...]
    subject: str
    ref: str | None = None  # forward: id of the original carried; reply: thread id
    text: str | None = None  # send/reply: normalised text; forward: None (its note is not judged)

    def __str__(self) -> str:
        what = {"send": "", "reply": f" in thread {self.ref}", "forward": f" carrying {self.ref}"}[self.kind]
        text = "" if self.text is None else f": {self.text[:70]!r}"
        return f"{self.kind} to {', '.join(self.to) or '(nobody)'} {self.subject!r}{what}{text}"


@dataclass(frozen=True, order=True)
class EventItem:
    """An event as it is judged."""

    name: str
    start: str  # UTC, "YYYY-MM-DDTHH:MM:SSZ"
    minutes: int
    attendees: tuple[str, ...]

    def __str__(self) -> str:
        who = ", ".join(self.attendees) or "no attendee"
        return f"{self.name!r} at {self.start} for {self.minutes} min with {who}"


@dataclass(frozen=True)
class Outcome:
    """The normalised state of one user's workspace (see the module docstring)."""

    trashed: frozenset[str]
    kept: frozenset[str]
    sent: tuple[SentMail, ...]  # sorted multiset
    events: tuple[EventItem, ...]  # sorted multiset
    drive: frozenset[tuple[Any, ...]] = field(default_factory=frozenset)


def _drive_item(entry: dict[str, Any]) -> tuple[Any, ...]:
    f = entry["file"]
    sharing = tuple(sorted((p.get("type", ""), p.get("role", ""), (p.get("emailAddress") or p.get("domain") or "")
                            .lower()) for p in entry.get("permissions", [])))
    digest = hashlib.sha1((entry.get("text") or "").encode("utf-8")).hexdigest()[:12]
    return (f["id"], f.get("name", ""), bool(f.get("trashed")), tuple(f.get("parents", [])), sharing, digest)


class _Mailbox:
    """The user's messages other than the sent ones, indexed for recognising what a sent message carries."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.message_ids = {m["messageId"] for m in messages if m.get("messageId")}
        self.threads = {m["threadId"] for m in messages}
        # (carried text, normalised subject, message) of every message with some text
        self.texts = [(carried_text(m["body"]), norm_subject(m["subject"]), m) for m in messages]
        self.texts = [t for t in self.texts if t[0]]
        self.canonical: dict[tuple[str, str], str] = {}
        for text, subject, m in sorted(self.texts, key=lambda t: t[2]["id"]):
            self.canonical.setdefault((subject, text), m["id"])

    def carried(self, sent: dict[str, Any], same_subject: bool = False) -> str | None:
        """Id (canonical among identical messages) of the mailbox message whose whole text the body carries."""
        body, subject = carried_text(sent["body"]), norm_subject(sent["subject"])
        found = [t for t in self.texts if t[0] in body and (not same_subject or t[1] == subject)]
        hinted = [t for t in found if sent.get("inReplyTo") and t[2].get("messageId") == sent["inReplyTo"]]
        pool = hinted or [t for t in found if t[1] == subject] or found
        if not pool:
            return None
        text, subj, _ = min(pool, key=lambda t: (-len(t[0]), t[2]["id"]))  # the most specific text
        return self.canonical[(subj, text)]

    def answers(self, sent: dict[str, Any]) -> bool:
        """True when the message replies into the mailbox: In-Reply-To names a message, or it joined a thread."""
        return sent.get("inReplyTo") in self.message_ids or sent["threadId"] in self.threads


def sent_mail(msg: dict[str, Any], box: _Mailbox) -> SentMail:
    """Classify and normalise one sent message (rules in the module docstring)."""
    to = recipients(msg.get("to", ""), msg.get("cc", ""), msg.get("bcc", ""))
    subject = norm_subject(msg.get("subject", ""))
    if _FORWARD_SUBJECT.match(msg.get("subject", "")) or _MARKERS.search(msg.get("body", "")):
        return SentMail("forward", to, subject, box.carried(msg))
    if box.answers(msg):
        return SentMail("reply", to, subject, msg["threadId"], own_text(msg.get("body", "")))
    original = box.carried(msg, same_subject=True)
    if original is not None:
        return SentMail("forward", to, subject, original)
    return SentMail("send", to, subject, None, norm_text(msg.get("body", "")))


def event_item(event: dict[str, Any], user_email: str = USER_EMAIL) -> EventItem:
    """Normalise one Calendar event resource."""
    start, end = _instant(event.get("start") or {}), _instant(event.get("end") or {})
    minutes = int((end - start).total_seconds() // 60) if start and end else 0
    people = tuple(sorted({norm_address(a.get("email", "")) for a in event.get("attendees", [])
                           if a.get("email") and not a.get("self")
                           and norm_address(a["email"]) != user_email.lower()}))
    stamp = start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if start else ""
    return EventItem(norm_event_name(event.get("summary", "")), stamp, minutes, people)


def outcome_from_dump(user: dict[str, Any]) -> Outcome:
    """The :class:`Outcome` of one user's part of the state dump (``dump["users"][email]``)."""
    sent_ids = {m["id"] for m in user.get("sent", [])}
    mailbox = [m for m in user.get("messages", []) if m["id"] not in sent_ids]
    box = _Mailbox(mailbox)
    events = [e for e in user.get("calendars", {}).get("primary", []) if e.get("status") != "cancelled"]
    return Outcome(
        trashed=frozenset(m["id"] for m in mailbox if m.get("trashed")),
        kept=frozenset(m["id"] for m in mailbox),
        sent=tuple(sorted(sent_mail(m, box) for m in user.get("sent", []))),
        events=tuple(sorted(event_item(e, user["email"]) for e in events)),
        drive=frozenset(_drive_item(f) for f in user.get("files", [])),
    )


def outcome_of(control: Any, user_email: str = USER_EMAIL) -> Outcome:
    """The outcome of a live emulator, through its control client (``emulator.testing.ControlClient``)."""
    return outcome_from_dump(control.state(user_email)["users"][user_email])


# ------------------------------------------------------------------------------------------- comparing
COMPONENTS = ("trashed", "kept", "sent", "events", "drive")
_WORDS = {  # (missing, unexpected) wording per component
    "trashed": ("not trashed", "trashed"),
    "kept": ("deleted for good", "added to the mailbox"),
    "sent": ("not sent", "sent"),
    "events": ("event missing", "event present"),
    "drive": ("Drive item changed", "Drive item now"),
}


def _bag(outcome: Outcome, component: str) -> Counter[Any]:
    return Counter(getattr(outcome, component))


@dataclass(frozen=True)
class Difference:
    """One item that is in ``expected`` but not ``actual`` (``missing``) or the other way (``unexpected``)."""

    component: str
    side: str  # missing | unexpected
    item: Any

    def __str__(self) -> str:
        words = _WORDS[self.component][0 if self.side == "missing" else 1]
        item = self.item if not isinstance(self.item, tuple) else json.dumps(self.item, default=str)[:120]
        return f"{self.side}: {words}: {item}"


def diff(expected: Outcome, actual: Outcome) -> list[Difference]:
    """Everything that differs, strictly, component by component (multisets for sent mail and events)."""
    out: list[Difference] = []
    for component in COMPONENTS:
        want, got = _bag(expected, component), _bag(actual, component)
        out += [Difference(component, "missing", item) for item in sorted((want - got).elements(), key=str)]
        out += [Difference(component, "unexpected", item) for item in sorted((got - want).elements(), key=str)]
    return out


def side_effects(before: Outcome, expected: Outcome, actual: Outcome) -> list[Difference]:
    """The changes the run made (relative to ``before``) beyond the gold's: items it added that the gold did not
    add (``unexpected``) and items it removed that the gold did not remove (``missing``)."""
    out: list[Difference] = []
    for component in COMPONENTS:
        base, want, got = _bag(before, component), _bag(expected, component), _bag(actual, component)
        added = (got - base) - (want - base)
        removed = (base - got) - (base - want)
        out += [Difference(component, "unexpected", item) for item in sorted(added.elements(), key=str)]
        out += [Difference(component, "missing", item) for item in sorted(removed.elements(), key=str)]
    return out


def wrong_side_effect(before: Outcome, expected: Outcome, actual: Outcome) -> bool:
    """True when the run changed something the gold did not (see :func:`side_effects`)."""
    return bool(side_effects(before, expected, actual))


def describe(differences: Iterable[Difference]) -> list[str]:
    return [str(d) for d in differences]
