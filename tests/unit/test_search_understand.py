"""Search understanding: people, order words, kinds and fillers taken out of the topic (fake resolver/clock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from server.search.understand import understand

NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)
PEOPLE = {"nadia": ["nadia.kovac@atlas.com"], "kofi": ["kofi.mensah@atlas.com"],
          "luis": ["luis@atlas.com"], "luis ortega": ["luis.ortega@atlas.com"], "chenwei": ["chenwei@atlas.com"]}


def resolve(name: str) -> list[str]:
    return PEOPLE.get(name.lower(), [])


@dataclass
class Found:
    span: tuple[int, int]
    start: datetime | None
    end: datetime | None


def last_week(text: str, now: datetime) -> list[Found]:
    at = text.find("last week")
    return [Found((at, at + 9), now - timedelta(days=7), now)] if at >= 0 else []


def test_last_email_from_someone_is_the_newest_of_their_mail() -> None:
    u = understand("Delete my last email from nadia", "gmail", NOW, resolve)
    assert u.filters.senders == ["nadia.kovac@atlas.com"]
    assert u.order == "newest"
    assert u.text == "my"  # a stopword: no topic left
    assert u.people == {"nadia": ["nadia.kovac@atlas.com"]}


def test_a_name_that_resolves_to_nobody_stays_a_topic_word() -> None:
    u = understand("the price estimate for pictures for our new site", "gmail", NOW, resolve)
    assert u.filters.senders == [] and u.order == "relevance"
    assert "estimate" in u.text and "site" in u.text


def test_a_forward_target_is_not_a_search_filter() -> None:
    u = understand("Forward my most recent email from kofi to nadia", "gmail", NOW, resolve)
    assert u.filters.senders == ["kofi.mensah@atlas.com"] and u.filters.recipients == []
    assert u.order == "newest" and "nadia" not in u.text
    plain = understand("emails to nadia about the launch", "gmail", NOW, resolve)
    assert plain.filters.recipients == ["nadia.kovac@atlas.com"] and plain.text == "about the launch"


def test_someone_who_just_sent_mail_is_the_sender() -> None:
    u = understand("nadia just sent me an email that I need to delete", "gmail", NOW, resolve)
    assert u.filters.senders == ["nadia.kovac@atlas.com"]


def test_next_meeting_with_someone_starts_from_now_in_time_order() -> None:
    u = understand("Cancel my next meeting with kofi", "calendar", NOW, resolve)
    assert u.filters.attendees == ["kofi.mensah@atlas.com"]
    assert u.order == "oldest" and u.filters.after == NOW


def test_a_full_name_is_preferred_to_its_first_word() -> None:
    u = understand("meetings with Luis Ortega about hiring", "calendar", NOW, resolve)
    assert u.filters.attendees == ["luis.ortega@atlas.com"] and u.text == "about hiring"


def test_last_week_is_a_period_not_an_order_and_times_come_from_the_resolver() -> None:
    u = understand("emails from chenwei last week about 'Supply Chain'", "gmail", NOW, resolve, last_week)
    assert u.order == "relevance"
    assert u.filters.after == NOW - timedelta(days=7) and u.filters.before == NOW
    assert u.text == "about 'Supply Chain'"


def test_drive_kinds_become_mime_filters_and_possessives_owners() -> None:
    u = understand("Chenwei's budget spreadsheets", "drive", NOW, resolve)
    assert u.filters.owners == ["chenwei@atlas.com"]
    assert "application/vnd.google-apps.spreadsheet" in u.filters.mime_types
    assert u.text == "budget"


def test_unread_and_attachments_are_gmail_filters() -> None:
    u = understand("unread emails with attachments about invoices", "gmail", NOW, resolve)
    assert u.filters.unread is True and u.filters.has_attachment is True
    assert u.text == "about invoices"


def test_the_words_of_a_reply_are_not_search_words() -> None:
    u = understand("Reply to the latest email from kofi with 'Got it, thank you!'", "gmail", NOW, resolve)
    assert u.filters.senders == ["kofi.mensah@atlas.com"] and u.order == "newest"
    assert "Got" not in u.text and "thank" not in u.text


def test_time_expressions_become_the_window_and_leave_the_topic() -> None:
    u = understand("my first meeting with kofi on December 4 by 1.5 hours", "calendar", NOW, resolve)
    assert (u.filters.after, u.filters.before) == (datetime(2023, 12, 4, tzinfo=timezone.utc),
                                                  datetime(2023, 12, 5, tzinfo=timezone.utc))
    assert u.order == "oldest" and "December" not in u.text
    mail = understand("invoices from nadia since October", "gmail", NOW, resolve)
    assert mail.filters.after == datetime(2023, 10, 1, tzinfo=timezone.utc) and mail.filters.before is None
    # mail cannot come from the future: a time ahead dates the topic, and stays in it
    ahead = understand("docs for next week's offsite", "drive", NOW, resolve)
    assert ahead.filters.after is None and ahead.filters.before is None and "next week" in ahead.text
    back = understand("emails from kofi in October", "gmail", NOW, resolve)
    assert back.filters.after == datetime(2023, 10, 1, tzinfo=timezone.utc)
    # on 30 November, December is tomorrow's, not last year's: it dates the gala
    gala = understand("docs about the client gala in December", "drive", NOW, resolve)
    assert gala.filters.after is None and "December" in gala.text


def test_in_a_listing_a_leftover_name_is_not_a_topic_word() -> None:
    u = understand("kofi needs my most recent email from nadia. Can you forward it?", "gmail", NOW, resolve)
    assert u.filters.senders == ["nadia.kovac@atlas.com"] and u.order == "newest"
    assert "kofi" not in u.text
    rid = understand("nadia just sent me an email. Can you get rid of the most recent one?", "gmail", NOW, resolve)
    assert "rid" not in rid.text


def test_quoted_titles_are_kept_and_durations_leave_the_topic() -> None:
    u = understand("Forward all of Carlos's emails about 'Q4 plan' to kofi", "gmail", NOW, resolve)
    assert u.quoted == ["Q4 plan"]
    moved = understand("move my first meeting with kofi by 2 hours", "calendar", NOW, resolve)
    assert "hours" not in moved.text and moved.order == "oldest"
    reply = understand("reply to nadia's last email with 'Thanks, see you'", "gmail", NOW, resolve)
    assert reply.quoted == []
