"""The card builders on their own: every card parses as google.apps.card.v1.Card (unknown fields rejected), text
from mail is escaped, and the response validator refuses what Google's format does not allow."""
from __future__ import annotations

import pytest
from google.protobuf import json_format

from addon import cards
from tests.support.addon_responses import InvalidResponse, card_texts, validate_card, validate_response

BASE = "https://orchestrator.test"
BODY = {
    "conversation_id": "6f1c1c9e-0000-4000-8000-000000000001",
    "answer": {"text": "Found 3 items.\nOne failed."},
    "plan": {"steps": [{"id": "s1", "agent": "gmail"}, {"id": "s2", "agent": "calendar"},
                       {"id": "s3", "agent": "drive"}, {"id": "s4", "agent": "calendar"}]},
    "results": [
        {"step": "s1", "ok": True, "items": [{"service": "gmail", "id": "m1", "title": "<script>x</script> & co",
                                              "snippet": "hi", "at": "2023-11-28T10:00:00+00:00",
                                              "who": "a@b.c", "who_name": "Ann", "link": "https://mail/1"}]},
        {"step": "s2", "ok": True, "items": [{"service": "calendar", "id": "e1", "title": "Standup",
                                              "link": "https://cal/1", "at": None}]},
        {"step": "s3", "ok": True, "items": [{"service": "drive", "id": "f1", "title": "Deck", "link": ""}]},
        {"step": "s4", "ok": False, "items": [], "error": "unavailable"},
    ],
    "pending_actions": [{"id": "a1", "kind": "trash_email", "title": "Trash",
                         "preview": {"title": "Move “x” to the trash", "lines": ["From Ann"], "warnings": []}}],
}


def test_every_builder_makes_a_valid_card() -> None:
    action = {"id": "a1", "kind": "share_file", "state": "pending", "expires_at": "2023-11-30T10:00:00+00:00",
              "preview": {"title": "Share Deck", "lines": ["With bob@x.example"], "warnings": ["Outside atlas.com"]},
              "undo": {"possible": True}, "result": {"link": "https://drive/1"}}
    built = [cards.homepage(BASE, [{"id": "c1", "label": "emails from nadia", "at": None}]), cards.homepage(BASE, []),
             cards.answer(BASE, BODY, "q"), cards.answer(BASE, {"answer": {"text": ""}}),
             cards.confirmation(BASE, action), cards.outcome(BASE, {**action, "state": "done"}),
             cards.pending_list(BASE, [action]), cards.pending_list(BASE, []), cards.share_form(BASE, "f1", "Deck"),
             cards.message(BASE, {"email_id": "m1", "subject": "S", "sender": "a@b.c"}, "", [], ["Thanks"]),
             *(cards.error(code, "detail") for code in [*cards.ERRORS, "never-heard-of-it"])]
    for card in built:
        validate_card(card)
        validate_response(cards.push(card))
        validate_response(cards.render(update_card=card, notify="ok"))


def test_the_answer_has_a_section_per_service_and_says_which_one_failed() -> None:
    card = cards.answer(BASE, BODY, "q")
    headers = [s.get("header") for s in card["sections"]]
    assert headers == [None, "Gmail (1)", "Calendar (1)", "Drive (1)", "Waiting for your confirmation", None]
    assert "couldn't connect to Google Calendar" in card_texts(card["sections"][2])
    assert "<script>" not in card_texts(card) and "&lt;script&gt;x&lt;/script&gt; &amp; co" in card_texts(card)
    # Calendar failed while Gmail and Drive answered (s4 failed; s2's calendar item still shows).
    assert "Your email and drive searches still worked" in card_texts(card["sections"][2])


def test_a_notice_without_a_service_is_shown_under_the_answer() -> None:
    notice = {"error": "llm_unavailable", "message": "Our AI service is experiencing high load."}
    card = cards.answer(BASE, {**BODY, "notices": [notice]}, "q")
    validate_card(card)
    assert "Our AI service is experiencing high load." in card_texts(card["sections"][0])
    assert "Our AI service" not in card_texts(cards.answer(BASE, BODY, "q"))


@pytest.mark.parametrize("bad", [
    {"header": {"title": "x", "bogus": 1}},
    {"sections": [{"widgets": [{"textParagraph": {"txt": "x"}}]}]},
    {"sections": [{"widgets": [{"buttonList": {"buttons": [{"text": "x", "onClick": {"action": {"fn": "u"}}}]}}]}]},
])
def test_a_card_with_an_unknown_field_is_rejected(bad) -> None:
    with pytest.raises(json_format.ParseError):
        validate_card(bad)


@pytest.mark.parametrize("bad", [
    {}, {"card": {}}, {"action": {}}, {"action": {"navigations": []}},
    {"action": {"navigations": [{"pushCard": {}, "updateCard": {}}]}},
    {"action": {"navigations": [{"replaceCard": {}}]}},
    {"renderActions": {"action": {"notification": {"text": ""}}}},
    {"renderActions": {"action": {"notification": {"text": "x", "type": "INFO"}}}},
    {"renderActions": {"action": {"navigations": [{"popCard": False}]}}},
    {"action": {"navigations": [{"pushCard": {}}]}, "renderActions": {}},
])
def test_a_wrapper_outside_the_documented_format_is_rejected(bad) -> None:
    with pytest.raises(InvalidResponse):
        validate_response(bad)
