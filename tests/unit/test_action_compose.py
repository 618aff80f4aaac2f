"""The messages send/reply/forward hand to Gmail: headers, threading, quoting, and the idempotency marker."""
import base64
import email
import uuid
from email import policy

from server.actions.compose import build, forward_body, marker, reply_body, reply_threading


def resource(headers: dict[str, str], text: str) -> dict:
    data = base64.urlsafe_b64encode(text.encode()).decode()
    return {"payload": {"mimeType": "text/plain", "headers": [{"name": k, "value": v} for k, v in headers.items()],
                        "body": {"data": data}}}


ORIGINAL = resource({"From": "Nadia <nadia@partner.example>", "To": "sam@atlas.com", "Subject": "Budget",
                     "Date": "Tue, 28 Nov 2023 09:12:00 +0000", "Message-ID": "<b2@partner.example>",
                     "References": "<b1@partner.example>"}, "Line one\n\nLine two")


def test_the_marker_is_derived_from_the_action_id() -> None:
    action_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert marker(action_id, "sam@atlas.com") == "<wo-12345678123456781234567812345678@atlas.com>"


def test_a_built_message_carries_its_headers_and_utf8_text() -> None:
    raw = build(sender="sam@atlas.com", to=["a@x.example", "b@x.example"], cc=["c@x.example"], subject="Café",
                body="Grüße", message_id="<m@atlas.com>", in_reply_to="<o@x>", references="<r@x> <o@x>")
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"] == "a@x.example, b@x.example" and msg["Cc"] == "c@x.example" and msg["Subject"] == "Café"
    assert msg["Message-ID"] == "<m@atlas.com>" and msg["In-Reply-To"] == "<o@x>" and msg["References"] == "<r@x> <o@x>"
    assert msg.get_content().strip() == "Grüße" and b"\r\n" in raw


def test_a_reply_threads_on_the_original_and_quotes_it() -> None:
    assert reply_threading(ORIGINAL) == ("<b2@partner.example>", "<b1@partner.example> <b2@partner.example>")
    body = reply_body("Thanks!", ORIGINAL)
    assert body.startswith("Thanks!\n\nOn Tue, 28 Nov 2023 09:12:00 +0000, Nadia <nadia@partner.example> wrote:")
    assert "> Line one\n>\n> Line two" in body


def test_a_forward_lays_out_the_original_headers_and_text_under_the_note() -> None:
    body = forward_body("FYI", ORIGINAL)
    assert body.startswith("FYI\n\n---------- Forwarded message ---------\nFrom: Nadia <nadia@partner.example>")
    assert "Subject: Budget" in body and body.rstrip().endswith("Line two")
    assert forward_body("", ORIGINAL).startswith("---------- Forwarded message")
