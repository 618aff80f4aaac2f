"""From a typed search ("my last email from nadia", "budget spreadsheets from Chenwei", "meetings with Luis since
October") to what the engine takes: the topic words, metadata filters, and an order.

Search-specific cues only; the request's service and operation come from the intent classifier. People are
resolved against what the person's own index has seen (`people.resolve`), so a word that names nobody stays a
topic word. Time expressions come from the intent package's resolver (`server/intent/timeexpr.py`; tests may
inject another), so this module holds no date grammar of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Protocol

from server.intent import timeexpr
from server.intent.features import find_quotes
from server.search.engine import SearchFilters


class TimeSpan(Protocol):
    """What `find_times` returns for each time expression it recognises."""

    span: tuple[int, int]  # character offsets in the text
    start: datetime | None
    end: datetime | None


FindTimes = Callable[[str, datetime], Iterable[TimeSpan]]
Resolve = Callable[[str], list[str]]  # a name → the addresses it may mean (empty: nobody by that name)


@dataclass
class Understood:
    """A search ready for the engine: `text` is what remains for full text and vectors."""

    text: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    order: str = "relevance"
    people: dict[str, list[str]] = field(default_factory=dict)  # the name as typed → addresses used
    quoted: list[str] = field(default_factory=list)  # phrases the person put in quotes (titles, subjects)


# "from X" → senders (mail) / organiser-attendees (events) / owners (files); "to X" → recipients; "with X" → anyone
# involved. A possessive ("Nadia's files") reads as "from".
_PERSON = re.compile(
    r"\b(?P<prep>from|by|to|with|for)\s+(?P<name>[\w.@+-]+(?:\s+(?!(?:to|and|or|on|in|at|about|with|from|for|by|"
    r"last|next|this|since|before|after|the|a|my|re|regarding|just|who|that)\b)[\w-]+)?)"
    r"|\b(?P<owner>[\w.@+-]+)['’]s\b"
    r"|\b(?P<sender>[\w.@+-]+)\s+(?:just\s+)?(?:sent|emailed|wrote|mailed)\b", re.IGNORECASE)
# A command that sends something on: its "to X" names where it goes, not whose mail to look for.
_SENDS_ON = re.compile(r"\b(forward|send|share|invite|reply)\b", re.IGNORECASE)
_MESSAGE_TEXT = re.compile(r"\b(?:with|saying|that says)\s+(['\"‘“])(?:(?!\1).)*\1", re.IGNORECASE)
_NOT_NAMES = {"me", "my", "you", "us", "our", "the", "a", "an", "all", "any", "last", "next", "this", "today",
              "tomorrow", "yesterday", "it", "them", "him", "her", "anyone", "someone", "everyone", "work",
              "home", "team", "that", "what", "which", "who", "today's", "week", "month", "year"}

_PERIOD = r"(?!\s+(?:\w+\s+)?(?:weeks?|months?|years?|days?|hours?|nights?|quarters?|weekend|half)\b)"
_NEWEST = re.compile(r"\b(last|latest|most recent|newest|recent)\b" + _PERIOD, re.IGNORECASE)
_OLDEST = re.compile(r"\b(first|earliest|oldest)\b" + _PERIOD, re.IGNORECASE)
_NEXT = re.compile(r"\b(next|upcoming|coming up)\b" + _PERIOD, re.IGNORECASE)
_UNREAD = re.compile(r"\bunread\b", re.IGNORECASE)
_ATTACHMENT = re.compile(r"\b(with (an? )?attachments?|attached|attachments?)\b", re.IGNORECASE)

# Words that name the kind of item, not its topic: they say which service or type, and would match everything
# as full text ("emails about the budget" is about the budget).
_KIND_WORDS = re.compile(
    r"\b(e-?mails?|mails?|messages?|inbox|notes?|meetings?|events?|appointments?|calendar|invites?|"
    r"files?|docs?|documents?|folders?|drive|"
    r"spreadsheets?|sheets?|slides?|slide decks?|decks?|presentations?|pdfs?|images?|pictures?|photos?)\b",
    re.IGNORECASE)
_MIME = [
    (re.compile(r"\b(spreadsheets?|sheets?|excel)\b", re.I), ["application/vnd.google-apps.spreadsheet",
                                                             "application/vnd.openxmlformats-officedocument"
                                                             ".spreadsheetml.sheet"]),
    (re.compile(r"\b(slides?|slide decks?|decks?|presentations?)\b", re.I),
     ["application/vnd.google-apps.presentation",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation"]),
    (re.compile(r"\bpdfs?\b", re.I), ["application/pdf"]),
    (re.compile(r"\b(images?|pictures?|photos?|logos?)\b", re.I), ["image/png", "image/jpeg", "image/gif",
                                                                   "image/svg+xml"]),
]
# Request verbs and fillers: what the person wants done, not what the item is about.
_FILLER = re.compile(
    r"\b(get rid of|find|show|search|look(ing)? for|get|give|list|open|pull up|where is|where's|can you|could you|please|"
    r"i need|i want|delete|remove|cancel|trash|forward|reply|respond|move|reschedule|push back|delay|share|"
    r"sent me|they sent|received|need(?:s)?|do that|for me|"
    r"any|all|some|stuff|things?|anything|everything)\b", re.IGNORECASE)


def understand(text: str, service: str, now: datetime, resolve: Resolve,
               find_times: FindTimes | None = None) -> Understood:
    """The engine's view of `text` for `service`, resolved against the person's index and the clock `now`."""
    spans: list[tuple[int, int]] = []
    filters = SearchFilters()
    people: dict[str, list[str]] = {}

    sends_on = bool(_SENDS_ON.search(text))
    for match in _PERSON.finditer(text):
        group = next(g for g in ("name", "owner", "sender") if match.group(g))
        name = match.group(group).strip().rstrip(".")  # "from leila." ends a sentence, not an address
        prep = (match.group("prep") or "from").lower()
        first = name.split()[0].rstrip(".")
        if first.lower() in _NOT_NAMES:
            continue
        if prep == "to" and sends_on:
            spans.append(match.span())
            continue
        # "with Luis Ortega" or just "with Luis": try the longer name, then its first word.
        for candidate, end in ((name, match.end()), (first, match.start(group) + len(first))):
            addresses = resolve(candidate)
            if addresses:
                people[candidate] = addresses
                _person_filter(filters, service, prep, addresses)
                spans.append((match.start(), end))
                break

    message_spans = [m.span() for m in _MESSAGE_TEXT.finditer(text)] if sends_on else []
    spans.extend(message_spans)  # "reply ... with 'Got it, thanks'": the words to send, not the words to find
    quoted = [q.text for q in find_quotes(text) if not any(a <= q.span[0] < b for a, b in message_spans)]
    spans.extend(d.span for d in timeexpr.find_durations(text))  # "by 2 hours", "a 30-minute meeting"
    order = "relevance"
    if find_times is None:
        find_times = timeexpr.find_times if service == "calendar" else _nearest_times
    for found in find_times(text, now):
        if service != "calendar" and found.start and found.start > now:
            # Mail and files cannot come from the future: "notes for next week's offsite" dates the offsite.
            continue
        spans.append(found.span)
        if getattr(found, "kind", "range") == "moment":
            continue  # "at 3pm" is an instant to schedule, not a window to search
        if found.start and (filters.after is None or found.start > filters.after):
            filters.after = found.start
        if found.end and (filters.before is None or found.end < filters.before):
            filters.before = found.end
    if service == "calendar" and _NEXT.search(text):  # mail and files are never "next"; a trip may be
        order = "oldest"
        filters.after = max(filters.after or now, now)
        spans.extend(m.span() for m in _NEXT.finditer(text))
    elif _OLDEST.search(text):
        order = "oldest"
        spans.extend(m.span() for m in _OLDEST.finditer(text))
    elif _NEWEST.search(text):
        order = "newest"
        spans.extend(m.span() for m in _NEWEST.finditer(text))

    if service == "gmail":
        if _UNREAD.search(text):
            filters.unread = True
            spans.extend(m.span() for m in _UNREAD.finditer(text))
        if _ATTACHMENT.search(text):
            filters.has_attachment = True
            spans.extend(m.span() for m in _ATTACHMENT.finditer(text))
    if service == "drive":
        for pattern, mime_types in _MIME:
            if pattern.search(text):
                filters.mime_types.extend(mime_types)

    topic = _without(text, spans)
    topic = " ".join(re.sub(r"[?!.,;:]+(\s|$)", " ", _FILLER.sub(" ", _KIND_WORDS.sub(" ", topic))).split())
    if order != "relevance":
        # In a date-ordered listing a leftover name ("fatima needs my latest email from leila") is who the
        # request is for, not what the item is about; it would only push the right item down.
        topic = " ".join(w for w in topic.split() if not (w.isalpha() and len(w) > 2 and resolve(w)))
    return Understood(topic, filters, order, people, quoted)


def _nearest_times(text: str, now: datetime) -> list[timeexpr.TimeMatch]:
    """Each expression read the way that lands nearest to now: on 30 November "in October" is last month's and
    "in December" tomorrow's (a date of the topic, which mail cannot have yet), not last year's."""
    ahead = {m.span: m for m in timeexpr.find_times(text, now, prefer="future")}
    nearest = []
    for back in timeexpr.find_times(text, now, prefer="past"):
        other = ahead.get(back.span)
        if other and other.start and back.start and abs(other.start - now) < abs(now - back.start):
            nearest.append(other)
        else:
            nearest.append(back)
    return nearest


def _person_filter(filters: SearchFilters, service: str, prep: str, addresses: list[str]) -> None:
    if service == "gmail":
        (filters.recipients if prep == "to" else filters.senders).extend(addresses)
    elif service == "calendar":
        filters.attendees.extend(addresses)
    elif service == "drive":
        filters.owners.extend(addresses)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the character spans blanked out (overlaps allowed)."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return "".join(chars)
