"""WorkBench tasks and their gold actions: parse the tool-call notation, and apply the actions to an emulator
through its Google APIs the way the product's agents would.

A task line (``emulator/data/workbench/tasks_dev.jsonl``) is ``{"query", "answer", "template", "domains"}``;
``answer`` is a Python list literal of calls such as ``email.delete_email.func(email_id="00000057")``. The calls
are read as Python expressions (never evaluated): string escapes such as ``\\n`` become what WorkBench's own
``eval`` made of them (a newline), positional arguments are matched to the tool's parameters.

Mapping onto the APIs (WorkBench's tools are in olly-styles/WorkBench ``src/tools/``):

* ``email.delete_email(email_id)`` → ``messages.trash``.
* ``email.send_email(recipient, subject, body)`` → ``messages.send`` of a text/plain message from the user.
* ``email.forward_email(email_id, recipient)`` → a new message (new thread) to the recipient, subject
  ``Fwd: <original subject>``, body a Gmail-style "Forwarded message" block: the original's headers and its text.
* ``email.reply_email(email_id, body)`` → a message in the original's thread (``threadId``, ``In-Reply-To``,
  ``References``) to the original's counterpart (its sender; its recipient if the user sent it), subject
  ``Re: <original subject>``, body the given text.
* ``calendar.create_event(event_name, participant_email, event_start, duration)`` → ``events.insert``: summary,
  the participant as the one attendee, start, end = start + duration minutes (times are UTC, the demo zone).
* ``calendar.delete_event(event_id)`` → ``events.delete``.
* ``calendar.update_event(event_id, field, new_value)`` → ``events.patch`` of that field, with WorkBench's table
  semantics (one row: name, participant, start, duration): ``event_start`` moves the start and keeps the duration,
  ``duration`` keeps the start, ``event_name`` renames, ``participant_email`` replaces the participant.
"""
from __future__ import annotations

import ast
import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

#: Each tool's parameters, in WorkBench's order (positional arguments are matched to these).
TOOL_PARAMS: dict[str, tuple[str, ...]] = {
    "email.delete_email": ("email_id",),
    "email.send_email": ("recipient", "subject", "body"),
    "email.forward_email": ("email_id", "recipient"),
    "email.reply_email": ("email_id", "body"),
    "calendar.create_event": ("event_name", "participant_email", "event_start", "duration"),
    "calendar.delete_event": ("event_id",),
    "calendar.update_event": ("event_id", "field", "new_value"),
}
#: Optional parameters (WorkBench lets an event have no participant).
OPTIONAL_PARAMS = {("calendar.create_event", "participant_email")}
UPDATE_FIELDS = ("event_name", "participant_email", "event_start", "duration")
USER_EMAIL = "sam@atlas.com"


class GoldParseError(ValueError):
    """A gold action is not in WorkBench's tool-call notation."""


class GoldApplyError(RuntimeError):
    """A gold action could not be applied (the item it names is not there)."""


@dataclass(frozen=True)
class GoldAction:
    """One tool call: ``tool`` like ``email.delete_email``, arguments as strings (``None`` when given as None)."""

    tool: str
    args: dict[str, str | None] = field(hash=False)

    @property
    def domain(self) -> str:
        """``email`` or ``calendar``."""
        return self.tool.split(".", 1)[0]

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.tool}({inner})"


@dataclass(frozen=True)
class Task:
    """One WorkBench task: the person's words and the gold actions."""

    index: int
    query: str
    gold: tuple[GoldAction, ...]
    answer: str
    template: str = ""
    domains: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        """``email``, ``calendar`` or ``email+calendar``: the task's WorkBench domains, else its gold tools' (the
        gold alone under-counts: "find the email from … and schedule a meeting" has only a calendar action)."""
        found = set(self.domains) or {a.domain for a in self.gold}
        return "+".join(d for d in ("email", "calendar") if d in found) or "none"


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise GoldParseError("the callee is not a dotted name")
    parts.append(node.id)
    return ".".join(reversed(parts))


def _value(node: ast.expr) -> str | None:
    try:
        value = ast.literal_eval(node)
    except ValueError as exc:
        raise GoldParseError(f"argument is not a literal: {ast.unparse(node)}") from exc
    if value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    raise GoldParseError(f"argument of type {type(value).__name__}: {value!r}")


def parse_call(text: str) -> GoldAction:
    """``email.delete_email.func(email_id="00000057")`` (``.func`` optional) → GoldAction."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise GoldParseError(f"not a call: {text!r}") from exc
    call = tree.body
    if not isinstance(call, ast.Call):
        raise GoldParseError(f"not a call: {text!r}")
    tool = _dotted(call.func).removesuffix(".func")
    params = TOOL_PARAMS.get(tool)
    if params is None:
        raise GoldParseError(f"unknown tool {tool!r} in {text!r}")
    if len(call.args) > len(params):
        raise GoldParseError(f"too many arguments in {text!r}")
    args: dict[str, str | None] = dict(zip(params, (_value(a) for a in call.args)))
    for kw in call.keywords:
        if kw.arg not in params or kw.arg in args:
            raise GoldParseError(f"unexpected or repeated argument {kw.arg!r} in {text!r}")
        args[kw.arg] = _value(kw.value)
    missing = [p for p in params if args.get(p) is None and (tool, p) not in OPTIONAL_PARAMS]
    if missing:
        raise GoldParseError(f"{tool} without {', '.join(missing)}: {text!r}")
    if tool == "calendar.update_event" and args["field"] not in UPDATE_FIELDS:
        raise GoldParseError(f"update_event of unknown field {args['field']!r}")
    return GoldAction(tool, {p: args.get(p) for p in params})


def parse_answer(answer: str | list[str]) -> tuple[GoldAction, ...]:
    """A task's ``answer`` (the string of a Python list of calls, or the list itself) → its actions."""
    calls = answer
    if isinstance(answer, str):
        try:
            calls = ast.literal_eval(answer)
        except (ValueError, SyntaxError) as exc:
            raise GoldParseError(f"answer is not a list literal: {answer[:80]!r}") from exc
    if not isinstance(calls, list) or not all(isinstance(c, str) for c in calls):
        raise GoldParseError("answer is not a list of strings")
    return tuple(parse_call(c) for c in calls)


def load_tasks(path: Path | str) -> list[Task]:
    """Every task of a WorkBench-format JSONL file, gold parsed (a bad line raises, naming its number)."""
    tasks = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            gold = parse_answer(row["answer"])
        except GoldParseError as exc:
            raise GoldParseError(f"{path}:{number}: {exc}") from exc
        tasks.append(Task(len(tasks), row["query"], gold, row["answer"] if isinstance(row["answer"], str)
                          else json.dumps(row["answer"]), row.get("template", ""), tuple(row.get("domains", ()))))
    return tasks


# --------------------------------------------------------------------------------------------- applying
def parse_when(value: str) -> datetime:
    """WorkBench's ``YYYY-MM-DD HH:MM:SS`` (naive = UTC, the demo's zone) or RFC 3339."""
    when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_of(msg: Any) -> str:
    """The plain text of a parsed message: its text/plain part, or the HTML part's text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_subtype() == "html":
        chunks: list[str] = []
        parser = HTMLParser()
        parser.handle_data = chunks.append  # type: ignore[method-assign]
        parser.feed(text)
        text = "".join(chunks)
    return text.replace("\r\n", "\n")


def _prefixed(prefix: str, subject: str) -> str:
    return subject if subject.lower().startswith(prefix.lower()) else f"{prefix} {subject}"


class GoldApplier:
    """Applies gold actions with googleapiclient Gmail and Calendar services acting as the user."""

    def __init__(self, gmail: Any, calendar: Any, user_email: str = USER_EMAIL) -> None:
        self.gmail, self.calendar, self.user = gmail, calendar, user_email.lower()

    def apply(self, actions: tuple[GoldAction, ...] | list[GoldAction]) -> None:
        """Apply the actions in order."""
        for action in actions:
            handler = getattr(self, "_" + action.tool.split(".", 1)[1])
            try:
                handler(**action.args)
            except Exception as exc:  # googleapiclient HttpError and friends: name the action
                raise GoldApplyError(f"{action}: {exc}") from exc

    # -- Gmail
    def _send(self, msg: EmailMessage, thread_id: str | None = None) -> None:
        body: dict[str, Any] = {"raw": base64.urlsafe_b64encode(msg.as_bytes()).decode("ascii")}
        if thread_id:
            body["threadId"] = thread_id
        self.gmail.users().messages().send(userId="me", body=body).execute()

    def _new_message(self, to: str, subject: str, text: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.user
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(text)
        return msg

    def _original(self, email_id: str) -> tuple[Any, dict[str, Any]]:
        resource = self.gmail.users().messages().get(userId="me", id=email_id, format="raw").execute()
        parsed = message_from_bytes(base64.urlsafe_b64decode(resource["raw"]), policy=policy.default)
        return parsed, resource

    def _delete_email(self, email_id: str) -> None:
        self.gmail.users().messages().trash(userId="me", id=email_id).execute()

    def _send_email(self, recipient: str, subject: str, body: str) -> None:
        self._send(self._new_message(recipient, subject, body))

    def _forward_email(self, email_id: str, recipient: str) -> None:
        original, _ = self._original(email_id)
        subject = str(original["Subject"] or "")
        block = "\n".join([
            "---------- Forwarded message ---------",
            f"From: {original['From']}",
            f"Date: {original['Date']}",
            f"Subject: {subject}",
            f"To: {original['To']}",
            "",
            _text_of(original),
        ])
        self._send(self._new_message(recipient, _prefixed("Fwd:", subject), block))

    def _reply_email(self, email_id: str, body: str) -> None:
        original, resource = self._original(email_id)
        senders = [a.lower() for _, a in getaddresses([str(original["From"] or "")])]
        if self.user in senders:  # the user's own message: answer its recipients
            to = ", ".join(a for _, a in getaddresses([str(original["To"] or "")]))
        else:
            to = senders[0]
        msg = self._new_message(to, _prefixed("Re:", str(original["Subject"] or "")), body)
        message_id = str(original["Message-ID"] or "")
        if message_id:
            msg["In-Reply-To"] = message_id
            msg["References"] = " ".join(filter(None, [str(original["References"] or ""), message_id]))
        self._send(msg, resource["threadId"])

    # -- Calendar
    def _create_event(self, event_name: str, participant_email: str | None, event_start: str,
                      duration: str) -> None:
        start = parse_when(event_start)
        body: dict[str, Any] = {
            "summary": event_name,
            "start": {"dateTime": rfc3339(start), "timeZone": "UTC"},
            "end": {"dateTime": rfc3339(start + timedelta(minutes=float(duration))), "timeZone": "UTC"},
        }
        if participant_email:
            body["attendees"] = [{"email": participant_email}]
        self.calendar.events().insert(calendarId="primary", body=body).execute()

    def _delete_event(self, event_id: str) -> None:
        self.calendar.events().delete(calendarId="primary", eventId=event_id).execute()

    def _update_event(self, event_id: str, field: str, new_value: str) -> None:
        event = self.calendar.events().get(calendarId="primary", eventId=event_id).execute()
        start = parse_when(event["start"]["dateTime"])
        length = parse_when(event["end"]["dateTime"]) - start
        if field == "event_start":
            start = parse_when(new_value)
            patch: dict[str, Any] = {"start": {"dateTime": rfc3339(start), "timeZone": "UTC"},
                                     "end": {"dateTime": rfc3339(start + length), "timeZone": "UTC"}}
        elif field == "duration":
            patch = {"end": {"dateTime": rfc3339(start + timedelta(minutes=float(new_value))), "timeZone": "UTC"}}
        elif field == "event_name":
            patch = {"summary": new_value}
        else:  # participant_email: WorkBench events have one participant besides the user
            keep = [a for a in event.get("attendees", []) if a.get("self") or a.get("email", "").lower() == self.user]
            patch = {"attendees": [{"email": new_value}, *keep]}
        self.calendar.events().patch(calendarId="primary", eventId=event_id, body=patch).execute()
