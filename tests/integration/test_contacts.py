"""Contacts kept by the sync (sql/007_contacts.sql, server/store/contacts.py), on real PostgreSQL.

After every kind of write — a full sync, the same sync again, a delta sync that adds, changes and removes items,
a write-through after a confirmed action, direct upserts and deletes — the contacts equal a recount of the index
(what people.resolve used to compute on every call), and one person's contacts never show another's.
"""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from emulator.testing import EmulatorServer
from server import accounts
from server.actions import confirm, propose
from server.config import Config
from server.crypto import generate_key
from server.google.calls import execute
from server.search.people import resolve
from server.store import migrations, users, workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow
from workers import context as job_context
from workers.sync import run_delta_sync, run_full_sync

CORA = "cora.contacts@atlas.com"  # a mailbox no other module uses: emulators of one test run share mailboxes
NADIA = "nadia.petrova@partner.example"
WHEN = datetime(2023, 11, 1, tzinfo=timezone.utc)
RECOUNT = """
SELECT lower(email), left(coalesce(name, ''), 500), count(*)::int FROM contact_occurrences
 WHERE user_id = %s AND coalesce(email, '') <> '' GROUP BY 1, 2
"""


def recount(conn: psycopg.Connection, user_id: Any) -> dict[tuple[str, str], int]:
    """Every (address, name) of the user's index and how often it occurs, counted from the index itself."""
    return {(e, n): c for e, n, c in conn.execute(RECOUNT, (user_id,))}


def kept(conn: psycopg.Connection, user_id: Any) -> dict[tuple[str, str], int]:
    """What the contacts table holds for the user."""
    return {(e, n): s for e, n, s in conn.execute("SELECT email, name, seen FROM contacts WHERE user_id = %s",
                                                  (user_id,))}


def items(conn: psycopg.Connection, user_id: Any) -> int:
    return conn.execute("SELECT count(*) FROM contact_items WHERE user_id = %s", (user_id,)).fetchone()[0]


# -- through the sync and the write-through, against the emulator -------------------------------------------


@pytest.fixture(scope="module")
def ctx(config: Config, emulator: EmulatorServer) -> Iterator[job_context.JobContext]:
    cfg = config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                       token_encryption_key=generate_key())
    ctx = job_context.from_config(cfg)
    job_context.use(ctx)
    yield ctx
    job_context.use(None)
    ctx.pool.close()


def connect(ctx: job_context.JobContext, emulator: EmulatorServer, email: str) -> users.User:
    tokens = emulator.control.create_user(email)
    return accounts.connect(ctx.pool, ctx.config, email, access_token=tokens["access_token"],
                            refresh_token=tokens["refresh_token"],
                            expires_at=datetime.now(timezone.utc) + timedelta(seconds=tokens["expires_in"]))


def sync(user: users.User, full: bool = False) -> None:
    for service in ("gmail", "calendar", "drive"):
        (run_full_sync if full else run_delta_sync)(str(user.id), service)


@pytest.fixture(scope="module")
def cora(ctx: job_context.JobContext, emulator: EmulatorServer) -> users.User:
    """Cora's mail (Nadia twice, once with Li cc'd), a meeting and a shared document, fully synced."""
    user = connect(ctx, emulator, CORA)
    control = emulator.control
    control.deliver(CORA, **{"from": f"Nadia Petrova <{NADIA}>", "subject": "Q4 budget draft", "id": "ct-budget01",
                            "body": "Here is the draft budget.", "date": "2023-11-28T09:12:00Z",
                            "cc": "Li Wei <li.wei@atlas.com>"})
    control.deliver(CORA, **{"from": f"Nadia Petrova <{NADIA}>", "subject": "Budget, v2", "id": "ct-budget02",
                            "body": "Second draft.", "date": "2023-11-29T09:12:00Z"})
    control._call("POST", f"/users/{CORA}/events", json={
        "id": "contact001", "summary": "Design review", "start": {"dateTime": "2023-11-30T15:00:00Z"},
        "end": {"dateTime": "2023-11-30T15:30:00Z"},
        "attendees": [{"email": CORA}, {"email": "aisha.chen@atlas.com", "displayName": "Aisha Chen"}]})
    control._call("POST", f"/users/{CORA}/files", json={
        "file": {"id": "ct-docQ4", "name": "Q4 deck", "mimeType": "application/vnd.google-apps.document",
                 "createdTime": "2023-11-01T09:00:00Z", "modifiedTime": "2023-11-20T09:00:00Z"},
        "text": "Revenue grew 12% in Q4.",
        "permissions": [{"type": "user", "role": "writer", "emailAddress": "bob@partner.example"}]})
    sync(user, full=True)
    return user


def test_synced_items_make_contacts_that_match_a_recount(ctx, cora) -> None:
    with ctx.pool.connection() as conn:
        contacts = kept(conn, cora.id)
        assert contacts == recount(conn, cora.id)
        assert contacts[(NADIA, "Nadia Petrova")] == 2
        assert {e for e, _ in contacts} >= {NADIA, "li.wei@atlas.com", "aisha.chen@atlas.com", "bob@partner.example"}
        found = resolve(conn, cora.id, "nadia", me=CORA)
        assert found.emails == [NADIA] and found.matches[0].seen == 2 and found.matches[0].name == "Nadia Petrova"
        assert resolve(conn, cora.id, "aisha", me=CORA).emails == ["aisha.chen@atlas.com"]  # an attendee
        assert resolve(conn, cora.id, "bob", me=CORA).emails == ["bob@partner.example"]  # a file shared with them


def test_syncing_the_same_items_again_counts_nothing_twice(ctx, cora) -> None:
    with ctx.pool.connection() as conn:
        before, rows = kept(conn, cora.id), items(conn, cora.id)
    sync(cora, full=True)
    sync(cora)  # a delta with nothing new
    with ctx.pool.connection() as conn:
        assert kept(conn, cora.id) == before == recount(conn, cora.id) and items(conn, cora.id) == rows


def test_a_delta_sync_adds_and_takes_away(ctx, emulator, cora) -> None:
    emulator.control.deliver(CORA, **{"from": f"Nadia Petrova <{NADIA}>", "subject": "Budget, v3", "id": "ct-budget03",
                                     "body": "Third.", "date": "2023-11-30T09:12:00Z"})
    sync(cora)
    with ctx.pool.connection() as conn:
        assert kept(conn, cora.id)[(NADIA, "Nadia Petrova")] == 3
    with accounts.google_for(ctx.pool, ctx.config, cora) as g:
        execute(g.gmail.users().messages().trash(userId="me", id="ct-budget01"))
        execute(g.calendar.events().delete(calendarId="primary", eventId="contact001"))
    sync(cora)
    with ctx.pool.connection() as conn:
        contacts = kept(conn, cora.id)
        assert contacts == recount(conn, cora.id)
        assert contacts[(NADIA, "Nadia Petrova")] == 2
        # Li was only cc'd on the trashed mail, Aisha only at the deleted meeting: nobody names them any more.
        assert not any(e in ("li.wei@atlas.com", "aisha.chen@atlas.com") for e, _ in contacts)
        assert resolve(conn, cora.id, "aisha", me=CORA).emails == []


def test_a_sent_mail_written_through_adds_its_recipient_at_once(ctx, cora) -> None:
    with ctx.pool.connection() as conn:
        assert resolve(conn, cora.id, "zora", me=CORA).emails == []
        action = propose(conn, cora.id, "send_email", {"to": ["Zora.Quist@elsewhere.example"],
                                                      "subject": "Hello", "body": "Nice to meet you."})
    assert confirm(ctx.pool, ctx.config, cora, action.id).state == "done"
    with ctx.pool.connection() as conn:  # no sync in between
        assert resolve(conn, cora.id, "zora", me=CORA).emails == ["zora.quist@elsewhere.example"]
        assert kept(conn, cora.id) == recount(conn, cora.id)


def test_another_users_contacts_never_appear(ctx, emulator, cora) -> None:
    olga = connect(ctx, emulator, "olga.contacts@other.example")
    emulator.control.deliver("olga.contacts@other.example", **{"from": "Nadia Secret <nadia.secret@else.example>",
                                                      "subject": "Hi", "id": "ct-olga01", "body": "Psst.",
                                                      "date": "2023-11-29T09:00:00Z"})
    sync(olga, full=True)
    with ctx.pool.connection() as conn:
        assert resolve(conn, olga.id, "nadia", me="olga.contacts@other.example").emails == ["nadia.secret@else.example"]
        assert resolve(conn, cora.id, "nadia", me=CORA).emails == [NADIA]
        assert "nadia.secret@else.example" not in {e for e, _ in kept(conn, cora.id)}
        assert NADIA not in {e for e, _ in kept(conn, olga.id)}


# -- direct writes to the index -------------------------------------------------------------------------------


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database_url) as conn:  # transactional, like the pool's connections
        yield conn
        conn.rollback()


@pytest.fixture
def user(conn: psycopg.Connection) -> Any:
    return conn.execute("INSERT INTO users (email) VALUES ('me-' || gen_random_uuid() || '@x.example') "
                        "RETURNING id").fetchone()[0]


def _mail(item: str, sender: str, name: str, *to: str) -> GmailRow:
    return GmailRow(item, "t", "Hi", sender, name, [{"email": t, "name": "", "kind": "to"} for t in to], "", "",
                    ["INBOX"], True, False, received_at=WHEN)


def test_upserts_deletes_and_prune_keep_exact_counts(conn, user) -> None:
    workspace_cache.upsert_messages(conn, user, [_mail("m1", "ann@x.example", "Ann", "bo@x.example"),
                                                 _mail("m2", "ann@x.example", "Ann Lee", "bo@x.example")])
    assert kept(conn, user) == {("ann@x.example", "Ann"): 1, ("ann@x.example", "Ann Lee"): 1,
                                ("bo@x.example", ""): 2}
    # The same mail again, and a mail whose recipients changed: Bo moves out of m2, Cy in.
    workspace_cache.upsert_messages(conn, user, [_mail("m1", "ann@x.example", "Ann", "bo@x.example"),
                                                 _mail("m2", "ann@x.example", "Ann Lee", "cy@x.example",
                                                       "cy@x.example")])
    assert kept(conn, user) == {("ann@x.example", "Ann"): 1, ("ann@x.example", "Ann Lee"): 1,
                                ("bo@x.example", ""): 1, ("cy@x.example", ""): 2}
    workspace_cache.delete(conn, "gmail", user, ["m1", "nothing-by-this-id"])
    assert kept(conn, user) == {("ann@x.example", "Ann Lee"): 1, ("cy@x.example", ""): 2}
    workspace_cache.upsert_events(conn, user, [EventRow("e1", "primary", "Sync", "", WHEN, WHEN, False, [
        {"email": "Dee@X.example", "name": "Dee", "response_status": "accepted", "organizer": False}])])
    workspace_cache.upsert_files(conn, user, [FileRow("f1", "Deck", "application/pdf", "", "", None, "",
                                                      [{"email": "ann@x.example", "name": "Ann Lee"}],
                                                      [{"type": "domain", "role": "reader", "domain": "x.example"}])])
    assert kept(conn, user) == recount(conn, user)
    assert kept(conn, user)[("dee@x.example", "Dee")] == 1 and kept(conn, user)[("ann@x.example", "Ann Lee")] == 2
    assert workspace_cache.prune(conn, "calendar", user, keep=[]) == 1
    assert workspace_cache.prune(conn, "gmail", user, keep=["m2"]) == 0
    assert kept(conn, user) == recount(conn, user) == {("ann@x.example", "Ann Lee"): 2, ("cy@x.example", ""): 2}
    assert items(conn, user) == 3  # m2: Ann Lee and Cy; f1: Ann Lee


def test_names_with_quotes_and_backslashes_resolve(conn, user) -> None:
    workspace_cache.upsert_messages(conn, user, [_mail("m1", "sean@x.example", "Seán O'Brien-Kay"),
                                                 _mail("m2", "odd@x.example", "back\\slash 'quoted'")])
    for who, email in [("o'brien", "sean@x.example"), ("o'brien-kay", "sean@x.example"), ("kay", "sean@x.example"),
                       ("back\\slash", "odd@x.example"), ("slash", "odd@x.example"), ("quoted'", "odd@x.example"),
                       ("'quoted", "odd@x.example")]:
        assert resolve(conn, user, who).emails == [email], who
    for nobody in ["brien-k'", "\\", "ay", "ack", "quoted''"]:
        assert resolve(conn, user, nobody).emails == [], nobody


# -- the migration backfills what the index already holds -----------------------------------------------------


def test_the_migration_backfills_contacts_from_the_index(empty_database_url: str, tmp_path: Path) -> None:
    before = tmp_path / "sql"
    before.mkdir()
    for path in sorted(migrations.MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "007":
            shutil.copy(path, before / path.name)
    migrations.migrate(empty_database_url, 384, before)
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        me, other = (conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id", (e,)).fetchone()[0]
                     for e in ("me@x.example", "other@x.example"))
        for owner, item, sender in [(me, "m1", "Ann@X.example"), (me, "m2", "ann@x.example"), (other, "m1", "zed@y")]:
            conn.execute("INSERT INTO gmail_cache (user_id, email_id, thread_id, sender, sender_name, recipients, "
                         "received_at) VALUES (%s, %s, 't', %s, 'Ann', %s, now())",
                         (owner, item, sender, '[{"email": "bo@x.example", "kind": "to"}]'))
        conn.execute("INSERT INTO gcal_cache (user_id, event_id, start_time, end_time, attendees) "
                     "VALUES (%s, 'e1', now(), now(), '[{\"email\": \"bo@x.example\", \"name\": \"Bo\"}]')", (me,))
    assert migrations.migrate(empty_database_url, 384)[0] == 7
    with psycopg.connect(empty_database_url) as conn:
        assert kept(conn, me) == recount(conn, me) == {("ann@x.example", "Ann"): 2, ("bo@x.example", ""): 2,
                                                       ("bo@x.example", "Bo"): 1}
        assert kept(conn, other) == {("zed@y", "Ann"): 1, ("bo@x.example", ""): 1}
        assert resolve(conn, me, "ann").emails == ["ann@x.example"]
        assert [(p.email, p.seen) for p in resolve(conn, me, "bo").matches] == [("bo@x.example", 3)]


# -- the same answers as aggregating the whole index on every call (what people.resolve did before) -----------

_AGGREGATE_EVERY_CALL = """
WITH seen AS (
    SELECT sender AS email, sender_name AS name FROM gmail_cache WHERE user_id = %(user_id)s
    UNION ALL
    SELECT r->>'email', r->>'name' FROM gmail_cache, jsonb_array_elements(recipients) r WHERE user_id = %(user_id)s
    UNION ALL
    SELECT a->>'email', a->>'name' FROM gcal_cache, jsonb_array_elements(attendees) a WHERE user_id = %(user_id)s
)
SELECT lower(email) AS email, coalesce(max(name) FILTER (WHERE name <> ''), '') AS name, count(*) AS seen
  FROM seen
 WHERE coalesce(email, '') <> '' AND lower(email) <> %(me)s
   AND (lower(coalesce(name, '')) ~ %(name_word)s OR split_part(lower(email), '@', 1) ~ %(local_word)s
        OR lower(email) = %(exact)s)
 GROUP BY lower(email)
 ORDER BY count(*) DESC, lower(email)
 LIMIT 10
"""


def test_resolution_matches_aggregating_the_index_on_every_call(conn, user) -> None:
    import random
    import re

    rnd = random.Random(7)
    names = ["Sarah Lee", "sarah lee", "Sarah O'Brien-Kay", "Lee Sarah", "Dr. Ana María Ruiz", "ANA", "", "Kofi",
             "Chen (Finance)", "J.R.R. Tolkien", "li_wei", "Zoë Ångström", "Bob  Smith", "a-b c.d"]
    addresses = ["sarah.lee@x.example", "slee@y.example", "ana.maria-ruiz@x.example", "kofi_mensah@z.example",
                 "chen@x.example", "jrr.tolkien@m.example", "li.wei@atlas.example", "bob@partner.example",
                 "a.b-c_d@q.example", "me@home.example"]
    mails = []
    for i in range(120):
        to = [{"email": rnd.choice(addresses).upper() if rnd.random() < 0.1 else rnd.choice(addresses),
               "name": rnd.choice(names), "kind": "to"} for _ in range(rnd.randint(0, 3))]
        mails.append(GmailRow(f"r{i}", "t", "Hi", rnd.choice(addresses), rnd.choice(names), to, "", "", ["INBOX"],
                              True, False, received_at=WHEN))
    workspace_cache.upsert_messages(conn, user, mails)
    workspace_cache.upsert_messages(conn, user, mails[:40])  # a re-sync of some of it
    workspace_cache.delete(conn, "gmail", user, [m.email_id for m in mails[100:]])
    terms = {"sarah", "sarah lee", "lee", "lee sarah", "s", "o'brien", "brien-kay", "ana", "ana maría", "maría",
             "ruiz", "kofi", "mensah", "chen", "(finance)", "finance", "j.r.r", "r.r. tolkien", "tolkien", "li",
             "wei", "li_wei", "zoë", "ångström", "bob  smith", "bob smith", "smith", "b-c", "c.d", "d", "b", "c_d",
             "sarah.lee@x.example", "slee", "x.example", "e", "ee", "@", ".", "-", "me@home.example", "ah"}
    for term in sorted(terms):
        words = re.escape(" ".join(term.split()))  # resolve reads "bob  smith" as "bob smith"
        want = conn.execute(_AGGREGATE_EVERY_CALL, {
            "user_id": user, "me": "me@home.example", "exact": " ".join(term.split()), "name_word": rf"(^|[^[:alnum:]]){words}",
            "local_word": rf"(^|[._-]){words}"}).fetchall()
        got = resolve(conn, user, term, me="me@home.example").matches
        assert [(p.email, p.name, p.seen) for p in got] == [tuple(r) for r in want], term
