"""Rule-based entity extraction: who is named and in what role, quoted subjects, bodies and titles, file names,
which item ("my last email", "the next meeting"), and the topic words left over.

Works on the request with its quotations masked (features.mask_quotes) so nothing inside a quoted message is
read as a person or a time; spans always refer to the original text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.intent.features import Quote
from server.intent.rules import FILE_EXTENSIONS

_I = re.IGNORECASE

EMAIL_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)")
_SIMPLE_FILE_NAME = re.compile(r"(?<![\w.-])[\w][\w\-.]*\." + FILE_EXTENSIONS + r"\b", _I)

# Words that are never a person's name where a name could stand ("email about…", "meet with the team").
_NOT_NAMES = set("""
a about above after again against all also am an and any anyone anything are as at attached attachment be been
before being below between both but by can cancel could create day days delete did do does doing done down during
each either email emails e-mail else every everything few file files find first for forward from further get give
go had has have having he her here hers him his how i if in inbox into is it its itself just last later latest let
lunch dinner breakfast mail make me meeting meetings message messages more most my myself need next no nor not now of
off on once one only or other our ours out over own please re recent regarding reply same say saying schedule see
send sender she should so some someone something soon such than thank thanks that the their theirs them then there
these they this those through to today tomorrow tonight too under until up upcoming us very was we were what when
where which while who whom why will with would yesterday you your yours event events calendar drive doc docs document
documents folder sheet spreadsheet deck slides team everyone everybody anybody nobody work home office sick back
week month year morning afternoon evening night noon monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december jan feb mar apr jun jul aug
sep sept oct nov dec subject title titled called named it's i'm i've i'd let's that's what's there's asap
appointment call reminder note notes link invite invitation time slot slots free available copy tell ask show list
read open trash bin remove erase reschedule move push delay postpone cancel check whether tell know new old urgent
important update updates edit access view comment permission permissions editor viewer commenter catch meet
talk chat sync speak discuss review follow be have go come get set put bring take keep start stop join attend
touch base run help do make hear reach call contact address number phone they've they're they'd they'll we've
we're you've you're i'll he's she's it'll there'll who's remind pick prepare repeat reflect study buy pay
visit fix wish say ask contacts contact account activity alerts alert recently olly alexa siri google hey
information info details detail scheduled search compose happy person people visiting birthday anniversary
""".split())

_RELATIONS = (r"mom|mum|mother|dad|father|wife|husband|boss|manager|brother|sister|bro|sis|friend|friends|colleague|"
              r"colleagues|coworker|coworkers|co-worker|co-workers|co\s+workers|partner|assistant|accountant|landlord|"
              r"doctor|lawyer|family|cfo|ceo|cto|vp|grandma|grandpa|gma|uncle|aunt|son|daughter|kids|wife's|"
              r"husband's|mom's|dad's|boss's|manager's")
_GROUP = (r"(?:the\s+)?(?:whole\s+|entire\s+)?(?:[a-z&]+\s+){0,2}(?:team|department|dept|group|committee|board|"
          r"list|channel|staff|crew)\b|everyone(?:\s+at\s+[\w.-]+)?|everybody|all\s+attendees|all\s+participants")
_REFERENCE = r"the\s+sender|the\s+organi[sz]er|the\s+attendees|the\s+participants|the\s+recipients?|them|him|her"
_TITLE = r"(?:mr|mrs|ms|miss|dr|prof)\.?\s+"
_TITLE_WORD = re.compile(r"(?:mr|mrs|ms|miss|dr|prof)\.?")
_CAP_NAME = rf"(?:{_TITLE})?[A-Z][a-zA-Z'\-]*[a-zA-Z](?:\s+[A-Z][a-zA-Z'\-]*[a-zA-Z]){{0,2}}"
# Lower-case requests ("email jane doe") allow a second word; _person_at keeps it only where a name can end.
_LOW_NAME = rf"(?:{_TITLE})?[a-z][a-z'\-]*[a-z](?:\s+[a-z][a-z'\-]*[a-z])?"
_PERSON = (rf"(?P<email>{EMAIL_ADDRESS.pattern})|(?P<rel>(?:(?:my|our|the)\s+)?(?:{_RELATIONS})\b)|(?P<group>{_GROUP})|"
           rf"(?P<ref>(?:{_REFERENCE})\b)|(?P<name>{_CAP_NAME}|{_LOW_NAME})")
# Where a lower-case second word may end a name: the end, punctuation, or a word that is not part of a name.
_NAME_END = re.compile(r"^\s*(?:$|[,.?!;:_]|(?:about|and|to|from|with|on|at|in|for|saying|that|regarding|re|"
                       r"please|asap|tomorrow|today|tonight|next|this|last|by|if|or|but|so|who|which|the|my|a|an)\b)",
                       _I)
_NOT_SECOND = set("""immediately quickly soon later again back now asap too also instead first last please today
""".split())

# A verb addressed to someone counts only at the head of a clause ("email Bob", "can you tell Ana"), so nouns
# ("my email account", "email alerts") are not read as verbs.
_HEAD = (r"(?:^|[.?!,;]\s*|\b(?:please|pls|can\s+you|could\s+you|would\s+you|will\s+you|i\s+need\s+to|"
         r"i\s+want\s+to|i'd\s+like\s+to|and|then|also|just|to|olly|alexa|siri|google)\s+)")
# What comes before a person decides their role; None means "decided by the operation" (with …).
_TRIGGERS: list[tuple[str, str | None]] = [
    (r"\b(?:from|heard\s+from|sent\s+by|emails?\s+by)\s+", "sender"),
    (r"\b(?:cc|bcc|cc'?d?)\s+", "recipient"),
    (_HEAD + r"(?:forward|fwd|send|email|e-mail|mail|message|text|tell|ask|notify|ping|write\s+to|reply\s+to|"
     r"respond\s+to|shoot|drop|let|give)\s+(?:to\s+)?", "recipient"),
    (r"\bto\s+", "recipient"),
    (r"\b(?:invite|add)\s+", "attendee"),
    (r"\b(?:with|and\s+with|meet|meeting|see|named|contact|call)\s+", None),
]
_INFINITIVE = re.compile(r"\b(?:need|needs|want|wants|wanted|have|has|going|like|able|try|trying|plan|planning|"
                         r"remember|forgot|how|what|where|when|ought|used|due|me|us)\s+$", _I)
_LIST_JOIN = re.compile(r"^(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)", _I)
_SUBJECT_POSITION = re.compile(
    rf"(?:^|[.?!]\s+|\b(?i:if|whether|unless|did|has|have|when|what|until|whenever|once)\s+)(?P<p>{_CAP_NAME}|"
    rf"[a-z][a-z'\-]*[a-z])\s+(?P<verb>needs|wants|asked|hasn't|has\s+not|haven't|didn't|sent|send|emailed|emails|email|"
    r"wrote|write|writes|replied|reply|replies|has\s+sent|is|was|will|just)\b")
_POSSESSIVE = re.compile(r"(?<![\w'])(?P<p>[A-Za-z][\w\-]*[A-Za-z])(?:'s|’s)(?=\s)")


@dataclass
class Mention:
    """A person as written, with the span it occupies and how it was said."""

    text: str
    span: tuple[int, int]
    role: str | None                # sender | recipient | attendee | share_with | mentioned | None (by operation)
    kind: str                       # name | email | relation | group | reference
    trigger_start: int              # where the words that introduced it begin (removed from the topic too)


def _kind(m: re.Match[str]) -> str:
    if m.group("email"):
        return "email"
    if m.group("rel"):
        return "relation"
    if m.group("group"):
        return "group"
    if m.group("ref"):
        return "reference"
    return "name"


def _accept_name(text: str) -> bool:
    first = text.split()[0].lower().rstrip("'")
    return first not in _NOT_NAMES and not first.isdigit() and len(first) > 1


_PERSON_RX = re.compile(_PERSON)


def _person_at(masked: str, pos: int) -> re.Match[str] | None:
    """The person phrase starting at `pos`, if one does. A name keeps its following words only while they can
    be part of it: capitalised ones that are not ordinary words ("Sarah Lee", not "Bob Today"), or one lower-case
    word followed by where a name can end ("email jane doe about…", not "forward to nia immediately")."""
    m = _PERSON_RX.match(masked, pos)
    if not m or not m.group("name"):
        return m
    words = m.group("name").split()
    title = 1 if _TITLE_WORD.fullmatch(words[0].lower()) and len(words) > 1 else 0
    if not _accept_name(words[title] if title < len(words) else words[0]):
        return None
    keep = title + 1
    if words[title][:1].isupper():
        while keep < len(words) and words[keep].lower() not in _NOT_NAMES:
            keep += 1
    elif keep < len(words):
        second = words[keep].lower()
        end = pos + len(" ".join(words[:keep + 1]))
        if second not in _NOT_NAMES and second not in _NOT_SECOND and _NAME_END.match(masked[end:]):
            keep += 1
    return _PERSON_RX.match(masked[:pos + len(" ".join(words[:keep]))], pos)


def find_people(masked: str) -> list[Mention]:
    """People and groups named in `masked`, each with the role its position suggests."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], role: str | None, trigger_start: int) -> None:
        span = (m.start(), m.end())
        if any(s < span[1] and span[0] < e for s, e in taken):
            return
        text = m.group().strip()
        if text.lower().endswith(("'s", "’s")):
            text = text[:-2]
        found.append(Mention(text, span, role, _kind(m), trigger_start))
        taken.append(span)
        # "with Helen and Jonas", "to Priya, Marco and Ben": the same role for the whole list.
        rest = masked[m.end():]
        join = _LIST_JOIN.match(rest)
        if join:
            nxt = _person_at(masked, m.end() + join.end())
            if nxt and _kind(nxt) != "reference":
                add(nxt, role, m.end())

    for e in EMAIL_ADDRESS.finditer(masked):
        before = masked[:e.start()]
        said = [(mm.start(), r) for t, r in _TRIGGERS for mm in [re.search(t + r"$", before, _I)] if mm]
        person = _PERSON_RX.match(masked, e.start())
        if person:
            add(person, said[0][1] if said else "recipient", said[0][0] if said else e.start())
    for trigger, role in _TRIGGERS:
        for t in re.finditer(trigger, masked, _I):
            if role == "recipient" and t.group().lower().startswith("to") and _INFINITIVE.search(masked[:t.start()]):
                continue  # "I need to catch up": not a recipient
            person = _person_at(masked, t.end())
            if person:
                possessive = person.group().endswith(("'s", "’s")) or masked[person.end():person.end() + 2] in (
                    "'s", "’s")
                add(person, "possessive" if possessive and person.group("name") else role, t.start())
    for m in _SUBJECT_POSITION.finditer(masked):
        verb = m.group("verb").lower()
        role = "recipient" if verb in ("needs", "wants") else "mentioned" if verb in (
            "is", "was", "will", "asked") else "sender"
        start = m.start("p")
        # "If Tobias hasn't…" at the start: the capitalised "If" is not part of the name.
        while start < m.end("p") and masked[start:m.end("p")].split()[0].lower() in _NOT_NAMES:
            start += len(masked[start:m.end("p")].split()[0]) + 1
        # The name ends where the verb starts ("fatima needs my…" is not a person called "fatima needs").
        person = _person_at(masked[:m.end("p")], start) if start < m.end("p") else None
        if person and person.end() == m.end("p"):
            add(person, role, start)
    for m in _POSSESSIVE.finditer(masked):
        person = _PERSON_RX.match(masked[:m.end("p")], m.start("p"))
        if person and person.group("name") and _accept_name(person.group()):
            add(person, "possessive", m.start("p"))
    for m in re.finditer(rf"\b(?:my|our)\s+(?:{_RELATIONS})\b", masked, _I):
        person = _PERSON_RX.match(masked, m.start())
        if person:
            add(person, "mentioned", m.start())
        # "my friend Rohit": the name that follows is the person, in the relation's role.
        named = _person_at(masked, m.end() + 1) if masked[m.end():m.end() + 1] == " " else None
        if named and named.group("name"):
            role = next((f.role for f in found if f.span[0] == m.start()), "mentioned")
            add(named, role, m.start())
    found.sort(key=lambda p: p.span[0])
    return found


# ---------------------------------------------------------------- quoted and named things

@dataclass
class Texts:
    """Subject, body and titles taken from the request, and the spans they used (not topic words)."""

    subject: str | None = None
    body: str | None = None
    titles: list[str] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


_BODY_BEFORE = re.compile(r"\b(?:saying|say|says|said|that\s+says|which\s+says|with\s+the\s+(?:message|text|note)|"
                          r"message|with|tell\s+(?:him|her|them)|reply|respond|write|answer|text)\s*:?\s*$", _I)
_SUBJECT_BEFORE = re.compile(r"\b(?:title|titled|subject(?:\s+line)?|subject\s+of|called|named|call\s+it|name\s+it|"
                             r"title\s+it|titled\s+it|rename\s+(?:it|\w+)?\s*to|and\s+call\s+it)\s*:?\s*$", _I)
_ABOUT_BEFORE = re.compile(r"\b(?:about|regarding|re|on|titled|subject)\s*:?\s*$", _I)
_FILE_BEFORE = re.compile(r"\b(?:file|doc|document|sheet|spreadsheet|deck|presentation|folder|pdf)\s+(?:called|"
                          r"named|titled)?\s*$", _I)
# "and" ends an unquoted title ("called Sync and invite Bob") unless a capital goes on with it ("called Data
# Security and Compliance Training").
_CALLED = re.compile(r"\b(?:called|named|titled)\s+(?P<t>(?:(?!\s+(?:on|at|for|with|tomorrow|today|next|this|from|"
                     r"by|in|to)\b|\s+and\b(?!\s+(?-i:[A-Z])))[^,.?!'\"])+)", _I)
_NAMED_EVENT = re.compile(r"\b(?:the|my)\s+(?:next|first|last|upcoming|latest)\s+(?P<t>(?:(?!\s+(?:meeting|event|"
                          r"call|session)\b)[\w&'\-]+\s*){1,8}?)\s+(?:meeting|event|call|session)\b", _I)
_UNQUOTED_BODY = re.compile(r"(?:\b(?:saying|that\s+says|and\s+(?:say|tell\s+(?:him|her|them))|to\s+say)\s+(?:that\s+)?|"
                            r"\b(?:e-?mail|tell|text|message|remind|inform)\s+(?:\w+\s+){1,2}?that\s+)"
                            r"(?P<b>[^_\"]{3,})$", _I)


def find_texts(text: str, masked: str, quotes: list[Quote], drive: bool) -> Texts:
    """Subject, body, titles and file names: quoted text by the words before it, then unquoted forms."""
    out = Texts()
    for q in quotes:
        before = masked[:q.span[0] - 1]
        span = (q.span[0] - 1, q.span[1] + 1)
        if _SUBJECT_BEFORE.search(before) and out.subject is None:
            out.subject = q.text
        elif _BODY_BEFORE.search(before) and out.body is None:
            out.body = q.text
        elif drive or _FILE_BEFORE.search(before):
            out.file_names.append(q.text)
        else:
            out.titles.append(q.text)
        out.spans.append(span)
    called = _CALLED.search(masked)
    if called and out.subject is None and "_" not in called.group("t"):
        out.subject = called.group("t").strip()
        out.spans.append((called.start("t"), called.end("t")))
    named = _NAMED_EVENT.search(masked)
    if named and not out.titles and named.group("t").strip().lower() not in ("one", "few", "two", "three"):
        title = named.group("t").strip()
        if title.split()[0].lower() not in ("meeting", "email", "emails", "with"):
            out.titles.append(title)
            out.spans.append((named.start("t"), named.end("t")))
    if out.body is None:
        body = _UNQUOTED_BODY.search(masked)
        if body:
            out.body = text[body.start("b"):body.end("b")].strip().rstrip(".?!")
            out.spans.append((body.start("b"), body.end("b")))
    for m in _SIMPLE_FILE_NAME.finditer(masked):
        if not EMAIL_ADDRESS.search(masked, max(0, m.start() - 40), m.end() + 1):
            out.file_names.append(m.group())
            out.spans.append((m.start(), m.end()))
    return out


# ---------------------------------------------------------------- which item

_SELECTORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:all|every|each)\b(?:\s+(?:the|my|of\s+my|of\s+the))?\s+(?:\w+\s+){0,2}"
                r"(?:e-?mails?|messages?|mails?|meetings?|events?|files?|docs?|appointments?)\b", _I), "all"),
    (re.compile(r"\b(?:most\s+recent|latest|newest|last|recent)\s+(?:\w+\s+){0,1}(?:e-?mail|message|mail|meeting|"
                r"event|file|doc|document|reply|one|thing)\b(?!s)", _I), "latest"),
    (re.compile(r"\b(?:next|upcoming|following)\s+(?:\w+\s+){0,6}?(?:meeting|event|appointment|call|one)\b", _I),
     "next"),
    (re.compile(r"\bfirst\s+(?:\w+\s+){0,2}(?:meeting|event|appointment|call|free\s+slot|slot|e-?mail|message|one)\b",
                _I), "first"),
    (re.compile(r"\b(?:oldest|earliest)\b", _I), "earliest"),
]


def find_selector(masked: str) -> tuple[str | None, tuple[int, int] | None]:
    """Which of several items the request means, and the span of the word that said it."""
    hits = [(m.start(), sel, m) for rx, sel in _SELECTORS for m in [rx.search(masked)] if m]
    if not hits:
        return None, None
    _, selector, m = min(hits, key=lambda h: h[0])
    word = re.match(r"\w+(?:\s+recent)?", m.group())
    return selector, (m.start(), m.start() + (word.end() if word else 0))


# ---------------------------------------------------------------- topic words

_FILLER = set("""
a an the my me i i'm i've i'd you your our us we please pls can could would will you'd should let's lets need want
like to of for in on at by with and or but so just also any some all every each is are was were be been do does did
doing have has had get got give find show search look looking list see tell read open check whether if not no yes
there here what's whats what which who when where how why that this those these it its them they their him her his
she he about regarding re from emails email e-mail mail mails message messages inbox gmail thread threads meeting
meetings calendar event events appointment appointments schedule scheduled drive file files folder up out new
latest last recent most newest next first upcoming oldest earliest send sent reply forward share delete trash cancel
create set book arrange move reschedule draft write compose summarise summarize remove hey hi hello ok okay um uh
anything something stuff thing things know be am going kindly help mine want wanted related concerning called named
titled subject haven't hasn't didn't don't doesn't won't can't isn't aren't wasn't weren't not think might maybe
perhaps needs met meet catch free slot slots available availability sure really still already again actually
push back delay postpone shift bring rename extend shorten slide change update move moved call it's saying title
while
""".split())


def topic(text: str, spans: list[tuple[int, int]]) -> str:
    """The words of `text` outside `spans` that are not function words, verbs of the request or service nouns."""
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    kept = [w for w in re.findall(r"[\w][\w&'.\-]*", "".join(chars))
            if w.lower().strip("'.") not in _FILLER and not re.fullmatch(r"[_.\-']+", w)]
    return " ".join(w.rstrip(".'") for w in kept)
