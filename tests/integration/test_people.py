"""People resolution from what one person's index has seen; ambiguity reported, other users never consulted."""
from __future__ import annotations

from datetime import datetime, timezone

import psycopg
import pytest

from server.search.people import resolve
from server.store import workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow

WHEN = datetime(2023, 11, 1, tzinfo=timezone.utc)


def _user(conn: psycopg.Connection, email: str):
    return conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id", (email,)).fetchone()[0]


@pytest.fixture(scope="module")
def conn(database_url: str):
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def me(conn):
    user = _user(conn, "sam@atlas.com")
    mails = [GmailRow(f"m{i}", "t", "Hi", sender, name,
                      [{"email": "sam@atlas.com", "name": "Sam", "kind": "to"},
                       {"email": "kofi.mensah@atlas.com", "name": "", "kind": "cc"}],
                      "", "", ["INBOX"], True, False, received_at=WHEN)
             for i, (sender, name) in enumerate([("sarah.lee@finance.example", "Sarah Lee")] * 3
                                                + [("sarah.kim@atlas.com", "Sarah Kim"),
                                                   ("chenwei.zhang@atlas.com", "Chenwei Zhang")])]
    workspace_cache.upsert_messages(conn, user, mails)
    workspace_cache.upsert_events(conn, user, [EventRow("e1", "primary", "Sync", "", WHEN, WHEN, False, [
        {"email": "luis.ortiz@atlas.com", "name": "", "response_status": "accepted", "organizer": False}])])
    workspace_cache.upsert_files(conn, user, [FileRow("f1", "Deck", "application/pdf", "", "", None, "",
                                                      [{"email": "sam@atlas.com", "name": "Sam"}],
                                                      [{"type": "user", "role": "reader",
                                                        "email": "bob@partner.example", "name": "Bob Partner",
                                                        "domain": ""}])])
    stranger = _user(conn, "stranger@else.example")
    workspace_cache.upsert_messages(conn, stranger, [GmailRow(
        "x1", "t", "Hi", "sarah.secret@else.example", "Sarah Secret", [], "", "", [], True, False,
        received_at=WHEN)])
    return user


def test_a_first_name_shared_by_two_people_is_ambiguous(conn, me) -> None:
    found = resolve(conn, me, "Sarah", me="sam@atlas.com")
    assert found.ambiguous and found.emails == ["sarah.lee@finance.example", "sarah.kim@atlas.com"]
    assert "sarah.secret@else.example" not in found.emails  # another user's contacts are never consulted


@pytest.mark.parametrize("who, email", [
    ("sarah lee", "sarah.lee@finance.example"),        # full name: exact, so not ambiguous
    ("Chenwei", "chenwei.zhang@atlas.com"),            # a sender's first name
    ("zhang", "chenwei.zhang@atlas.com"),              # a last name
    ("kofi", "kofi.mensah@atlas.com"),                 # only ever cc'd, no display name: the address's local part
    ("luis", "luis.ortiz@atlas.com"),                  # only a meeting attendee
    ("bob", "bob@partner.example"),                    # only someone a file is shared with
    ("sarah.kim@atlas.com", "sarah.kim@atlas.com"),    # an address
])
def test_names_resolve_from_mail_calendar_and_drive(conn, me, who, email) -> None:
    found = resolve(conn, me, who, me="sam@atlas.com")
    assert found.emails == [email] and not found.ambiguous


def test_nobody_and_myself(conn, me) -> None:
    assert resolve(conn, me, "zelda", me="sam@atlas.com").emails == []
    assert resolve(conn, me, "sam", me="sam@atlas.com").emails == []  # I am not one of my contacts
    assert resolve(conn, me, "  ", me="sam@atlas.com").emails == []
