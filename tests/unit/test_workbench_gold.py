"""The WorkBench gold parser (evals/workbench_gold.py) and the outcome rules (evals/outcome.py) on hand-made
state dumps: what counts as the same sent mail, event and outcome, and what is a wrong side effect."""
from __future__ import annotations

import pytest

from evals.outcome import (EventItem, Outcome, SentMail, diff, event_item, norm_subject, norm_text,
                           outcome_from_dump, own_text, side_effects, wrong_side_effect)
from evals.workbench_gold import GoldParseError, Task, parse_answer, parse_call

SAM = "sam@atlas.com"


# ----------------------------------------------------------------------------------------------- parsing
def test_a_call_with_keywords_and_escapes_reads_like_workbenchs_eval() -> None:
    action = parse_call('email.send_email.func(recipient="kofi@atlas.com", subject="Hi", body="Hey,\\n\\nI\\\'m done")')
    assert action.tool == "email.send_email" and action.domain == "email"
    assert action.args == {"recipient": "kofi@atlas.com", "subject": "Hi", "body": "Hey,\n\nI'm done"}


def test_positional_arguments_numbers_and_a_missing_func_are_accepted() -> None:
    action = parse_call('calendar.create_event("sync", "a@atlas.com", "2023-12-01 09:00:00", 30)')
    assert action.args == {"event_name": "sync", "participant_email": "a@atlas.com",
                           "event_start": "2023-12-01 09:00:00", "duration": "30"}
    assert parse_call('calendar.create_event.func(event_name="x", participant_email=None, '
                      'event_start="2023-12-01 09:00:00", duration="30")').args["participant_email"] is None


def test_an_answer_is_a_python_list_of_calls_and_an_empty_one_means_change_nothing() -> None:
    answer = "['email.delete_email.func(email_id=\"00000057\")', " \
             "'calendar.update_event.func(event_id=\"00000256\", field=\"event_start\", " \
             "new_value=\"2023-12-13 10:30:00\")']"
    first, second = parse_answer(answer)
    assert first.args == {"email_id": "00000057"}  # leading zeros kept
    assert second.args["field"] == "event_start"
    assert parse_answer("[]") == ()


@pytest.mark.parametrize("text", [
    'email.archive_email.func(email_id="1")',                       # unknown tool
    'email.delete_email.func()',                                    # missing argument
    'email.delete_email.func(email_id="1", email_id="2")',          # repeated
    'email.delete_email.func(id="1")',                              # unknown argument
    'calendar.update_event.func(event_id="1", field="colour", new_value="red")',
    'email.delete_email.func(email_id=open("x"))',                  # not a literal: never evaluated
    'not a call(',
])
def test_what_is_not_workbench_notation_is_refused(text: str) -> None:
    with pytest.raises(GoldParseError):
        parse_call(text)


def test_the_category_comes_from_the_tasks_domains_else_the_gold_tools() -> None:
    gold = parse_answer("['calendar.delete_event.func(event_id=\"00000001\")']")
    assert Task(0, "q", gold, "", domains=("email", "calendar")).category == "email+calendar"
    assert Task(0, "q", gold, "").category == "calendar"
    assert Task(0, "q", (), "[]", domains=("calendar",)).category == "calendar"


# ------------------------------------------------------------------------------------------ normalising
def test_subjects_lose_reply_and_forward_prefixes_and_case() -> None:
    assert norm_subject("RE: Fwd:  Update on   Budget") == norm_subject("update on budget") == "update on budget"


def test_text_ignores_whitespace_line_ends_literal_newlines_and_curly_quotes_but_not_case() -> None:
    assert norm_text("Hey kofi,\\n\\nI\u2019ve  done it.\r\n") == norm_text("Hey kofi,\n\nI've done it.")
    assert norm_text("Hey Kofi") != norm_text("Hey kofi")


def test_a_replys_own_text_drops_the_quoted_original() -> None:
    body = ("Got it, thank you!\r\n\r\nOn Mon, 20 Nov 2023 14:26:53 +0000, Sofia <sofia@atlas.com> wrote:\r\n"
            "> Hi\r\n>\r\n")
    assert own_text(body) == "Got it, thank you!"


def test_an_event_is_its_name_utc_start_minutes_and_attendees_other_than_the_user() -> None:
    event = {"summary": " 'Catch-up' ", "start": {"dateTime": "2023-12-01T10:00:00+01:00"},
             "end": {"dateTime": "2023-12-01T10:30:00+01:00"},
             "attendees": [{"email": "Nia@Atlas.com"}, {"email": SAM, "self": True}]}
    assert event_item(event, SAM) == EventItem("catch-up", "2023-12-01T09:00:00Z", 30, ("nia@atlas.com",))


# --------------------------------------------------------------------------------------------- outcomes
def _msg(mid: str, subject: str, body: str, *, frm: str = "nadia@atlas.com", to: str = SAM, thread: str = "",
         message_id: str = "", in_reply_to: str = "", trashed: bool = False) -> dict:
    return {"id": mid, "threadId": thread or mid, "trashed": trashed, "from": frm, "to": to, "cc": "", "bcc": "",
            "subject": subject, "messageId": message_id or f"<{mid}@x>", "inReplyTo": in_reply_to, "body": body}


ORIGINAL = _msg("00000001", "Update on Budget", "Hi Sam,\n\nThe budget is ready.\n\nNadia", thread="t1")
TWIN = _msg("00000000", "Update on Budget", "Hi Sam,\r\n\r\nThe budget is ready.\r\n\r\nNadia", thread="t0")
EVENT = {"id": "00000009", "summary": "sync up", "start": {"dateTime": "2023-12-04T10:30:00Z"},
         "end": {"dateTime": "2023-12-04T11:30:00Z"}, "attendees": [{"email": "kofi@atlas.com"}]}


def _dump(*sent: dict, trashed: tuple[str, ...] = (), events: tuple[dict, ...] = (EVENT,)) -> dict:
    mailbox = [{**m, "trashed": m["id"] in trashed} for m in (TWIN, ORIGINAL)]
    return {"email": SAM, "messages": mailbox + list(sent), "sent": list(sent),
            "calendars": {"primary": list(events)}, "files": []}


def _sent(dump: dict) -> SentMail:
    (mail,) = outcome_from_dump(dump).sent
    return mail


def test_a_product_style_forward_with_a_note_carries_the_canonical_original() -> None:
    body = ("FYI\n\n---------- Forwarded message ---------\nFrom: Nadia <nadia@atlas.com>\nDate: x\n"
            "Subject: Update on Budget\nTo: Sam\n\nHi Sam,\n\nThe budget is ready.\n\nNadia\n")
    mail = _sent(_dump(_msg("s1", "Fwd: Update on Budget", body, frm=SAM, to="Carlos <Carlos@atlas.com>")))
    # the two identical emails are the same content: the smaller id stands for both
    assert mail == SentMail("forward", ("carlos@atlas.com",), "update on budget", "00000000", None)


def test_workbenchs_own_forward_without_marker_is_a_forward_too() -> None:
    mail = _sent(_dump(_msg("s1", "FW: Update on Budget", ORIGINAL["body"], frm=SAM, to="carlos@atlas.com")))
    assert mail.kind == "forward" and mail.ref == "00000000"
    plain = _sent(_dump(_msg("s1", "Update on Budget", ORIGINAL["body"], frm=SAM, to="carlos@atlas.com")))
    assert plain.kind == "forward"


def test_a_reply_in_the_thread_is_judged_on_its_own_words() -> None:
    body = "Got it, thank you!\n\nOn Mon, Nadia wrote:\n> Hi Sam,\n> The budget is ready.\n"
    mail = _sent(_dump(_msg("s1", "Re: Update on Budget", body, frm=SAM, to="nadia@atlas.com", thread="t1",
                            in_reply_to="<00000001@x>")))
    assert mail == SentMail("reply", ("nadia@atlas.com",), "update on budget", "t1", "Got it, thank you!")
    outside = _sent(_dump(_msg("s1", "Re: Update on Budget", "Got it, thank you!", frm=SAM, to="nadia@atlas.com")))
    assert outside.kind == "send"  # not in the thread: not a reply


def test_a_plain_send_is_judged_on_recipients_subject_and_text() -> None:
    mail = _sent(_dump(_msg("s1", "Hello", "Hey kofi,\n\nDone.", frm=SAM, to="Kofi <kofi@atlas.com>, b@x.org")))
    assert mail == SentMail("send", ("b@x.org", "kofi@atlas.com"), "hello", None, "Hey kofi, Done.")


def test_diff_and_side_effects_tell_missing_from_wrong() -> None:
    before = outcome_from_dump(_dump())
    expected = outcome_from_dump(_dump(trashed=("00000001",)))
    assert diff(expected, expected) == []
    # nothing done: incorrect, but no side effect
    assert [str(d) for d in diff(expected, before)] == ["missing: not trashed: 00000001"]
    assert not wrong_side_effect(before, expected, before)
    # the wrong one trashed: both
    wrong = outcome_from_dump(_dump(trashed=("00000000",)))
    assert {d.side for d in diff(expected, wrong)} == {"missing", "unexpected"}
    assert [str(e) for e in side_effects(before, expected, wrong)] == ["unexpected: trashed: 00000000"]
    # the right one and more: a side effect
    assert wrong_side_effect(before, expected, outcome_from_dump(_dump(trashed=("00000000", "00000001"))))


def test_a_moved_event_and_a_deleted_message_are_changes_the_gold_did_not_make() -> None:
    before = outcome_from_dump(_dump())
    moved = {**EVENT, "start": {"dateTime": "2023-12-04T12:00:00Z"}, "end": {"dateTime": "2023-12-04T13:00:00Z"}}
    expected = outcome_from_dump(_dump(events=(moved,)))
    elsewhere = {**EVENT, "start": {"dateTime": "2023-12-04T13:00:00Z"}, "end": {"dateTime": "2023-12-04T14:00:00Z"}}
    assert wrong_side_effect(before, expected, outcome_from_dump(_dump(events=(elsewhere,))))
    assert not wrong_side_effect(before, expected, expected)
    gone = Outcome(before.trashed, before.kept - {"00000000"}, before.sent, before.events)
    assert [str(e) for e in side_effects(before, before, gone)] == ["missing: deleted for good: 00000000"]
