"""Checks of what an HTTP Workspace add-on answers, following Google's documented formats.

* A card must parse as `google.apps.card.v1.Card` (the `google-apps-card` protobuf messages) with unknown fields
  rejected: a misspelt or invented field fails here instead of being dropped silently by Google.
* The wrapper is a RenderActions object: `{"action": Action}` (what a trigger returns) or the same under
  `{"renderActions": ...}` (what a card action returns). Action = `navigations[]` (each exactly one of pushCard,
  updateCard, popCard, popToRoot, popToCard, endNavigation), `notification` `{"text"}`, `link` `{"url"}`; at
  least one of them. Nothing else is accepted.
"""
from __future__ import annotations

from typing import Any

from google.apps import card_v1
from google.protobuf import json_format

NAVIGATIONS = {"pushCard", "updateCard", "popCard", "popToRoot", "popToCard", "endNavigation"}
ACTION_KEYS = {"navigations", "notification", "link"}


class InvalidResponse(AssertionError):
    """The response does not follow the documented format."""


def validate_card(card: Any) -> card_v1.Card:
    """The card as a protobuf message; raises json_format.ParseError for anything Card does not define."""
    if not isinstance(card, dict):
        raise InvalidResponse(f"a card must be a JSON object, got {type(card).__name__}")
    message = card_v1.Card.pb()()
    json_format.ParseDict(card, message, ignore_unknown_fields=False)
    return card_v1.Card.wrap(message)


def _only(obj: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InvalidResponse(f"{where} must be a JSON object")
    unknown = set(obj) - allowed
    if unknown:
        raise InvalidResponse(f"{where} has unknown fields {sorted(unknown)}")
    return obj


def validate_response(body: Any) -> list[card_v1.Card]:
    """Check a whole add-on response; returns the cards it navigates to (in order)."""
    top = _only(body, {"action", "renderActions"}, "response")
    if len(top) != 1:
        raise InvalidResponse("a response is either {action} or {renderActions}")
    render = _only(top["renderActions"], {"action", "hostAppAction", "schema"}, "renderActions") \
        if "renderActions" in top else top
    action = _only(render.get("action"), ACTION_KEYS, "action")
    if not action:
        raise InvalidResponse("action must navigate, notify or open a link")
    cards: list[card_v1.Card] = []
    navigations = action.get("navigations", [])
    if "navigations" in action and (not isinstance(navigations, list) or not navigations):
        raise InvalidResponse("navigations must be a non-empty list")
    for i, nav in enumerate(navigations):
        step = _only(nav, NAVIGATIONS, f"navigations[{i}]")
        if len(step) != 1:
            raise InvalidResponse(f"navigations[{i}] must hold exactly one navigation")
        (kind, value), = step.items()
        if kind in ("pushCard", "updateCard"):
            cards.append(validate_card(value))
        elif kind in ("popCard", "popToRoot") and value is not True:
            raise InvalidResponse(f"navigations[{i}].{kind} must be true")
        elif kind == "popToCard" and not (isinstance(value, str) and value):
            raise InvalidResponse(f"navigations[{i}].popToCard must name a card")
        elif kind == "endNavigation" and _only(value, {"action"}, "endNavigation").get("action") not in (
                "CLOSE_DIALOG", "CLOSE_DIALOG_AND_EXECUTE"):
            raise InvalidResponse(f"navigations[{i}].endNavigation.action is not a documented value")
    if "notification" in action:
        text = _only(action["notification"], {"text"}, "notification").get("text")
        if not (isinstance(text, str) and text.strip()):
            raise InvalidResponse("notification.text must be a non-empty string")
    if "link" in action:
        url = _only(action["link"], {"url"}, "link").get("url")
        if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            raise InvalidResponse("link.url must be a URL")
    return cards


def card_texts(card: dict[str, Any]) -> str:
    """Every string in a card, joined (for asserting what a person would read)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            out.append(node)

    walk(card)
    return "\n".join(out)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card (button lists, decorated texts, the fixed footer), in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "buttons" and isinstance(value, list):
                    found.extend(value)
                elif key in ("button", "primaryButton", "secondaryButton") and isinstance(value, dict):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found
