"""The offline classifier (no network; the demo default): a request → ParsedIntent.

Service and operation come from the learned model (model.py: MiniLM embedding + words → softmax), narrowed by
rules where words settle it (rules.py: "forward", "reply", "share", "cancel the meeting"; "email" / "meeting" /
"the deck" name the service). A compound request is split into clauses ("If …, schedule …", "find … and share
it"); the main operation is the last one that changes something. Times are resolved against the given `now`
(timeexpr.py), entities are read by rules (extract.py), and people are resolved through the injected
`resolve_people` (server.search.people.resolve fits; see `people_resolver`). It asks a question instead of
guessing when the request is too vague, its confidence is low, or a person it must write to is unknown or
ambiguous.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol, Sequence

from server.embeddings import Embedder
from server.intent import extract, timeexpr
from server.intent.features import Quote, find_quotes, mask_quotes
from server.intent.labels import OUT_OF_SCOPE
from server.intent.model import LinearIntentModel
from server.intent.rules import Clause, is_check_question, service_cues, split_clauses, verb_operation
from server.intent.schema import (OPERATIONS, SERVICES, WRITE_OPERATIONS, Candidate, Duration, Entities,
                                  ParsedIntent, PersonRef, TimeRange)

log = logging.getLogger(__name__)

Label = tuple[str, str]


class PersonLike(Protocol):
    email: str
    name: str


class ResolvedPerson(Protocol):
    """What a people resolver returns (server.search.people.Resolution has this shape)."""

    matches: Sequence[PersonLike]
    ambiguous: bool


ResolvePeople = Callable[[str], ResolvedPerson]


def people_resolver(conn: Any, user_id: Any, me: str = "") -> ResolvePeople:
    """A resolver over one person's index: `name → server.search.people.resolve(conn, user_id, name, me)`."""
    from server.search.people import resolve

    return lambda name: resolve(conn, user_id, name, me=me)


# Below this probability an in-scope guess is kept but the person is asked to confirm it.
CLARIFY_BELOW = 0.4
VERB_CONFIDENCE = 0.95
_PAST_OPERATIONS = {"search", "read", "forward", "reply", "trash", "label", "lookup_contact"}
_MAX_CANDIDATES = 5


@dataclass
class _ClauseResult:
    clause: Clause
    label: Label
    confidence: float
    chatter: bool = False


@dataclass
class _Prepared:
    text: str
    quotes: list[Quote]
    masked: str
    clauses: list[Clause]
    to_score: list[str] = field(default_factory=list)  # the whole text, then each clause


class OfflineClassifier:
    """Turns requests into ParsedIntents with the local model and rules; safe to share between threads."""

    def __init__(self, embedder: Embedder | None = None, model: LinearIntentModel | None = None,
                 clarify_below: float = CLARIFY_BELOW) -> None:
        """`embedder`: the local MiniLM (made here if not given; share the app's when it is the local one)."""
        if embedder is None:
            from server.embeddings.minilm import MiniLMEmbedder

            embedder = MiniLMEmbedder()
        self.embedder = embedder
        self.model = model or LinearIntentModel.load()
        if embedder.name != self.model.embedder_name:
            # The weights only make sense on the embeddings they were trained on (pass the local MiniLM even
            # when documents are embedded by OpenAI).
            raise ValueError(f"the intent model was trained on {self.model.embedder_name} embeddings, "
                             f"not {embedder.name}")
        self.clarify_below = clarify_below

    def parse(self, text: str, now: datetime, resolve_people: ResolvePeople | None = None) -> ParsedIntent:
        """One request → ParsedIntent; times resolved against `now` (timezone-aware, in the person's zone)."""
        return self.parse_batch([text], now, resolve_people)[0]

    def parse_batch(self, texts: Sequence[str], now: datetime,
                    resolve_people: ResolvePeople | None = None) -> list[ParsedIntent]:
        """Many requests at once (one embedding batch): for evaluations."""
        prepared = [_prepare(t) for t in texts]
        flat = [s for p in prepared for s in p.to_score]
        probs = self.model.predict(self.embedder, flat) if flat else []
        out, i = [], 0
        for p in prepared:
            n = len(p.to_score)
            out.append(self._finish(p, probs[i:i + n], now, resolve_people))
            i += n
        return out

    # ------------------------------------------------------------------ service and operation

    def _finish(self, p: _Prepared, probs: list[dict[Label, float]], now: datetime,
                resolve_people: ResolvePeople | None) -> ParsedIntent:
        whole = probs[0] if probs else {OUT_OF_SCOPE: 1.0}
        results = [_classify_clause(p.masked[c.start:c.end], c, pr)
                   for c, pr in zip(p.clauses, probs[1:] if len(p.clauses) > 1 else [whole])]
        actions = [r for r in results if not r.clause.condition and not r.chatter]
        if any(r.label != OUT_OF_SCOPE for r in actions):
            actions = [r for r in actions if r.label != OUT_OF_SCOPE]
        rest = [r for r in results if not r.clause.condition]
        if not actions and rest and len(rest) < len(results) and all(r.label == OUT_OF_SCOPE for r in rest):
            actions = rest[-1:]  # "If Marta hasn't emailed me, play some music": the action decides
        if not actions:
            actions = [_classify_clause(p.masked, Clause(0, len(p.text)), whole)]
        main = next((r for r in reversed(actions) if r.label[1] in WRITE_OPERATIONS), actions[-1])
        conditions = [r for r in results if r.clause.condition and not r.chatter]
        # Look things up before changing anything: "schedule … It's with the sender of the email from …".
        steps = [r.label for r in conditions + actions if r.label[0] in SERVICES]
        steps = [s for s in steps if s[1] not in WRITE_OPERATIONS] + [s for s in steps if s[1] in WRITE_OPERATIONS]
        ordered: list[Label] = []
        for label in steps if main.label != OUT_OF_SCOPE else []:
            if not ordered or ordered[-1] != label:
                ordered.append(label)
        services = list(dict.fromkeys(label[0] for label in ordered))
        service = services[0] if len(services) == 1 else "multi" if services else "none"
        operation = main.label[1] if service != "none" else "out_of_scope"

        if _BOOKING.search(p.masked):
            # "Cancel my Turkish Airlines flight": a booking lives in the mail that confirmed it (and the calendar
            # entry made for it), whatever the model made of the words.
            service, services, operation = "multi", ["gmail", "calendar"], "cancel_booking"
            ordered = [("gmail", "search"), ("calendar", "search"), ("gmail", "cancel_booking")]
            main = _ClauseResult(main.clause, ("gmail", "cancel_booking"), max(main.confidence, VERB_CONFIDENCE))
        entities = self._entities(p, results, main, now, resolve_people)
        intent = ParsedIntent(text=p.text, service=service, operation=operation, services=services,
                              operations=[label[1] for label in ordered] if service != "none" else [operation],
                              entities=entities, confidence=round(main.confidence, 3))
        _clarify(intent, p, bool(resolve_people), self.clarify_below)
        return intent

    # ------------------------------------------------------------------ entities

    def _entities(self, p: _Prepared, results: list[_ClauseResult], main: _ClauseResult, now: datetime,
                  resolve_people: ResolvePeople | None) -> Entities:
        ent = Entities()
        operation = main.label[1]
        time_spans: list[tuple[int, int]] = []
        for r in results:
            found, spans = _clause_times(p, r, now)
            time_spans += spans
            for t in found:
                ent.times.append(TimeRange(text=t.text, start=t.start, end=t.end, kind=t.kind,
                                           granularity=t.granularity, role=_time_role(r, p.masked[:t.span[0]])))
        for d in timeexpr.find_durations(p.masked, exclude=time_spans):
            shift = operation == "update_event" and re.search(r"\bby\s+$", p.masked[:d.span[0]], re.I)
            ent.durations.append(Duration(d.text, d.minutes, "shift" if shift else "length"))
        duration_spans = [(d.span[0], d.span[1]) for d in timeexpr.find_durations(p.masked, exclude=time_spans)]

        texts = extract.find_texts(p.text, p.masked, p.quotes, drive=main.label[0] == "drive")
        ent.subject, ent.body, ent.titles, ent.file_names = texts.subject, texts.body, texts.titles, texts.file_names
        blank = _blank(p.masked, time_spans + duration_spans + texts.spans)
        mentions = extract.find_people(blank)
        ent.people = _people(mentions, main.label, results, resolve_people)
        ent.recipients = _recipients(ent.people, operation)
        ent.selector, selector_span = extract.find_selector(p.masked)
        conditions = [r.clause for r in results if r.clause.condition]
        if conditions:
            ent.condition = p.text[conditions[0].start:conditions[-1].end].strip(" ,;")
        person_spans = [(m.trigger_start, m.span[1]) for m in mentions]
        ent.query = extract.topic(p.text, time_spans + duration_spans + texts.spans + person_spans +
                                  ([selector_span] if selector_span else []) + [q.span for q in p.quotes])
        return ent


# "cancel my Turkish Airlines flight", "cancel the hotel reservation for Lisbon" — not "cancel my meeting about
# the flight" (an event of one's own is delete_event).
_BOOKING = re.compile(
    r"\bcancel(?:l?ing|l?ed)?\s+(?:(?!meeting|event|call|appointment|sync|interview|session)[\w&'.-]+\s+){0,4}?"
    r"(?:flights?|bookings?|reservations?|hotel|tickets?|train|trip|car\s+rental|rental|order|subscription)\b"
    r"(?!\s+(?:review|meeting|event|call|sync|discussion|planning|debrief|retro)\b)", re.I)


def _prepare(text: str) -> _Prepared:
    quotes = find_quotes(text)
    masked = mask_quotes(text, quotes)
    clauses = split_clauses(masked) or [Clause(0, len(text))]
    prepared = _Prepared(text, quotes, masked, clauses, [text])
    if len(clauses) > 1:
        prepared.to_score += [text[c.start:c.end] for c in clauses]
    return prepared


# "I can't remember the last time…", "I haven't met with Yuki in a while": said as context, not asked.
_STATEMENT = re.compile(r"^\s*i\s+(?!need\b|want\b|would\s+like\b|'d\s+like\b|wish\b)(?!.*\?\s*$)", re.I)


def _classify_clause(masked_clause: str, clause: Clause, probs: dict[Label, float]) -> _ClauseResult:
    """A clause's (service, operation): an explicit verb, else the model's best within the named services."""
    cues = service_cues(masked_clause)
    if clause.condition:
        # A condition is a check: a search of the service it names ("If not," alone names none and adds no step).
        return _ClauseResult(clause, (cues[0] if cues else "none", "search"), 1.0, chatter=not cues)
    verb = verb_operation(masked_clause, cues)
    if verb:
        return _ClauseResult(clause, verb, max(VERB_CONFIDENCE, probs.get(verb, 0.0)))
    if cues:
        allowed = {label: pr for label, pr in probs.items() if label[0] in cues}
        label = max(allowed, key=allowed.__getitem__)
        total = sum(allowed.values())
        # "I can't remember the last time I heard from Kofi." names Gmail but asks nothing: context for the
        # clauses around it, unless it is all there is.
        chatter = (next(iter(probs)) == OUT_OF_SCOPE and probs[OUT_OF_SCOPE] >= 0.5) or bool(_STATEMENT.match(
            masked_clause))
        return _ClauseResult(clause, label, allowed[label] / total if total else 0.0, chatter=chatter)
    label = next(iter(probs))
    chatter = label == OUT_OF_SCOPE or probs[label] < 0.5 or is_check_question(masked_clause) or bool(
        _STATEMENT.match(masked_clause))
    return _ClauseResult(clause, label, probs[label], chatter=chatter)


def _clause_times(p: _Prepared, r: _ClauseResult,
                  now: datetime) -> tuple[list[timeexpr.TimeMatch], list[tuple[int, int]]]:
    """The clause's time expressions and the spans they occupy (in the whole text). A bare "at 12" joins the one
    day said in the clause ("at 12 with the sender for December 11" → December 11, 12:00)."""
    c = r.clause
    past = c.condition or (r.label[0] == "gmail" and r.label[1] in _PAST_OPERATIONS)
    found = [timeexpr.TimeMatch(p.text[t.span[0] + c.start:t.span[1] + c.start].strip(), t.start, t.end, t.kind,
                                t.granularity, (t.span[0] + c.start, t.span[1] + c.start), t.day_said)
             for t in timeexpr.find_times(p.masked[c.start:c.end], now, "past" if past else "future")]
    spans = [t.span for t in found]
    clocks = [t for t in found if not t.day_said and t.kind == "moment"]
    days = [t for t in found if t.day_said and t.granularity == "day" and t.kind == "range"]
    if len(clocks) == 1 and len(days) == 1:
        merged = timeexpr.on_day(clocks[0], days[0])
        if merged is not clocks[0]:
            found = sorted([t for t in found if t not in (clocks[0], days[0])] + [merged], key=lambda t: t.span)
    return found, spans


def _time_role(r: _ClauseResult, before: str) -> str:
    if r.clause.condition:
        return "condition"
    if r.label[1] == "create_event":
        return "when"
    if r.label[1] == "update_event" and re.search(r"\b(?:to|until|till|for|into)\s+$", before, re.I):
        return "when"
    return "filter"


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = "_" * (e - s)
    return "".join(chars)


# ------------------------------------------------------------------ people

_ROLE_BY_OPERATION = {"create_event": "attendee", "update_event": "attendee", "delete_event": "attendee",
                      "free_slots": "attendee", "share": "share_with", "forward": "recipient", "send": "recipient",
                      "draft": "recipient"}


def _role(mention: extract.Mention, label: Label, in_condition: bool) -> str:
    if mention.role not in (None, "possessive"):
        return mention.role
    service, operation = label
    if in_condition:
        return "attendee" if mention.role is None else "sender"
    if mention.role == "possessive":
        return "sender" if service == "gmail" else "attendee" if service == "calendar" else "mentioned"
    if service == "calendar":
        return "attendee"
    return _ROLE_BY_OPERATION.get(operation, "mentioned")


def _people(mentions: list[extract.Mention], main: Label, results: list[_ClauseResult],
            resolve_people: ResolvePeople | None) -> list[PersonRef]:
    conditions = [r.clause for r in results if r.clause.condition]
    cache: dict[str, ResolvedPerson | None] = {}
    out: list[PersonRef] = []
    for m in mentions:
        in_condition = any(c.start <= m.span[0] < c.end for c in conditions)
        ref = PersonRef(text=m.text, role=_role(m, main, in_condition), kind=m.kind)
        if m.kind == "email":
            ref.emails = [m.text.lower()]
        elif m.kind == "name" and resolve_people:
            key = m.text.lower()
            if key not in cache:
                cache[key] = _resolve(resolve_people, m.text)
            _apply(ref, cache[key])
        out.append(ref)
    # "cancel my next meeting with them": a pronoun stands for the one person named elsewhere.
    named = [p for p in out if p.kind in ("name", "email")]
    if len({p.text.lower() for p in named}) == 1:
        for p in out:
            if p.kind == "reference" and p.text.lower() in ("them", "him", "her"):
                p.emails, p.candidates, p.ambiguous = list(named[0].emails), list(named[0].candidates), \
                    named[0].ambiguous
    return out


def _resolve(resolve_people: ResolvePeople, name: str) -> ResolvedPerson | None:
    try:
        return resolve_people(name)
    except Exception:  # a resolver failure must not lose the whole request; the name stays unresolved
        log.warning("people resolution failed for %r", name, exc_info=True)
        return None


def _apply(ref: PersonRef, resolution: ResolvedPerson | None) -> None:
    if resolution is None:
        return
    matches = list(resolution.matches)
    if resolution.ambiguous and len(matches) > 1:
        ref.ambiguous = True
        ref.candidates = [Candidate(m.email, m.name or "") for m in matches[:_MAX_CANDIDATES]]
    elif matches:
        ref.emails = [matches[0].email]


def complete_people(intent: ParsedIntent, resolve_people: ResolvePeople) -> None:
    """An intent from elsewhere (the LLM) gets what this classifier gives its own: names resolved through the
    person's index, the recipients they make, and a question when someone to write to is ambiguous or unknown."""
    cache: dict[str, ResolvedPerson | None] = {}
    for ref in intent.entities.people:
        if ref.kind == "name" and not ref.emails and not ref.candidates:
            key = ref.text.lower()
            if key not in cache:
                cache[key] = _resolve(resolve_people, ref.text)
            _apply(ref, cache[key])
    intent.entities.recipients = list(dict.fromkeys(
        [a.lower() for a in intent.entities.recipients] + _recipients(intent.entities.people, intent.operation)))
    question = None if intent.needs_clarification else _people_question(intent, True)
    if question:
        intent.needs_clarification, intent.clarification_question = True, question


def _recipients(people: list[PersonRef], operation: str) -> list[str]:
    roles = {"recipient", "share_with"} | ({"attendee"} if operation == "create_event" else set())
    return list(dict.fromkeys(e for p in people if p.role in roles for e in p.emails))


# ------------------------------------------------------------------ clarification

_VAGUE_WORDS = set("""please pls can could would will you me my i help with do it that this the a an something
stuff thing hey hi hello ok okay um uh so just need want to for some something anything""".split())
_ASK_WHO = {"send": "Who should I send it to?", "forward": "Who should I forward it to?",
            "share": "Who should I share it with?"}


def _clarify(intent: ParsedIntent, p: _Prepared, can_resolve: bool, clarify_below: float) -> None:
    """Set needs_clarification and the question when the request cannot be acted on as it stands."""
    question = _vague_question(intent, p) or _people_question(intent, can_resolve) or _slot_question(intent)
    if question is None and intent.service != "none" and intent.confidence < clarify_below:
        question = f"Just to check: do you want me to {OPERATIONS[intent.operation].split(' (')[0]}?"
    if question:
        intent.needs_clarification, intent.clarification_question = True, question


def _vague_question(intent: ParsedIntent, p: _Prepared) -> str | None:
    words = [w for w in re.findall(r"[a-z']+", p.masked.lower())]
    ent = intent.entities
    if ent.people or ent.times or p.quotes or ent.file_names:
        return None
    content = [w for w in words if w not in _VAGUE_WORDS]
    cues = service_cues(p.masked)
    nouns = {"email", "emails", "mail", "e-mail", "calendar", "drive", "files", "file", "docs", "meeting",
             "meetings", "inbox"}
    if not content or (cues and all(w in nouns for w in content)):
        service = cues[0] if len(cues) == 1 else "none"
        intent.service, intent.operation = service, "needs_clarification"
        intent.services = [service] if service in SERVICES else []
        intent.operations = ["needs_clarification"]
        what = {"gmail": "your email", "calendar": "your calendar", "drive": "your Drive files"}.get(service)
        return (f"What would you like me to do with {what}?" if what else
                "What would you like me to do? I can search and send email, manage your calendar, and find or "
                "share Drive files.")
    return None


def _people_question(intent: ParsedIntent, can_resolve: bool) -> str | None:
    if intent.operation not in WRITE_OPERATIONS or intent.operation == "cancel_booking":
        return None  # a booking's draft goes to whoever confirmed it; "to Paris" names no one to write to
    for person in intent.entities.people:
        if person.ambiguous:
            options = " or ".join(f"{c.name} <{c.email}>" if c.name else c.email for c in person.candidates)
            return f"Which {person.text} do you mean: {options}?"
        if (can_resolve and person.kind == "name" and not person.emails and
                person.role in ("recipient", "share_with", "attendee")):
            return f"I couldn't find {person.text} in your mail, calendar or files. What is their email address?"
    return None


def _slot_question(intent: ParsedIntent) -> str | None:
    ent = intent.entities
    targets = [p for p in ent.people if p.role in ("recipient", "share_with")]
    if intent.operation in _ASK_WHO and not targets:
        return _ASK_WHO[intent.operation]
    if intent.operation == "reply" and not ent.body:
        return "What should the reply say?"
    if intent.operation == "share" and not (ent.file_names or ent.titles or ent.query):
        return "Which file should I share?"
    return None
