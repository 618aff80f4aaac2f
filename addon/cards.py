"""Card builders: pure functions from what the pipeline and the actions said to Google Workspace card JSON
(`google.apps.card.v1.Card`, camelCase), and the response wrappers Google expects from an HTTP add-on.

Every button that calls us back names a full endpoint URL (`base + /addon/...`) and passes its arguments as
action `parameters` (strings), which come back in `commonEventObject.parameters`; text boxes come back in
`commonEventObject.formInputs`. Text from mail, events and files is escaped before it goes into a widget that
reads Google's small HTML subset.
"""
from __future__ import annotations

import html
from datetime import datetime
from typing import Any, Iterable, Mapping

from server import catalogue

PREFIX = "/addon"
SERVICES = {"gmail": ("Gmail", "mail"), "calendar": ("Calendar", "event"), "drive": ("Drive", "description")}
ITEMS_PER_SERVICE = 5
KIND_LABELS = {"send_email": "Send email", "draft_email": "Save draft", "reply": "Reply", "forward": "Forward",
               "trash_email": "Move to trash", "create_event": "New event", "update_event": "Change event",
               "delete_event": "Delete event", "share_file": "Share file"}

# The error catalogue as cards: title, message for a person, and whether trying again may help.
ERRORS: dict[str, tuple[str, str, bool]] = {
    code: (entry.title, catalogue.message(code), entry.retryable) for code, entry in catalogue.CATALOGUE.items()}


# -- widgets ---------------------------------------------------------------------------------------------


def _esc(text: Any) -> str:
    return html.escape(str(text or ""), quote=False)


def _clip(text: Any, n: int) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def call(base: str, path: str, **params: Any) -> dict[str, Any]:
    """An onClick that calls our endpoint `path` with string parameters."""
    action: dict[str, Any] = {"function": f"{base}{PREFIX}{path}"}
    kept = [{"key": k, "value": str(v)} for k, v in params.items() if v is not None]
    if kept:
        action["parameters"] = kept
    return {"action": action}


def link(url: str) -> dict[str, Any]:
    return {"openLink": {"url": url}}


def button(text: str, on_click: dict[str, Any], *, filled: bool = False, icon: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text, "onClick": on_click, "type": "FILLED" if filled else "OUTLINED"}
    if icon:
        out["icon"] = {"materialIcon": {"name": icon}}
    return out


def paragraph(text: str) -> dict[str, Any]:
    """A text widget; `text` is already escaped (it may carry <b>, <i>, <br>)."""
    return {"textParagraph": {"text": text}}


def _query_box(base: str, conversation_id: str | None = None, label: str = "Ask about your mail, calendar, files"
               ) -> list[dict[str, Any]]:
    return [{"textInput": {"name": "query", "label": label, "type": "MULTIPLE_LINE",
                           "hintText": "e.g. emails about the budget from Sarah last week"}},
            {"buttonList": {"buttons": [button("Ask", call(base, "/query", conversation_id=conversation_id),
                                               filled=True, icon="send")]}}]


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return at.strftime("%a %d %b %Y, %H:%M")


# -- cards -----------------------------------------------------------------------------------------------


def homepage(base: str, recent: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The query box and the person's recent conversations (`{"id", "label", "at"}`)."""
    sections: list[dict[str, Any]] = [{"widgets": _query_box(base)}]
    items = [{"decoratedText": {"text": _esc(_clip(c["label"], 80)) or "(untitled)", "topLabel": _when(c.get("at")),
                                "startIcon": {"materialIcon": {"name": "forum"}}, "wrapText": True,
                                "onClick": call(base, "/conversation", conversation_id=c["id"])}}
             for c in recent]
    sections.append({"header": "Recent conversations",
                     "widgets": items or [paragraph("<i>No conversations yet. Ask something above.</i>")]})
    return {"name": "homepage", "header": {"title": "Workspace Orchestrator",
                                           "subtitle": "Ask across Gmail, Calendar and Drive"},
            "sections": sections}


def _item_widgets(base: str, item: Mapping[str, Any]) -> list[dict[str, Any]]:
    service = item.get("service", "")
    when = _when(item.get("at"))
    who = item.get("who_name") or item.get("who") or ""
    top = " · ".join(p for p in (who, when) if p)
    decorated: dict[str, Any] = {"text": f"<b>{_esc(_clip(item.get('title') or '(no title)', 120))}</b>",
                                 "wrapText": True,
                                 "startIcon": {"materialIcon": {"name": SERVICES.get(service, ('', 'article'))[1]}}}
    if top:
        decorated["topLabel"] = _clip(top, 80)
    if item.get("snippet"):
        decorated["bottomLabel"] = _clip(item["snippet"], 100)
    buttons = []
    if item.get("link"):
        decorated["onClick"] = link(item["link"])
        buttons.append(button("Open", link(item["link"]), icon="open_in_new"))
    item_id = item.get("id")
    if service == "gmail":
        buttons.append(button("Trash", call(base, "/propose", kind="trash_email", id=item_id), icon="delete"))
    elif service == "calendar":
        buttons.append(button("Delete", call(base, "/propose", kind="delete_event", id=item_id), icon="delete"))
    elif service == "drive":
        buttons.append(button("Share…", call(base, "/share", id=item_id, title=_clip(item.get("title"), 100)),
                              icon="person_add"))
    return [{"decoratedText": decorated}, {"buttonList": {"buttons": buttons}}]


def _pending_widgets(base: str, action: Mapping[str, Any]) -> list[dict[str, Any]]:
    preview = action.get("preview") or {}
    lines = "<br>".join(_esc(line) for line in (preview.get("lines") or [])[:4])
    decorated: dict[str, Any] = {"text": f"<b>{_esc(preview.get('title') or action.get('title') or '')}</b>",
                                 "topLabel": KIND_LABELS.get(str(action.get("kind")), str(action.get("kind"))),
                                 "wrapText": True, "startIcon": {"materialIcon": {"name": "pending_actions"}},
                                 "button": button("Review", call(base, "/actions/show", action_id=action["id"]),
                                                  filled=True)}
    widgets = [{"decoratedText": decorated}]
    if lines:
        widgets.append(paragraph(lines))
    return widgets


def answer(base: str, body: Mapping[str, Any], query: str = "") -> dict[str, Any]:
    """The answer of one request (the `ask` body): its text, a section per service with each item's link and
    quick actions, what waits for confirmation, and a box for the next question in the same conversation."""
    text = (body.get("answer") or {}).get("text") or ""
    sections: list[dict[str, Any]] = [{"widgets": [paragraph(_esc(text).replace("\n", "<br>") or
                                                             "<i>No answer.</i>")]}]
    for notice in body.get("notices") or []:  # per-service notices go in their service's section below
        if not notice.get("service") and notice.get("message"):
            sections[0]["widgets"].append({"decoratedText": {"text": _esc(notice["message"]), "wrapText": True,
                                                             "startIcon": {"materialIcon": {"name": "info"}}}})
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    failed: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for result in body.get("results") or []:
        for item in result.get("items") or []:
            service = item.get("service")
            if service not in SERVICES or item.get("kind"):
                continue
            key = (service, str(item.get("id")))
            if key not in seen:
                seen.add(key)
                by_service.setdefault(service, []).append(item)
        if not result.get("ok") and result.get("error") in ("unavailable", "rate_limited", "timeout",
                                                             "auth_required"):
            failed.update(s["agent"] for s in (body.get("plan") or {}).get("steps", [])
                          if s.get("id") == result.get("step") and s.get("agent") in SERVICES)
    for service, (label, icon) in SERVICES.items():
        widgets: list[dict[str, Any]] = []
        for item in by_service.get(service, [])[:ITEMS_PER_SERVICE]:
            widgets += _item_widgets(base, item)
        if service in failed:
            notice = catalogue.service_unavailable(service, [s for s in by_service if s not in failed])[1]
            widgets.append({"decoratedText": {"text": _esc(notice), "wrapText": True,
                                              "startIcon": {"materialIcon": {"name": "cloud_off"}}}})
        if widgets:
            count = len(by_service.get(service, []))
            sections.append({"header": f"{label} ({count})" if count else label, "widgets": widgets,
                             "collapsible": len(widgets) > 6, "uncollapsibleWidgetsCount": 6 if len(widgets) > 6
                             else 0})
    pending = body.get("pending_actions") or []
    if pending:
        widgets = [w for action in pending for w in _pending_widgets(base, action)]
        sections.append({"header": "Waiting for your confirmation", "widgets": widgets})
    sections.append({"widgets": _query_box(base, body.get("conversation_id"), "Ask a follow-up")})
    for section in sections:  # Google rejects zeros it does not need; keep the JSON minimal
        if not section.get("collapsible"):
            section.pop("collapsible", None)
            section.pop("uncollapsibleWidgetsCount", None)
    return {"name": "answer", "header": {"title": _clip(query, 80) or "Answer", "subtitle": "Workspace Orchestrator"},
            "sections": sections}


def confirmation(base: str, action: Mapping[str, Any]) -> dict[str, Any]:
    """A pending action's preview with Confirm / Cancel."""
    preview = action.get("preview") or {}
    widgets = [paragraph(_esc(line)) for line in preview.get("lines") or []]
    for warning in preview.get("warnings") or []:
        widgets.append({"decoratedText": {"text": f'<font color="#b3261e">{_esc(warning)}</font>', "wrapText": True,
                                          "startIcon": {"materialIcon": {"name": "warning"}}}})
    expires = _when(action.get("expires_at"))
    if expires:
        widgets.append({"decoratedText": {"text": f"Waits for you until {expires} (UTC)", "wrapText": True,
                                          "startIcon": {"materialIcon": {"name": "schedule"}}}})
    return {"name": f"confirm-{action['id']}",
            "header": {"title": _clip(preview.get("title") or "Confirm", 100),
                       "subtitle": KIND_LABELS.get(str(action.get("kind")), str(action.get("kind")))},
            "sections": [{"widgets": widgets or [paragraph("<i>Nothing to show.</i>")]}],
            "fixedFooter": {"primaryButton": button("Confirm", call(base, "/actions/confirm", action_id=action["id"]),
                                                    filled=True),
                            "secondaryButton": button("Cancel", call(base, "/actions/cancel",
                                                                     action_id=action["id"]))}}


def outcome(base: str, action: Mapping[str, Any]) -> dict[str, Any]:
    """What became of an action after the person decided (done, cancelled, undone)."""
    preview = action.get("preview") or {}
    state = action.get("state")
    headline = {"done": "Done", "cancelled": "Cancelled", "undone": "Undone", "expired": "Expired",
                "failed": "Failed"}.get(str(state), str(state).title())
    widgets: list[dict[str, Any]] = [{"decoratedText": {
        "text": f"<b>{headline}</b>: {_esc(preview.get('title') or '')}", "wrapText": True,
        "startIcon": {"materialIcon": {"name": "check_circle" if state == "done" else "info"}}}}]
    result = action.get("result") or {}
    if result.get("link"):
        widgets.append({"buttonList": {"buttons": [button("Open", link(result["link"]), icon="open_in_new")]}})
    if (action.get("undo") or {}).get("possible") and state == "done":
        widgets.append({"buttonList": {"buttons": [button("Undo", call(base, "/actions/undo",
                                                                       action_id=action["id"]), icon="undo")]}})
    return {"name": f"outcome-{action['id']}", "header": {"title": headline, "subtitle": KIND_LABELS.get(
        str(action.get("kind")), str(action.get("kind")))}, "sections": [{"widgets": widgets}]}


def pending_list(base: str, actions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The person's actions waiting for a decision (a universal action)."""
    widgets = [w for action in actions for w in _pending_widgets(base, action)]
    return {"name": "pending", "header": {"title": "Waiting for your confirmation"},
            "sections": [{"widgets": widgets or [paragraph("<i>Nothing is waiting for you.</i>")]}]}


def share_form(base: str, file_id: str, title: str) -> dict[str, Any]:
    """Who to share a file with (the proposal, with its preview, comes next)."""
    roles = [{"text": label, "value": role, "selected": role == "reader"}
             for role, label in (("reader", "Can view"), ("commenter", "Can comment"), ("writer", "Can edit"))]
    return {"name": "share", "header": {"title": _clip(f"Share {title}", 100) if title else "Share file"},
            "sections": [{"widgets": [
                {"textInput": {"name": "emails", "label": "Email addresses (comma-separated)", "type": "SINGLE_LINE"}},
                {"selectionInput": {"name": "role", "label": "Access", "type": "DROPDOWN", "items": roles}},
                {"buttonList": {"buttons": [button("Preview sharing", call(base, "/propose", kind="share_file",
                                                                            id=file_id), filled=True)]}}]}]}


def message(base: str, email: Mapping[str, Any], summary: str, related: Iterable[Mapping[str, Any]],
            replies: Iterable[str]) -> dict[str, Any]:
    """The card of the email open in Gmail: a short summary, related events and files, suggested replies."""
    who = email.get("sender_name") or email.get("sender") or ""
    subtitle = " · ".join(p for p in (who, _when(email.get("received_at"))) if p)
    sections: list[dict[str, Any]] = [{"header": "Summary", "widgets": [paragraph(_esc(summary).replace(
        "\n", "<br>") or "<i>This email has no text.</i>")]}]
    related_widgets = []
    for item in related:
        related_widgets += _item_widgets(base, item)
    sections.append({"header": "Related events and files",
                     "widgets": related_widgets or [paragraph("<i>Nothing related in your calendar or Drive.</i>")]})
    reply_buttons = [button(_clip(text, 40), call(base, "/propose", kind="reply", id=email["email_id"], body=text))
                     for text in replies]
    if reply_buttons:
        sections.append({"header": "Suggested replies", "widgets": [
            paragraph("Pick one to preview it; nothing is sent until you confirm."),
            {"buttonList": {"buttons": reply_buttons}}]})
    sections.append({"widgets": _query_box(base, label="Ask about this email or anything else")})
    return {"name": f"message-{email['email_id']}",
            "header": {"title": _clip(email.get("subject") or "(no subject)", 100), "subtitle": _clip(subtitle, 100)},
            "sections": sections}


def error(code: str, detail: str | None = None) -> dict[str, Any]:
    """A friendly card for an error code of the catalogue (unknown codes read as unknown_error)."""
    title, text, retry = ERRORS.get(code, ERRORS["unknown_error"])
    widgets = [paragraph(_esc(text))]
    if detail and detail != text:
        widgets.append({"decoratedText": {"text": _esc(_clip(detail, 300)), "wrapText": True,
                                          "startIcon": {"materialIcon": {"name": "info"}}}})
    if retry:
        widgets.append(paragraph("<i>You can try again.</i>"))
    return {"name": f"error-{code}", "header": {"title": title}, "sections": [{"widgets": widgets}]}


# -- responses -------------------------------------------------------------------------------------------


def push(card: dict[str, Any]) -> dict[str, Any]:
    """A trigger's answer (homepage, contextual): show this card."""
    return {"action": {"navigations": [{"pushCard": card}]}}


def render(*, push_card: dict[str, Any] | None = None, update_card: dict[str, Any] | None = None,
           notify: str | None = None) -> dict[str, Any]:
    """A button callback's answer: navigate (push or replace the current card) and/or show a notification."""
    action: dict[str, Any] = {}
    if push_card is not None:
        action["navigations"] = [{"pushCard": push_card}]
    elif update_card is not None:
        action["navigations"] = [{"updateCard": update_card}]
    if notify:
        action["notification"] = {"text": _clip(notify, 200)}
    return {"renderActions": {"action": action}}
