"""Rules for what words settle: which service a clause talks about ("email", "meeting", "the Q4 deck"), the
operation an explicit verb names ("forward", "reply", "share", "cancel the meeting", "push back"), and where a
compound request splits into clauses ("If …, schedule …", "find … and share it").

The rules say what is certain and leave the rest to the learned model: a verb rule names one operation; a service
cue only narrows the model's choice to that service's operations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

GMAIL_CUE = re.compile(r"\b(?:e-?mails?|mails?|inbox|gmail|unread|threads?|newsletters?|attachments?|"
                       r"replies|repl(?:y|ied)|sent\s+me|emailed|heard\s+from|drafts?|wr(?:ite|ote|itten)\s+(?:to\s+)?me)\b",
                       _I)
CALENDAR_CUE = re.compile(r"\b(?:calendar|meetings?(?!\s+(?:notes|minutes|recordings?)\b)|appointments?|agenda|"
                          r"stand-?ups?|1:1s?|one\s+on\s+ones?|"
                          r"my\s+schedule|schedule\s+(?:a|an|the|me|my|some|time|it)|scheduled|"
                          r"met\s+with|meet\s+with|free\s+slots?|invites?|events?\s+called|event\s+on|events?\s+with|"
                          r"(?:calendar|an?|the|new|my)\s+events?|"
                          # the person's own time: "what does my afternoon look like", "anything planned for Friday"
                          r"(?:what|how)\s+does\s+my\s+(?:\w+\s+)?(?:day|week|weekend|morning|afternoon|evening|night|"
                          r"month|schedule|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+look|"
                          r"how\s+(?:busy|packed|full)\s+(?:is\s+my|am\s+i)|"
                          r"my\s+(?:diary|plans)|(?:anything|something|what)\s+(?:planned|booked))\b", _I)
FILE_EXTENSIONS = r"(?:docx?|xlsx?|pptx?|pdf|csv|txt|md|key|numbers|pages|png|jpe?g|gif|zip|odt|ods)"
# "slide" alone is a verb too ("slide my lunch to 1pm"): only slides, or a slide named as a thing, are Drive's.
DRIVE_CUE = re.compile(r"\b(?:drive|files?|docs?|documents?|spreadsheets?|sheets?|decks?|slides|"
                       r"(?:the|a|this|that|my)\s+slide|presentations?|meeting\s+notes|notes\s+from|"
                       r"folders?|pdfs?|google\s+docs?|mockups?|[\w-]+\." + FILE_EXTENSIONS + r")\b", _I)

_CUES = {"gmail": GMAIL_CUE, "calendar": CALENDAR_CUE, "drive": DRIVE_CUE}


def service_cues(text: str) -> list[str]:
    """The services a clause's nouns point to, in order of first mention."""
    found = [(m.start(), service) for service, cue in _CUES.items() for m in [cue.search(text)] if m]
    return [service for _, service in sorted(found)]


# An action verb at the head of a clause, after the usual politeness ("can you", "please", "I need to").
_LEAD = r"(?:^|[.?!,;]\s*|\b(?:please|pls|can\s+you|could\s+you|would\s+you|will\s+you|i\s+need\s+to|i\s+want\s+to|" \
        r"i'd\s+like\s+(?:you\s+)?to|i\s+would\s+like\s+(?:you\s+)?to|help\s+me|go\s+ahead\s+and|and|then|also|" \
        r"just|you\s+should|let's|lets|to)\s+)"


@dataclass(frozen=True)
class VerbRule:
    """An explicit verb that names an operation, given the services the clause is about."""

    pattern: re.Pattern[str]
    service: str | None           # the service it implies on its own (None: only with a cue)
    by_cue: dict[str, str]        # service cue → operation
    first_cue: str | None = None  # applies only when the clause names this service first


def _rule(regex: str, service: str | None, first_cue: str | None = None, **by_cue: str) -> VerbRule:
    return VerbRule(re.compile(regex, _I), service, by_cue, first_cue)


# Order matters: the first rule that applies wins (draft before send, reply before forward…).
VERB_RULES: tuple[VerbRule, ...] = (
    # "Compose" is writing a message to send (Gmail's button; HWU64 files it under sendemail): only "draft", or
    # keeping it unsent, is a draft.
    _rule(_LEAD + r"draft\b|\b(?:don't|do\s+not)\s+send\b|\b(?:leave|keep|save|put)\s+(?:it\s+)?(?:in|as)\s+"
          r"(?:a\s+|my\s+)?drafts?\b|\bbefore\s+sending\b|"
          r"\b(?:write|compose|prepare|start|make)\s+(?:me\s+)?an?\s+draft\b", "gmail", gmail="draft"),
    _rule(_LEAD + r"(?:reply|respond|write\s+back|hit\s+reply|answer|get\s+back\s+to)\b|"
          r"\b(?:send|shoot|fire\s+off|write)\s+(?:\w+\s+)?(?:a\s+)?(?:quick\s+|short\s+)?(?:reply|response)\b|"
          r"\bin\s+reply\s+to\b", "gmail", gmail="reply"),
    _rule(r"(?<!bring\s)(?<!move\s)\b(?:forward|fwd|pass\s+(?:\w+\s+){0,4}along|resend)\b(?!\s+by\b)|"
          r"\bsend\s+(?:\w+\s+){0,5}on\s+to\b", "gmail", gmail="forward", drive="share"),
    _rule(r"\bshare\b|\bgive\s+(?:\w+\s+){1,3}(?:access|edit|view|comment)|\bgrant\s+(?:\w+\s+){1,2}access\b|"
          r"\b(?:add|make)\s+\w+\s+(?:as\s+)?(?:an?\s+)?(?:editor|viewer|commenter)\b|\blet\s+\w+\s+(?:view|edit|comment)\b",
          "drive", drive="share", gmail="forward"),
    _rule(r"\b(?:mark|marked)\s+(?:\w+\s+){0,6}(?:as\s+)?(?:read|unread|important|spam)\b|\barchive\b|\bstar\b|"
          r"\bflag\b|\blabel\b|\bfile\s+(?:the\s+)?e-?mails?\b", None, gmail="label"),
    _rule(r"\b(?:cancel|call\s+off|scrap)\b", None, calendar="delete_event"),
    # To the trash is a deletion, not a move.
    _rule(r"\b(?:move|put|send|throw)\s+(?:\w+\s+){0,6}(?:to|in|into)\s+(?:the\s+)?(?:trash|bin|recycle\s+bin)\b",
          None, gmail="trash", drive="trash", calendar="delete_event"),
    _rule(r"\bmove\b", None, calendar="update_event", gmail="label", drive="share"),
    _rule(r"\b(?:reschedule|push\s+(?:\w+\s+){0,6}back|push\s+back|push\s+(?:\w+\s+){0,6}(?:to|till|until|into)|"
          r"delay|postpone|shift|bring\s+(?:\w+\s+){0,6}forward|rename|extend|shorten|slide|"
          r"(?:change|update|edit)\s+the\s+(?:time|title|location|date|name|venue|room|start)|make\s+(?:\w+\s+){0,4}"
          r"(?:longer|shorter))\b", None, calendar="update_event"),
    # "add Oskar to my meeting with Grace", "invite Rachel to the budget review": an attendee for an existing event.
    _rule(r"\b(?:add|invite)\s+(?!(?:a|an|the|my|this|that|it|new|some|me)\b)\w+(?:\s+(?:and\s+)?\w+)?\s+to\s+"
          r"(?:my|the|our|this|that|tomorrow's|today's|\w+'s)\s+(?!calendar\b|schedule\b|agenda\b|diary\b)", None,
          calendar="update_event"),
    _rule(_LEAD + r"(?:delete|trash|remove|erase|bin|throw\s+away|wipe|get\s+rid\s+of|clear(?:\s+out)?)\b|"
          r"\btake\s+(?:\w+\s+){0,5}(?:off|out\s+of|out)\b", None, gmail="trash", calendar="delete_event",
          drive="trash"),
    # Unmistakably a calendar entry even without naming the calendar.
    _rule(r"\bpencil\s+(?:\w+\s+){0,4}in\b|\bblock\s+(?:out\s+|off\s+)?(?:an?|\w+|\d+)\s+(?:hours?|minutes?|mins?)\b",
          "calendar", calendar="create_event"),
    _rule(_LEAD + r"(?:schedule|set\s+up|book|arrange|pencil\s+in|block(?:\s+out)?|create|put|add|organi[sz]e|"
          r"make\s+an\s+appointment|plan)\b", None, calendar="create_event"),
    # Reminders are calendar entries here (as in HWU64/SLURP, where 41 of 48 "remind me" requests are calendar_set).
    _rule(r"\bremind\s+me\b|\b(?:set|add|create|make)\s+(?:a|an|me\s+a)\s+reminder\b|\bnew\s+reminder\b", "calendar",
          calendar="create_event"),
    _rule(r"\b(?:show|list|give\s+me|go\s+through|read|check|what\s+are)\s+(?:\w+\s+){0,3}reminders\b", "calendar",
          calendar="search"),
    _rule(r"\b(?:put|place|add|added|enter|entered|note|mark|save|pop|write)\s+(?:\w+\s+){0,6}(?:on|in|into|to)\s+"
          r"(?:my|the|our)\s+(?:\w+\s+)?(?:calendar|diary)\b", "calendar", calendar="create_event"),
    _rule(r"\b(?:when\s+am\s+i\s+free|am\s+i\s+(?:free|available|busy)|availability|free\s+(?:time|slots?)|"
          r"open\s+slots?|an\s+opening|(?:are|is)\s+\w+(?:\s+and\s+\w+)?\s+(?:both\s+)?(?:free|available)|"
          r"find\s+(?:a\s+)?(?:time|slot)|fit\s+in|free\s+between|gaps?\s+in\s+my\s+calendar|"
          r"do\s+i\s+have\s+(?:any\s+)?(?:free\s+)?time|(?:times?|slots?)\s+(?:when\s+)?(?:i|we)\s+(?:could|can)\s+"
          r"meet)\b", "calendar", calendar="free_slots"),
    _rule(r"\b(?:summari[sz]e|(?:a|the)\s+summary\s+of|read\s+(?:me|out)|read\s+(?:the|my|his|her)|"
          r"open\s+(?:up\s+)?(?:the|my)|"
          r"what\s+(?:did|does|do)\s+(?:\w+\s+){1,6}(?:say|said|write|wrote)|what's\s+in|give\s+me\s+the\s+key\s+"
          r"points)\b", None, gmail="read", drive="read", calendar="read"),
    # Looking things up, when no verb above said otherwise: "find the thread about…", "show me my calendar for…".
    # (A contact's address or number is the model's to read: "find me my dad's email address".)
    _rule(_LEAD + r"(?:find|search|look\s+(?:up|for|through)|locate|dig\s+up)\b(?!.*\b(?:address|contacts?|phone)\b)",
          None, gmail="search", calendar="search", drive="search"),
    _rule(_LEAD + r"(?:show|list|display|check|pull\s+up|go\s+through|what's\s+on|what\s+is\s+on)\b", None,
          first_cue="calendar", calendar="search"),
    # "What's happening this weekend?" with no place named is about the person's own time (with a place — "in
    # town", "near me" — it is a what's-on guide, out of scope; HWU64 annotates them so).
    _rule(r"^\s*(?:(?:hey|hi|ok|okay|so|please|tell\s+me|can\s+you\s+tell\s+me),?\s+)*(?:what's|whats|what\s+is|"
          r"what\s+have\s+i\s+got|have\s+i\s+got\s+anything|do\s+i\s+have\s+anything|is\s+there\s+anything|anything)"
          r"(?:\s+\w+)?\s+(?:happening|going\s+on|on|planned)\s+(?:for\s+|on\s+|at\s+)?(?:the\s+)?(?:(?:this|next)\s+)?"
          r"(?:today|tonight|tomorrow|later|week|weekend|morning|afternoon|evening|month|monday|tuesday|wednesday|"
          r"thursday|friday|saturday|sunday|between)\b"
          r"(?!.*\b(?:in|near|nearby|around|town|city|area|downtown|here|local)\b)", "calendar", calendar="search"),
    # A question about the calendar asks what is in it ("do I have a dentist appointment on Monday?", "when is
    # my next meeting?"), whatever else its words suggest.
    _rule(r"^\s*(?:(?:hey|hi|ok|okay|so|and|please),?\s+)*(?:when|what|where|which|"
          r"who|how\s+many|how\s+long|is\s+there|are\s+there|do\s+i|did\s+i|have\s+i|am\s+i|will\s+i|is\s+my|"
          r"are\s+my|was\s+there|were\s+there)\b", None, first_cue="calendar", calendar="search"),
)


def verb_operation(clause: str, cues: list[str]) -> tuple[str, str] | None:
    """The (service, operation) an explicit verb in `clause` names, if one does, given the clause's cues."""
    for rule in VERB_RULES:
        if not rule.pattern.search(clause) or (rule.first_cue and cues[:1] != [rule.first_cue]):
            continue
        for service in cues:
            if service in rule.by_cue:
                return service, rule.by_cue[service]
        if not cues and rule.service:
            return rule.service, rule.by_cue[rule.service]
    return None


# ---------------------------------------------------------------- clauses

@dataclass(frozen=True)
class Clause:
    """A part of the request: its span in the original text and whether it is the condition of an "if"."""

    start: int
    end: int
    condition: bool = False


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_IF_HEAD = re.compile(r"^\s*(?:and\s+)?(?:if|unless|in\s+case)\b[^,]*?,\s*", _I)
_IF_NOT = re.compile(r"^\s*(?:if\s+not|if\s+so|if\s+(?:they|he|she)\s+(?:haven't|hasn't|didn't|have\s+not|"
                     r"has\s+not)|otherwise)\s*[,:]\s*", _I)
_CHECK = re.compile(r"\b(?:check|see|find\s+out|tell\s+me)\s+(?:if|whether)\b|^\s*(?:have|has|did)\s+(?:i|\w+)\s+", _I)
_ACTION_AFTER_AND = re.compile(
    r"\s*,?\s+(?:and(?:\s+then)?|then)\s+(?=(?:please\s+)?(?:schedule|share|forward|send|reply|respond|create|set\s+up|"
    r"book|cancel|delete|trash|move|email|invite|add|remind|tell|let|draft|find|search|show|reschedule|"
    r"push|delay|put|give|mark|archive)\b)", _I)


def split_clauses(masked: str) -> list[Clause]:
    """Clauses of a request whose quotations are masked (so a period inside a quoted message cannot split it)."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(masked):
        pieces.append((start, m.start()))
        start = m.end()
    pieces.append((start, len(masked)))
    out: list[Clause] = []
    for s, e in pieces:
        if not masked[s:e].strip():
            continue
        sub = masked[s:e]
        follow = _IF_NOT.match(sub) if out else None
        head = None if follow else _IF_HEAD.match(sub)
        if follow:
            # "Can you check if I've met with them…? If not, schedule…": the previous sentence was the condition.
            out[-1] = Clause(out[-1].start, out[-1].end, condition=True)
            out.append(Clause(s, s + follow.end(), condition=True))
            s += follow.end()
            sub = masked[s:e]
        elif head:
            out.append(Clause(s, s + head.end(), condition=True))
            s += head.end()
            sub = masked[s:e]
        cut = s
        for m in _ACTION_AFTER_AND.finditer(sub):
            out.append(Clause(cut, s + m.start()))
            cut = s + m.end()
        out.append(Clause(cut, e))
    return [c for c in out if masked[c.start:c.end].strip()]


def is_check_question(text: str) -> bool:
    """ "Can you check if…", "have I met with…": a clause that only tests something."""
    return bool(_CHECK.search(text))
