"""The add-on's HTTP endpoints (`/addon/...`), the callbacks `addon/deployment.json` names. A face: it checks who
is calling, reads the event, asks the same pipeline and actions as every other face, and answers with cards.

    POST /addon/homepage        homepage trigger (Gmail, Calendar, Drive): query box + recent conversations
    POST /addon/gmail/message   Gmail contextual trigger: the open message's card
    POST /addon/query           "Ask": the answer card (formInputs.query; parameters.conversation_id)
    POST /addon/conversation    a recent conversation's last answer (parameters.conversation_id)
    POST /addon/actions         universal action: what waits for confirmation
    POST /addon/actions/show    an action's confirmation card (parameters.action_id)
    POST /addon/actions/confirm Confirm → the outcome card + a notification (a retried confirm: the first result)
    POST /addon/actions/cancel  Cancel → the outcome card + a notification
    POST /addon/actions/undo    Undo a done action
    POST /addon/propose         a quick action or a suggested reply → its confirmation card
                                (parameters kind, id[, body]; share_file reads formInputs emails and role)
    POST /addon/share           the share form of a file (parameters id, title)

Every request must carry Google's system ID token (`addon.identity`): anything else is 401 JSON. Then the body must
be an add-on event (`EventBody`: the parts we read have the types Google documents, bounded): anything else is 400
JSON. After that, an error is a card from the error catalogue (200), since Google shows the add-on's answer, not a
status code; ids in parameters are checked where they are used (a malformed action or conversation id is "not
found", like another person's).
"""
from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from flask import Blueprint, Response, g, jsonify, request
from marshmallow import INCLUDE, Schema, fields, validate

from addon import cards, identity
from server import actions, clock
from server.actions import lookup
from server.actions import ActionError, ActionExpired, ActionFailed, ActionNotFound, PendingAction, WrongState
from server.errors import ApiError
from server.faces import validation
from server.faces.validation import Text
from server.faces import limits
from server.google import GoogleError
from server.google.addon import open_message
from server.pipeline.request import ask
from server.search import search
from server.services import Services, services
from server.store import conversations, users
from server.store.users import User
from server.sync.gmail_message import parse_message

log = logging.getLogger(__name__)
bp = Blueprint("addon", __name__, url_prefix=cards.PREFIX)

MAX_QUERY = 2000
MAX_INPUT = 10_000  # characters of one parameter or form value (a suggested reply's body is the longest)
RECENT = 5
RELATED_PER_SERVICE = 3
SUMMARY_CHARS = 400
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]{2,}")
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|tr)\s*:\s*)+", re.I)
_STOP = frozenset("the and for with from your you our are was were this that have has not but about into out "
                  "re fw fwd invitation updated invite".split())


class _Open(Schema):
    """Google adds fields over time (hostApp details, locale…): keep what we do not read rather than refuse it."""

    class Meta:
        unknown = INCLUDE


class _StringInputs(_Open):
    value = fields.List(Text(max_length=MAX_INPUT), validate=validate.Length(max=50))


class _FormInput(_Open):
    stringInputs = fields.Nested(_StringInputs)


class _Common(_Open):
    hostApp = Text(max_length=50)
    parameters = fields.Dict(keys=Text(max_length=100), values=Text(max_length=MAX_INPUT),
                             validate=validate.Length(max=20))
    formInputs = fields.Dict(keys=Text(max_length=100), values=fields.Nested(_FormInput),
                             validate=validate.Length(max=20))


class _Authorization(_Open):
    userOAuthToken = Text(max_length=4096)
    userIdToken = Text(max_length=8192)
    systemIdToken = Text(max_length=8192)


class _Gmail(_Open):
    messageId = Text(max_length=200)
    threadId = Text(max_length=200)
    accessToken = Text(max_length=4096)


class EventBody(_Open):
    """The parts of a Workspace add-on event we read (all optional: a homepage event has no `gmail`)."""

    commonEventObject = fields.Nested(_Common)
    authorizationEventObject = fields.Nested(_Authorization)
    gmail = fields.Nested(_Gmail)


@dataclass
class Event:
    """One verified add-on request: the event, the person, the base URL our buttons call."""

    svc: Services
    user: User
    body: Mapping[str, Any]
    base: str

    @property
    def common(self) -> Mapping[str, Any]:
        value = self.body.get("commonEventObject")
        return value if isinstance(value, dict) else {}

    def param(self, name: str) -> str | None:
        """An action parameter (`commonEventObject.parameters`)."""
        params = self.common.get("parameters")
        value = params.get(name) if isinstance(params, dict) else None
        return value if isinstance(value, str) and value else None

    def form(self, name: str) -> list[str]:
        """A form input's values (`commonEventObject.formInputs.<name>.stringInputs.value`)."""
        inputs = self.common.get("formInputs")
        field = inputs.get(name) if isinstance(inputs, dict) else None
        values = ((field or {}).get("stringInputs") or {}).get("value") if isinstance(field, dict) else None
        return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _unavailable_user(code: str) -> Response:
    return jsonify(cards.push(cards.error(code)))


def callback(handler: Callable[[Event], dict[str, Any]]) -> Callable[[], Response]:
    """Verify the request (401 JSON), find the person, run `handler`, and turn its failures into error cards."""

    @functools.wraps(handler)
    def wrapped() -> Response:
        started = time.perf_counter()
        svc = services()
        identity.verify_request(svc.config, request.headers.get("Authorization"))
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "The body must be a Workspace add-on event (a JSON object).")
        validation.load(EventBody(), body, "add-on event")
        email = identity.user_email(svc.config, body)
        with svc.pool.connection() as conn:
            user = users.get_by_email(conn, email)
        if user is None:
            log.info("add-on event for an account that is not connected", extra={"email": email})
            return _unavailable_user("not_connected")
        if user.needs_reauth:
            return _unavailable_user("auth_required")
        g.current_user = user
        event = Event(svc, user, body, identity.base_url(svc.config))
        try:
            limits.check_user(user, SIDE_EFFECTS.get(handler.__name__, limits.READ))
            answer = handler(event)
        except ApiError as exc:
            answer = _error(exc.error, exc.message)
        except ActionError as exc:
            answer = _error(_action_code(exc), str(exc))
        except GoogleError as exc:
            answer = _error(exc.kind if exc.kind in cards.ERRORS else "google_error", None)
        log.info("add-on callback", extra={"callback": handler.__name__,
                                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return jsonify(answer)

    return wrapped


# Callbacks that change the workspace; the rest read (a proposal only waits for a confirmation).
SIDE_EFFECTS = {"confirm": limits.SIDE_EFFECT, "cancel": limits.SIDE_EFFECT, "undo": limits.SIDE_EFFECT}
TRIGGERS = (f"{cards.PREFIX}/homepage", f"{cards.PREFIX}/gmail/message")


def _error(code: str, detail: str | None) -> dict[str, Any]:
    """An error card, wrapped the way this endpoint answers (a trigger's action, or a button's renderActions)."""
    card = cards.error(code, detail)
    return cards.push(card) if request.path in TRIGGERS else cards.render(push_card=card)


def _action_code(exc: ActionError) -> str:
    if isinstance(exc, ActionNotFound):
        return "not_found"
    if isinstance(exc, ActionExpired):
        return "expired"
    if isinstance(exc, WrongState):
        return exc.code if exc.code in cards.ERRORS else "wrong_state"
    if isinstance(exc, ActionFailed):
        return exc.kind if exc.kind in cards.ERRORS else "google_error"
    code = getattr(exc, "code", None)
    return code if code in cards.ERRORS else "invalid"


def _action_view(action: PendingAction) -> dict[str, Any]:
    """An action as the cards read it (a pending one past its expiry shows as expired)."""
    now = datetime.now(timezone.utc)
    return {"id": str(action.id), "kind": action.kind, "preview": action.preview, "result": action.result,
            "state": "expired" if action.expired(now) else action.state,
            "undo": {"possible": action.undoable}, "expires_at": action.expires_at.isoformat()}


# -- triggers --------------------------------------------------------------------------------------------


@bp.post("/homepage")
@callback
def homepage(ev: Event) -> dict[str, Any]:
    """The homepage of Gmail, Calendar and Drive (and the "New question" universal action)."""
    with ev.svc.pool.connection() as conn:
        recent = []
        for c in conversations.recent(conn, ev.user.id, limit=RECENT):
            last = conversations.latest_turns(conn, ev.user.id, c.id, limit=1)
            recent.append({"id": str(c.id), "label": c.title or (last[0].query if last else ""),
                           "at": c.updated_at})
    return cards.push(cards.homepage(ev.base, recent))


def _summary(email: Mapping[str, Any]) -> str:
    """The email's opening lines, the way the templated answers quote an item."""
    text = " ".join(str(email.get("body_full") or "").split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return (cut[: end + 1] if end > SUMMARY_CHARS // 3 else cut.rstrip() + "…")


def _topic(subject: str) -> str:
    """The words of a subject worth searching for ("Re: Budget draft for Q4" → "budget or draft or q4")."""
    words = [w.lower() for w in _WORD.findall(_SUBJECT_PREFIX.sub("", subject or ""))]
    kept = list(dict.fromkeys(w for w in words if w not in _STOP))[:8]
    return " or ".join(kept)


def _related(ev: Event, subject: str) -> list[dict[str, Any]]:
    """Events and files that share words with the subject (full text only: a vector always finds *something*)."""
    topic = _topic(subject)
    if not topic:
        return []
    now = clock.now(ev.svc.config)
    found: list[dict[str, Any]] = []
    with ev.svc.pool.connection() as conn:
        for service in ("calendar", "drive"):
            for hit in search(conn, service, ev.user.id, topic, None, limit=RELATED_PER_SERVICE, method="fts",
                              now=now):
                if hit.fts_rank is None:
                    continue
                found.append({"service": hit.service, "id": hit.id, "title": hit.title, "snippet": hit.snippet,
                              "at": hit.at.isoformat() if hit.at else None, "who": hit.who,
                              "who_name": hit.who_name, "link": hit.link})
    return found


def _replies(email: Mapping[str, Any]) -> list[str]:
    """A few short replies worth proposing (each becomes a reply the person previews and confirms)."""
    text = f"{email.get('subject') or ''} {email.get('body_full') or ''}".lower()
    first = (email.get("sender_name") or "").split(" ")[0]
    hello = f"Hi {first}," if first else "Hi,"
    out = [f"{hello} thanks, got it."]
    if any(w in text for w in ("meet", "call", "available", "schedule", "lunch", "time")):
        out.append(f"{hello} that time works for me. See you then.")
    if "?" in text:
        out.append(f"{hello} let me check and get back to you shortly.")
    if any(w in text for w in ("attached", "attachment", "review", "draft", "feedback")):
        out.append(f"{hello} thanks, I'll review it and send my comments.")
    return out[:3]


@bp.post("/gmail/message")
@callback
def gmail_message(ev: Event) -> dict[str, Any]:
    """The open message: read from the index by id, or from Gmail with the event's tokens when not indexed yet."""
    gmail = ev.body.get("gmail") if isinstance(ev.body.get("gmail"), dict) else {}
    message_id = gmail.get("messageId") if isinstance(gmail.get("messageId"), str) else None
    if not message_id:
        return homepage.__wrapped__(ev)  # no message open (e.g. the inbox): the homepage
    with ev.svc.pool.connection() as conn:
        email = lookup.message(conn, ev.user.id, message_id)
    if email is None:
        user_token = (ev.body.get("authorizationEventObject") or {}).get("userOAuthToken")
        message_token = gmail.get("accessToken")
        if not isinstance(user_token, str) or not isinstance(message_token, str):
            raise ApiError(404, "not_found", "This email is not in your index yet, and the event carried no "
                                             "token to read it.")
        resource = open_message(ev.svc.config.google_api_base_url, user_token, message_token, message_id)
        row = parse_message(resource)
        email = {"email_id": row.email_id, "thread_id": row.thread_id, "subject": row.subject,
                 "sender": row.sender, "sender_name": row.sender_name, "body_full": row.body_full,
                 "received_at": row.received_at}
    return cards.push(cards.message(ev.base, email, _summary(email), _related(ev, email.get("subject") or ""),
                                    _replies(email)))


# -- asking ----------------------------------------------------------------------------------------------


def _conversation_param(ev: Event) -> uuid.UUID | None:
    raw = ev.param("conversation_id")
    if raw is None:
        return None
    return validation.item_id(raw, ApiError(404, "not_found", "That conversation does not exist."))


@bp.post("/query")
@callback
def query(ev: Event) -> dict[str, Any]:
    """Run the pipeline on the query box's text; the answer card is pushed on top of the current one."""
    text = " ".join((ev.form("query") or [""])[0].split())
    if not text:
        return cards.render(notify="Type a question first.")
    if len(text) > MAX_QUERY:
        return cards.render(notify=f"That is too long (at most {MAX_QUERY} characters).")
    body = ask(ev.svc, ev.user, {"query": text, "conversation_id": _conversation_param(ev), "request_id": None,
                                 "now": None})
    return cards.render(push_card=cards.answer(ev.base, body, text))


@bp.post("/conversation")
@callback
def conversation(ev: Event) -> dict[str, Any]:
    """A recent conversation: its last answer, with a box to continue it."""
    wanted = _conversation_param(ev)
    if wanted is None:
        raise ApiError(400, "bad_request", "Which conversation?")
    with ev.svc.pool.connection() as conn:
        if conversations.get(conn, ev.user.id, wanted) is None:
            raise ApiError(404, "not_found", "That conversation does not exist.")
        last = conversations.latest_turns(conn, ev.user.id, wanted, limit=1)
    if not last or not last[0].answer:
        body: dict[str, Any] = {"conversation_id": str(wanted), "answer": {"text": "Nothing asked here yet."}}
        return cards.render(push_card=cards.answer(ev.base, body))
    return cards.render(push_card=cards.answer(ev.base, {**last[0].answer, "conversation_id": str(wanted)},
                                               last[0].query))


# -- actions ---------------------------------------------------------------------------------------------


def _action_id(ev: Event) -> uuid.UUID:
    raw = ev.param("action_id")
    if raw is None:
        raise ApiError(400, "bad_request", "Which action?")
    return validation.item_id(raw, ActionNotFound("There is no such action."))


@bp.post("/actions")
@callback
def pending(ev: Event) -> dict[str, Any]:
    """What waits for the person's decision."""
    with ev.svc.pool.connection() as conn:
        found = actions.list_open(conn, ev.user.id)
    return cards.render(push_card=cards.pending_list(ev.base, [_action_view(a) for a in found]))


@bp.post("/actions/show")
@callback
def show_action(ev: Event) -> dict[str, Any]:
    """The confirmation card of one action (or its outcome, once decided)."""
    with ev.svc.pool.connection() as conn:
        action = actions.get(conn, ev.user.id, _action_id(ev))
    if action is None:
        raise ActionNotFound("There is no such action.")
    view = _action_view(action)
    card = cards.confirmation(ev.base, view) if view["state"] == "pending" else cards.outcome(ev.base, view)
    return cards.render(push_card=card)


@bp.post("/actions/confirm")
@callback
def confirm(ev: Event) -> dict[str, Any]:
    """Run the action once (a retried confirm answers the first result) and say so."""
    done = actions.confirm(ev.svc.pool, ev.svc.config, ev.user, _action_id(ev))
    view = _action_view(done)
    return cards.render(update_card=cards.outcome(ev.base, view),
                        notify=f"Done: {(done.preview or {}).get('title', '')}")


@bp.post("/actions/cancel")
@callback
def cancel(ev: Event) -> dict[str, Any]:
    """Cancel a pending action."""
    cancelled = actions.cancel(ev.svc.pool, ev.user, _action_id(ev))
    return cards.render(update_card=cards.outcome(ev.base, _action_view(cancelled)),
                        notify=f"Cancelled: {(cancelled.preview or {}).get('title', '')}")


@bp.post("/actions/undo")
@callback
def undo(ev: Event) -> dict[str, Any]:
    """Reverse a done action where Google allows."""
    undone = actions.undo(ev.svc.pool, ev.svc.config, ev.user, _action_id(ev))
    return cards.render(update_card=cards.outcome(ev.base, _action_view(undone)),
                        notify=f"Undone: {(undone.preview or {}).get('title', '')}")


_TARGET = {"trash_email": "email_id", "reply": "email_id", "delete_event": "event_id", "share_file": "file_id"}


@bp.post("/propose")
@callback
def propose(ev: Event) -> dict[str, Any]:
    """A quick action or a suggested reply becomes a pending action; its confirmation card is shown."""
    kind = ev.param("kind") or ""
    target = ev.param("id")
    if kind not in _TARGET or not target:
        raise ApiError(400, "bad_request", "That quick action is not known.")
    args: dict[str, Any] = {_TARGET[kind]: target}
    if kind == "reply":
        args["body"] = ev.param("body") or ""
    elif kind == "share_file":
        args["emails"] = [e.strip() for v in ev.form("emails") for e in re.split(r"[,;\s]+", v) if e.strip()]
        args["role"] = (ev.form("role") or ["reader"])[0]
        if not args["emails"]:
            return cards.render(notify="Add at least one email address.")
    with ev.svc.pool.connection() as conn:
        action = actions.propose(conn, ev.user.id, kind, args)
    return cards.render(push_card=cards.confirmation(ev.base, _action_view(action)))


@bp.post("/share")
@callback
def share(ev: Event) -> dict[str, Any]:
    """Ask whom to share a file with."""
    file_id = ev.param("id")
    if not file_id:
        raise ApiError(400, "bad_request", "Which file?")
    return cards.render(push_card=cards.share_form(ev.base, file_id, ev.param("title") or ""))
