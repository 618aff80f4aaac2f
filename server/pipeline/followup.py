"""Follow-ups: a request read against the previous turn of its conversation.

* Picking — "reply to the second one", "move it to 4pm", "forward them to Kofi", "open #3": an ordinal or a
  pronoun after the verb names items the previous answer listed (numbered per service, as the answer shows them).
  The change acts on exactly those items, with no new search; the preview names them.
* Refining — "and from Bob?", "what about last month?": a short request starting with "and" / "what about" reruns
  the previous request with the new person, time or topic in place of the old one (the answer says how it was read).

Anything else is a fresh request. Only the person's own previous words and the ids their previous answer listed
are used: text from mail or files never decides what a follow-up acts on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from server.intent import timeexpr
from server.intent.schema import SERVICES, ParsedIntent

# What an operation acts on, per service, and its equivalent when the picked items are of another service
# ("delete it" after a list of emails trashes the email; after a list of events deletes the event).
_TARGETS = {"reply": "gmail", "forward": "gmail", "trash": "gmail", "update_event": "calendar",
            "delete_event": "calendar", "share": "drive"}
_EQUIVALENT = {("gmail", "delete_event"): "trash", ("calendar", "trash"): "delete_event",
               ("drive", "delete_event"): "trash"}
_READS = ("read", "search", "out_of_scope", "needs_clarification")
_ORDINALS = {w: i for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())}
_ORDINAL = r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|\d{1,2}(?:st|nd|rd|th))"
_NOUN = r"(?:one|email|e-?mail|message|mail|event|meeting|file|doc|document|result|item)"
_PICKS = [
    # "the second one", "the 3rd of them", "the last email" (at the end, or before to / and / in the list)
    re.compile(rf"\bthe\s+{_ORDINAL}\s+(?:one\b|of\s+(?:them|those|these)\b|{_NOUN}\b(?=\s*(?:$|[?.!,]|to\b|and\b|"
               rf"in\s+the\s+list\b|you\s+found\b|from\s+the\s+list\b)))", re.I),
    re.compile(r"(?:#|\bnumber\s+|\bno\.\s*)(\d{1,2})\b", re.I),
]
_VERBS = (r"reply|respond|answer|forward|send|share|move|reschedule|push|pull|bring|delete|cancel|trash|remove|"
          r"open|read|show|rename|shorten|extend|lengthen|summari[sz]e")
_PRONOUN = re.compile(rf"\b(?:{_VERBS})\s+(?:back\s+)?(?:to\s+)?(it|that|this|them|those|these|both|all\s+of\s+them)"
                      r"(?:\s+ones?)?\b", re.I)
_REFINE = re.compile(r"^\s*(?:and|what\s+about|how\s+about|same\s+(?:for|with)|now)\s+(.+?)[\s?.!]*$", re.I)
_PERSON_PHRASE = re.compile(r"^(from|by|to|with)\s+(.+)$", re.I)
_SERVICE_SWITCH = re.compile(r"^(?:in|on|from)\s+(?:my\s+|the\s+)?(?:calendar|drive|inbox|e-?mails?|mail|docs)\b",
                             re.I)
_ABOUT_PHRASE = re.compile(r"^(?:about|on|regarding)\s+(.+)$", re.I)
MAX_REFINE_WORDS = 8
MAX_PICKED = 25


@dataclass
class Previous:
    """The previous turn: what was asked, how it was understood, and the items its answer listed, in order."""

    query: str
    intent: dict[str, Any]
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # service → items as listed
    searched: bool = False  # it was a search (by operation search or read), not an item opened from a list

    @classmethod
    def listed(cls, turns: Iterable[tuple[str, dict[str, Any] | None]]) -> list["Previous"]:
        """The turns (newest first) that listed something: "reply to it" after a turn that only proposed a change
        still means the list before it."""
        return [p for p in (cls.from_answer(q, a) for q, a in turns) if p]

    @classmethod
    def from_answer(cls, query: str, answer: dict[str, Any] | None) -> "Previous | None":
        """From a stored answer body (`POST /api/v1/query`'s JSON); None when it listed nothing to refer to."""
        if not answer:
            return None
        order = {s["id"]: n for n, s in enumerate(answer.get("plan", {}).get("steps", []))}
        shown = {s["id"] for s in answer.get("plan", {}).get("steps", [])
                 if s["op"] in ("search", "read") and not s["id"].startswith("k")}  # k…: an "if" check, not shown
        items: dict[str, list[dict[str, Any]]] = {}
        for result in sorted(answer.get("results", []), key=lambda r: order.get(r["step"], 99)):
            if result["step"] in shown and result.get("ok"):
                for item in result.get("items", []):
                    if item.get("service") in SERVICES:
                        items.setdefault(item["service"], []).append(item)
        intent = answer.get("intent") or {}
        # The request as it was understood ("and from Bob?" was read as the whole request with Bob in it).
        searched = intent.get("operation") in ("search", "read") and any(
            s["op"] == "search" for s in answer.get("plan", {}).get("steps", []))
        return cls(intent.get("text") or query, intent, items, searched) if items else None


def refine(text: str, history: list[Previous]) -> str | None:
    """"and from Bob?" after "emails about the budget from Sarah last week" → "emails about the budget from Bob
    last week"; None when `text` is not such a follow-up. Reruns the newest search of `history` (a change is
    never repeated by "and …"; an item opened from the list is not a search)."""
    match = _REFINE.match(text)
    previous = next((p for p in history if p.searched), None)
    if not previous or not match or len(text.split()) > MAX_REFINE_WORDS:
        return None
    rest, before = match.group(1).strip(), previous.query.rstrip(" ?.!")
    if point(rest, history[0]) or _SERVICE_SWITCH.match(rest):
        # "what about the first one?" points into the list; "and in my calendar?" asks another service, which
        # a reworded request cannot say well: both are read as requests of their own.
        return None
    person = _PERSON_PHRASE.match(rest)
    if person:
        # The person the previous request named after the same preposition gives way to the new one.
        for named in previous.intent.get("entities", {}).get("people", []):
            said = re.compile(rf"\b{person.group(1)}\s+{re.escape(named.get('text', ''))}\b", re.I)
            if named.get("text") and said.search(before):
                return said.sub(lambda _: rest, before, count=1)
        return f"{before} {rest}"
    times = [t.get("text", "") for t in previous.intent.get("entities", {}).get("times", []) if t.get("text")]
    topic = _ABOUT_PHRASE.match(rest)
    if times and not topic and timeexpr.find_times(rest, datetime.now(timezone.utc), "past"):
        old = times[0]
        return before.replace(old, rest, 1) if old in before else f"{before} {rest}"
    if topic:
        swapped, n = re.subn(r"\b(?:about|regarding)\s+[^,]+?(?=\s+(?:from|by|to|with|last|this|next|since|before|"
                             r"after|in|on)\b|$)", f"about {topic.group(1)}", before, count=1, flags=re.I)
        return swapped if n else f"{before} about {topic.group(1)}"
    return f"{before} {rest}"


@dataclass
class Picked:
    """What a follow-up points at: items of one service, and the operation to do on them."""

    service: str
    operation: str
    items: list[dict[str, Any]]


@dataclass
class Pointer:
    """Where a request points into the previous answer: which item(s), and the request with the pointing words
    replaced by a pronoun ("move the second one to 4pm" → "move it to 4pm", so "one" is not read as 1 o'clock)."""

    which: int | str  # 0-based index, -1 for the last, "all", "both"
    masked: str


def point(text: str, previous: Previous | None) -> Pointer | None:
    """The pointer in `text`, when there is a previous answer with items to point at."""
    if not previous or not previous.items:
        return None
    for pattern in _PICKS:
        match = pattern.search(text)
        if match:
            word = match.group(1).lower()
            which: int | str = -1 if word == "last" else _ORDINALS.get(word, -2)
            if which == -2:
                which = int(re.sub(r"\D", "", word)) - 1
            return Pointer(which, f"{text[:match.start()]}it{text[match.end():]}")
    pronoun = _PRONOUN.search(text)
    if pronoun:
        word = " ".join(pronoun.group(1).lower().split())
        which = "both" if word == "both" else "all" if word in ("them", "those", "these", "all of them") else 0
        return Pointer(which, text)
    return None


def pick(pointer: Pointer, intent: ParsedIntent, previous: Previous) -> Picked | None:
    """The items `pointer` names and what to do with them, for the operation `intent` asks; None when they are
    not there or cannot take it ("move it" after a list of emails)."""
    target = _TARGETS.get(intent.operation)
    if target in previous.items:
        service, operation = target, intent.operation
    elif len(previous.items) == 1:
        service = next(iter(previous.items))
        operation = _EQUIVALENT.get((service, intent.operation), intent.operation)
        if _TARGETS.get(operation) != service:
            if operation not in _READS:
                return None
            operation = "read"  # "open the second one", "what does the first one say"
    else:
        return None
    items = previous.items[service]
    which = pointer.which
    if which == "all":
        chosen = items[:MAX_PICKED]
    elif which == "both":
        chosen = items[:2]
    else:
        index = len(items) - 1 if which == -1 else int(which)
        chosen = [items[index]] if 0 <= index < len(items) else []
    return Picked(service, operation, chosen) if chosen else None


def retarget(intent: ParsedIntent, picked: Picked, text: str) -> None:
    """Point `intent` (classified from the masked request) at what was picked: the person's own words, the
    service and operation of the items; nothing left to ask about which item."""
    intent.text = text
    intent.service, intent.services = picked.service, [picked.service]
    intent.operation, intent.operations = picked.operation, [picked.operation]
    if intent.clarification_question and not intent.clarification_question.startswith(("Who ", "What should")):
        intent.needs_clarification, intent.clarification_question = False, None
