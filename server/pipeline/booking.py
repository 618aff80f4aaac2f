"""Cancelling a booking ("Cancel my Turkish Airlines flight"): what the confirmation email says, turned into a
cancellation draft. Pure functions over the email's text.

The email is data: it gives the booking reference and its own sentences about cancelling (quoted to the person),
never a recipient — the draft goes to the address the confirmation came from, and to nobody when that is a
no-reply address (the preview says so, and the person adds one in Gmail).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# "Booking reference (PNR): SXK4QZ", "Confirmation number: 8842-113", "reservation code ABC123"
_REFERENCE = re.compile(
    r"\b(?:booking|reservation|confirmation|order)\s+(?:reference|ref\.?|number|no\.?|code|id)"
    r"(?:\s*\([A-Za-z ]{2,12}\))?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{4,15})\b"
    r"|\bPNR\s*[:#]?\s*([A-Z0-9]{5,8})\b", re.I)
_NO_REPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer-daemon|notifications?)"
                       r"(?:[+._-][^@]*)?@", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")  # not the dots inside a link
MAX_QUOTED = 2


@dataclass
class CancellationDraft:
    """The draft to propose, and what the answer should tell the person."""

    to: list[str]
    subject: str
    body: str
    reference: str | None
    in_thread_of: str | None  # the email to draft in the thread of (None for a no-reply sender)
    no_reply: bool
    how_to_cancel: list[str] = field(default_factory=list)  # the email's own words about cancelling


def booking_reference(text: str) -> str | None:
    """The booking's reference as the email gives it (upper-cased), or None."""
    for match in _REFERENCE.finditer(text):
        found = match.group(1) or match.group(2)
        if any(c.isdigit() for c in found) or found.isupper():  # a code, not a word ("number: please")
            return found.upper()
    return None


def is_no_reply(address: str) -> bool:
    """noreply@…, no-reply@…, donotreply@…: nobody reads what is sent there."""
    return bool(_NO_REPLY.match(address.strip()))


def how_to_cancel(text: str) -> list[str]:
    """The email's sentences about cancelling (at most two, whitespace folded), with the links they give."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        folded = " ".join(sentence.split())
        if re.search(r"\bcancel", folded, re.I) and 10 < len(folded) <= 400:
            found.append(folded)
        if len(found) == MAX_QUOTED:
            break
    return found


def cancellation(*, email_id: str, subject: str, sender: str, body: str, me: str, event_title: str | None = None,
                 event_start: datetime | None = None) -> CancellationDraft:
    """The cancellation draft for the booking confirmed by an email; the calendar entry found for it, if any
    (`event_start` in the person's zone), names what is cancelled. A reply in the booking's thread when its sender
    reads mail."""
    reference = booking_reference(body) or booking_reference(subject)
    no_reply = is_no_reply(sender)
    what = f"booking {reference}" if reference else f"booking “{subject}”"
    if event_title:
        when = f" on {event_start:%a %-d %b %Y}" if event_start else ""
        what += f" ({event_title}{when})"
    text = (f"Hello,\n\nPlease cancel my {what} and let me know the refund, if any, that applies under the fare "
            f"conditions.\n\nThank you,\n{me}")
    return CancellationDraft(to=[] if no_reply else [sender.lower()],
                             subject=f"Cancellation request: booking {reference}" if reference
                             else f"Cancellation request: {subject}",
                             body=text, reference=reference, in_thread_of=None if no_reply else email_id,
                             no_reply=no_reply,
                             how_to_cancel=how_to_cancel(body))

