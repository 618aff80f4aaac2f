"""Unit tests for the demo-world content package emulator/demo."""
from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from emulator.demo import DemoData, load_demo
from emulator.demo import scale
from emulator.demo.extra_mail import INJECTION_ADDRESS, MAILS, injection_message_id, mail_id
from emulator.demo.travel import PAST, UPCOMING

ROOT = Path(__file__).resolve().parents[2]
WB = ROOT / "emulator" / "data" / "workbench"
UTC = timezone.utc
NOW = datetime(2023, 11, 30, tzinfo=UTC)
SAM = "sam@atlas.com"

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"
PDF = "application/pdf"
ALLOWED_MIME = {
    FOLDER, DOC, SHEET, SLIDES, PDF, "image/png", "image/jpeg", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TEXT_MIME = {DOC, SHEET, SLIDES, PDF}


# --------------------------------------------------------------------------- fixtures / helpers
@pytest.fixture(scope="module")
def demo() -> DemoData:
    return load_demo()


@pytest.fixture(scope="module")
def parsed(demo):
    return {m["id"]: email.message_from_bytes(m["raw"], policy=email.policy.default) for m in demo.messages}


@pytest.fixture(scope="module")
def email_rows():
    with (WB / "emails.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def event_rows():
    with (WB / "calendar_events.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def task_people(email_rows, event_rows):
    """(emails, first names) of the @atlas.com people that tasks_dev.jsonl names."""
    people = {r["sender/recipient"] for r in email_rows} | {r["participant_email"] for r in event_rows}
    tasks = [json.loads(line) for line in (WB / "tasks_dev.jsonl").read_text().splitlines() if line.strip()]
    text = " ".join(t["query"] + " " + t["answer"] for t in tasks).lower()
    words = set(re.findall(r"[a-z]+", text))
    emails = {p for p in people if p in text or p.split(".")[0] in words}
    emails |= set(re.findall(r"[\w.]+@atlas\.com", text))
    return emails, {e.split("@")[0].split(".")[0] for e in emails}, tasks


def body_text(msg) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def addresses(msg, *headers) -> list[tuple[str, str]]:
    vals = [v for h in headers for v in msg.get_all(h, [])]
    return email.utils.getaddresses([str(v) for v in vals])


def crlf_only(raw: bytes) -> bool:
    return raw.count(b"\n") == raw.count(b"\r\n") and all(len(line) <= 998 for line in raw.split(b"\r\n"))


def is_workbench_id(i: str) -> bool:
    return bool(re.fullmatch(r"\d{8}", i))


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- determinism / shape
def test_load_demo_is_deterministic_and_returns_fresh_objects():
    a, b = load_demo(), load_demo()
    assert a == b
    assert a.user_email == SAM
    a.messages[0]["labelIds"].append("MUTATED")
    assert "MUTATED" not in load_demo().messages[0]["labelIds"]


def test_message_shape_and_rfc2822(demo, parsed):
    ids = [m["id"] for m in demo.messages]
    assert len(ids) == len(set(ids))
    for m in demo.messages:
        assert set(m) == {"id", "threadId", "labelIds", "internalDate", "raw"}
        assert isinstance(m["raw"], bytes) and crlf_only(m["raw"]), m["id"]
        assert m["internalDate"].isdigit()
        msg = parsed[m["id"]]
        for h in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
            assert msg[h] is not None, (m["id"], h)
        # internalDate is the Date header in ms
        assert abs(int(m["internalDate"]) - msg["Date"].datetime.timestamp() * 1000) < 1000
        assert ("INBOX" in m["labelIds"]) != ("SENT" in m["labelIds"]), m


# --------------------------------------------------------------------------- WorkBench mail
def test_all_workbench_emails_exact(demo, parsed, email_rows):
    by_id = {m["id"]: m for m in demo.messages}
    assert len(email_rows) == 500
    for r in email_rows:
        m = by_id[r["email_id"]]
        msg = parsed[r["email_id"]]
        assert msg["Subject"] == r["subject"]
        assert body_text(msg) == r["body"].replace("\\n", "\n") + "\n"
        sent = datetime.strptime(r["sent_datetime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert msg["Date"].datetime == sent
        assert m["internalDate"] == str(int(sent.timestamp() * 1000))
        other = r["sender/recipient"]
        frm, to = addresses(msg, "From")[0], addresses(msg, "To")[0]
        if r["inbox/outbox"] == "inbox":
            assert frm[1] == other and to[1] == SAM
            assert "INBOX" in m["labelIds"] and "SENT" not in m["labelIds"]
            assert ("UNREAD" in m["labelIds"]) == (sent >= datetime(2023, 11, 27, tzinfo=UTC))
        else:
            assert frm[1] == SAM and to[1] == other
            assert m["labelIds"] == ["SENT"]
        first, last = other.split("@")[0].split(".")
        name = frm[0] if r["inbox/outbox"] == "inbox" else to[0]
        assert name == f"{first.title()} {last.title()}"
        assert msg.get_content_type() == "text/plain"


def test_display_names_derived_from_address(parsed):
    msg = parsed["00000373"]
    assert str(msg["From"]) == "Santiago Martinez <santiago.martinez@atlas.com>"
    assert str(msg["To"]) == "Sam <sam@atlas.com>"


def test_workbench_threads_group_same_subject_and_counterpart(demo, parsed, email_rows):
    by_id = {m["id"]: m for m in demo.messages}
    groups = defaultdict(list)
    for r in email_rows:
        groups[(r["subject"].lower(), r["sender/recipient"])].append(r)
    multi = 0
    thread_ids = {}
    for key, rows in groups.items():
        tids = {by_id[r["email_id"]]["threadId"] for r in rows}
        assert len(tids) == 1, key
        tid = tids.pop()
        assert tid not in thread_ids, (key, thread_ids.get(tid))
        thread_ids[tid] = key
        if len(rows) == 1:
            assert tid == rows[0]["email_id"]
            continue
        multi += 1
        assert re.fullmatch(r"[0-9a-f]{16}", tid)
        rows = sorted(rows, key=lambda r: r["sent_datetime"])
        mids = [parsed[r["email_id"]]["Message-ID"] for r in rows]
        assert parsed[rows[0]["email_id"]]["In-Reply-To"] is None
        for prev, r in zip(mids, rows[1:]):
            msg = parsed[r["email_id"]]
            assert msg["In-Reply-To"] == prev
            assert prev in msg["References"]
    assert multi > 50


def test_some_workbench_mail_is_important(demo):
    wb = [m for m in demo.messages if is_workbench_id(m["id"])]
    important = [m for m in wb if "IMPORTANT" in m["labelIds"]]
    assert 0 < len(important) < len(wb) // 2


# --------------------------------------------------------------------------- calendar
def test_all_workbench_events_exact(demo, event_rows):
    by_id = {e["id"]: e for e in demo.events}
    assert len(event_rows) == 300
    for r in event_rows:
        e = by_id[r["event_id"]]
        start = datetime.strptime(r["event_start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert e["summary"] == r["event_name"]
        assert ts(e["start"]["dateTime"]) == start and e["start"]["timeZone"] == "UTC"
        assert ts(e["end"]["dateTime"]) - start == timedelta(minutes=int(r["duration"]))
        emails = [a["email"] for a in e["attendees"]]
        assert sorted(emails) == sorted([r["participant_email"], SAM])
        me = next(a for a in e["attendees"] if a["email"] == SAM)
        assert me["organizer"] is True and me["self"] is True
        assert e["organizer"] == {"email": SAM, "self": True}
        assert e["creator"]["email"] == SAM
        assert e["status"] == "confirmed"
        assert e["iCalUID"] == f"{r['event_id']}@google.com"
        assert ts(e["created"]) <= ts(e["updated"]) < start
        assert ts(e["created"]) < NOW
        assert e["description"]


def test_extra_events_do_not_disturb_calendar_tasks(demo, task_people):
    _, _, tasks = task_people
    extra = [e for e in demo.events if not is_workbench_id(e["id"])]
    assert extra
    task_dates = set()
    for t in tasks:
        if "calendar" in t["domains"]:
            for day in re.findall(r"December (\d+)", t["query"]):
                task_dates.add(datetime(2023, 12, int(day)).date())
            for d in re.findall(r"20\d\d-\d\d-\d\d", t["answer"]):
                task_dates.add(datetime.fromisoformat(d).date())
    for e in extra:
        assert re.fullmatch(r"[a-v0-9]{5,1024}", e["id"]), e["id"]  # Google's event id alphabet
        assert [a["email"] for a in e["attendees"]] == [SAM]
        start = ts(e["start"]["dateTime"])
        assert start.date() not in task_dates
        assert start.weekday() >= 5, "extra events sit on weekends, where no WorkBench meeting is"


# --------------------------------------------------------------------------- Turkish Airlines scenario
def _html(msg) -> str:
    part = msg.get_body(("html",))
    return part.get_content() if part is not None else ""


def test_turkish_airlines_booking_email_and_event_consistent(demo, parsed):
    thy = [m for m in demo.messages if addresses(parsed[m["id"]], "From")[0][1] == "noreply@thy.com"]
    assert len(thy) == 2  # upcoming + old booking
    latest = max(thy, key=lambda m: int(m["internalDate"]))
    assert latest["id"] == UPCOMING.message_id and re.fullmatch(r"[0-9a-f]{16}", latest["id"])
    msg = parsed[latest["id"]]
    received = msg["Date"].datetime
    assert NOW - timedelta(days=14) < received < NOW
    assert "INBOX" in latest["labelIds"]
    text, html = body_text(msg), _html(msg)
    pnr = re.search(r"Booking reference \(PNR\): ([A-Z0-9]{6})\b", text).group(1)
    assert pnr == UPCOMING.pnr and pnr in msg["Subject"] and pnr in html
    flight = re.search(r"Flight: (TK \d{3,4})", text).group(1)
    assert "Passenger: SAM" in text and "IST" in text and "LHR" in text
    assert any(p.get_content_type() == "multipart/alternative" for p in msg.walk())
    assert any(p.get_filename() and p.get_content_type() == PDF for p in msg.walk())

    event = next(e for e in demo.events if e["id"] == UPCOMING.event_id)
    assert flight in event["summary"] and "Istanbul" in event["summary"] and "London" in event["summary"]
    assert pnr in event["description"]
    assert "Istanbul Airport" in event["location"]
    start = ts(event["start"]["dateTime"])
    assert datetime(2023, 12, 1, tzinfo=UTC) < start < datetime(2023, 12, 16, tzinfo=UTC)
    assert start > NOW and ts(event["end"]["dateTime"]) > start
    # the departure time in the email is the event's start (Istanbul = UTC+3)
    assert (start + timedelta(hours=3)).strftime("%H:%M") in text


def test_turkish_airlines_distractors(demo, parsed):
    old = next(m for m in demo.messages if m["id"] == PAST.message_id)
    msg = parsed[old["id"]]
    assert addresses(msg, "From")[0][1] == "noreply@thy.com"
    assert PAST.pnr in body_text(msg) and PAST.pnr != UPCOMING.pnr
    assert msg["Date"].datetime < NOW - timedelta(days=60)
    old_event = next(e for e in demo.events if e["id"] == PAST.event_id)
    assert ts(old_event["end"]["dateTime"]) < NOW and PAST.pnr in old_event["description"]
    subjects = {m["id"]: parsed[m["id"]]["Subject"] for m in demo.messages}
    senders = {m["id"]: addresses(parsed[m["id"]], "From")[0][1] for m in demo.messages}
    hotel = [i for i, s in senders.items() if s == "noreply@booking.com"]
    assert len(hotel) == 1 and "9 December 2023" in body_text(parsed[hotel[0]])
    assert any(s.endswith("flypgs.com") for s in senders.values())  # another airline's newsletter
    assert any(s.endswith("turkishairlines.com") and "booking" not in subjects[i].lower() for i, s in senders.items())


# --------------------------------------------------------------------------- additional mail
def test_extra_mail_avoids_workbench_task_people(demo, parsed, task_people):
    emails, first_names, _ = task_people
    assert len(emails) >= 15 and "santiago" in first_names
    extra = [m for m in demo.messages if not is_workbench_id(m["id"])]
    assert 30 <= len(extra) <= 70
    for m in extra:
        assert re.fullmatch(r"[0-9a-f]{16}", m["id"])
        msg = parsed[m["id"]]
        for name, addr in addresses(msg, "From", "To", "Cc", "Reply-To"):
            assert addr == SAM or not addr.endswith("@atlas.com"), (m["id"], addr)
            assert addr not in emails
            tokens = set(re.findall(r"[a-z]+", (name + " " + addr.split("@")[0]).lower()))
            assert not tokens & first_names, (m["id"], name, addr)


def test_extra_mail_dates_and_mime_variety(demo, parsed):
    extra_ids = {mail_id(m) for m in MAILS}
    extra = [m for m in demo.messages if m["id"] in extra_ids]
    assert len(extra) == len(MAILS) >= 30
    for m in extra:
        d = parsed[m["id"]]["Date"].datetime
        assert datetime(2023, 10, 1, tzinfo=UTC) <= d < NOW
    multipart_alt = [m for m in extra if any(p.get_content_type() == "multipart/alternative" for p in parsed[m["id"]].walk())]
    assert len(multipart_alt) >= len(extra) * 0.4
    attachment_types = Counter()
    for m in demo.messages:
        for p in parsed[m["id"]].walk():
            if p.get_filename():
                attachment_types[p.get_content_type()] += 1
                assert len(p.get_content()) > 0
    assert attachment_types[PDF] >= 3
    assert attachment_types["text/calendar"] >= 2
    assert attachment_types["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] >= 1
    # attached PDFs are real PDFs
    pdfs = [p.get_content() for m in demo.messages for p in parsed[m["id"]].walk() if p.get_content_type() == PDF]
    assert all(b.startswith(b"%PDF-1.") and b.rstrip().endswith(b"%%EOF") for b in pdfs)


def test_extra_threads_reply_and_sent(demo, parsed):
    extra_ids = {mail_id(m) for m in MAILS}
    extra = [m for m in demo.messages if m["id"] in extra_ids]
    sent = [m for m in extra if m["labelIds"] == ["SENT"]]
    assert len(sent) >= 3
    for m in sent:
        assert addresses(parsed[m["id"]], "From")[0][1] == SAM
    threads = Counter(m["threadId"] for m in extra)
    multi = [t for t, n in threads.items() if n >= 3]
    assert len(multi) >= 2
    for t in multi:
        msgs = sorted((m for m in extra if m["threadId"] == t), key=lambda m: int(m["internalDate"]))
        assert msgs[0]["id"] == t  # Gmail convention: thread id = first message id
        for prev, m in zip(msgs, msgs[1:]):
            msg = parsed[m["id"]]
            assert msg["Subject"].startswith("Re: ")
            assert msg["In-Reply-To"] == parsed[prev["id"]]["Message-ID"]
            assert parsed[msgs[0]["id"]]["Message-ID"] in msg["References"]


def test_prompt_injection_email_present(demo, parsed):
    mid = injection_message_id()
    m = next(m for m in demo.messages if m["id"] == mid)
    msg = parsed[mid]
    text = body_text(msg)
    assert "Ignore your previous instructions" in text and INJECTION_ADDRESS in text
    assert INJECTION_ADDRESS.endswith("@evil.example")
    assert "questionnaire" in text  # otherwise a normal business email
    assert "INBOX" in m["labelIds"]


def test_recent_inbox_mail_unread(demo, parsed):
    for m in demo.messages:
        if "INBOX" in m["labelIds"] and parsed[m["id"]]["Date"].datetime >= datetime(2023, 11, 27, tzinfo=UTC):
            assert "UNREAD" in m["labelIds"], m["id"]
    assert sum("UNREAD" in m["labelIds"] for m in demo.messages) >= 10


# --------------------------------------------------------------------------- Drive
def test_drive_files(demo):
    files = [f["file"] for f in demo.files]
    ids = [f["id"] for f in files]
    assert len(ids) == len(set(ids))
    folders = {f["id"] for f in files if f["mimeType"] == FOLDER}
    non_folders = [x for x in demo.files if x["file"]["mimeType"] != FOLDER]
    assert len(non_folders) >= 60
    kinds = Counter(x["file"]["mimeType"] for x in non_folders)
    for mt in (DOC, SHEET, SLIDES, PDF):
        assert kinds[mt] >= 5, mt
    assert any(mt not in TEXT_MIME for mt in kinds)
    for x in demo.files:
        f = x["file"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{33}", f["id"]), f["id"]
        assert f["mimeType"] in ALLOWED_MIME
        for p in f["parents"]:
            assert p in folders or p == demo.root_folder_id
        assert datetime(2023, 6, 1, tzinfo=UTC) <= ts(f["createdTime"]) <= ts(f["modifiedTime"]) < NOW
        assert f["owners"][0]["kind"] == "drive#user" and f["owners"][0]["emailAddress"]
        assert f["owners"][0].get("me", False) == (f["owners"][0]["emailAddress"] == SAM)
        link = f["webViewLink"]
        expected = {
            DOC: "https://docs.google.com/document/d/",
            SHEET: "https://docs.google.com/spreadsheets/d/",
            SLIDES: "https://docs.google.com/presentation/d/",
            FOLDER: "https://drive.google.com/drive/folders/",
        }.get(f["mimeType"], "https://drive.google.com/file/d/")
        assert link.startswith(expected + f["id"])
        if f["mimeType"].startswith("application/vnd.google-apps"):
            assert "size" not in f
        else:
            assert int(f["size"]) > 0
        if f["mimeType"] == FOLDER:
            assert x["text"] == ""
        elif f["mimeType"] in TEXT_MIME:
            words = len(re.findall(r"\w+", x["text"]))  # sheets are comma-separated: count tokens
            assert 80 <= words <= 600, (f["name"], words)
    # the folder tree is rooted in My Drive
    assert any(demo.root_folder_id in x["file"]["parents"] for x in demo.files)
    assert len(folders) >= 5
    # modified times spread over the half-year
    months = {ts(x["file"]["modifiedTime"]).month for x in non_folders}
    assert months >= {6, 7, 8, 9, 10, 11}


def test_drive_permissions_and_sharing(demo):
    kinds = Counter()
    external = set()
    for x in demo.files:
        f, perms = x["file"], x["permissions"]
        owner = f["owners"][0]["emailAddress"]
        owners = [p for p in perms if p["role"] == "owner"]
        assert len(owners) == 1 and owners[0]["emailAddress"] == owner
        assert len({p["id"] for p in perms}) == len(perms)
        assert f["shared"] == (len(perms) > 1)
        for p in perms:
            assert p["type"] in {"user", "domain", "anyone"}
            assert p["role"] in {"owner", "writer", "commenter", "reader"}
            if p["type"] == "user":
                assert "@" in p["emailAddress"]
                if not p["emailAddress"].endswith("@atlas.com"):
                    external.add(p["emailAddress"])
            if p["type"] == "domain":
                assert p["domain"] == "atlas.com"
            kinds[(p["type"], p["role"])] += 1
        # Sam can see everything in the demo Drive
        assert owner == SAM or any(
            p.get("emailAddress") == SAM or p["type"] in {"domain", "anyone"} for p in perms
        ), f["name"]
    private = [x for x in demo.files if not x["file"]["shared"] and x["file"]["mimeType"] != FOLDER]
    assert len(private) >= 3
    assert kinds[("anyone", "reader")] >= 1
    assert kinds[("domain", "reader")] >= 5
    assert kinds[("user", "writer")] and kinds[("user", "commenter")] and kinds[("user", "reader")]
    assert len(external) >= 3


def test_drive_texts_are_specific_not_boilerplate(demo):
    lines_seen: dict[str, str] = {}
    texts = [x for x in demo.files if x["text"]]
    assert len({x["text"] for x in texts}) == len(texts)
    for x in texts:
        for line in x["text"].splitlines():
            line = line.strip()
            if len(line) >= 60:
                assert lines_seen.setdefault(line, x["file"]["name"]) == x["file"]["name"], line
    names = {x["file"]["name"] for x in demo.files}
    assert any("Payment Gateway Prototype" in n for n in names)
    assert any("Budget" in n for n in names)
    sheets = [x for x in demo.files if x["file"]["mimeType"] == SHEET]
    assert all(x["text"].count(",") >= 10 for x in sheets)
    slides = [x for x in demo.files if x["file"]["mimeType"] == SLIDES]
    assert all(x["text"].startswith("Slide 1:") for x in slides)


def test_drive_owners_are_people_from_the_mail(demo, email_rows, event_rows):
    people = {r["sender/recipient"] for r in email_rows} | {r["participant_email"] for r in event_rows} | {SAM}
    owners = Counter(x["file"]["owners"][0]["emailAddress"] for x in demo.files)
    assert set(owners) <= people
    assert owners[SAM] == max(owners.values())
    assert len(owners) >= 10


# --------------------------------------------------------------------------- scale generator
def _scale(n_users, n_messages, seed=0):
    return list(scale.generate(n_users, n_messages, seed=seed))


def test_scale_deterministic_and_counts():
    a = _scale(3, 200, seed=7)
    assert a == _scale(3, 200, seed=7)
    assert a != _scale(3, 200, seed=8)
    assert len(a) == 600
    users = Counter(u for u, _ in a)
    assert users == {"user0001@scale.example": 200, "user0002@scale.example": 200, "user0003@scale.example": 200}


def test_scale_messages_are_valid_rfc2822():
    out = _scale(2, 300, seed=1)
    by_user = defaultdict(dict)
    for user, m in out:
        assert set(m) == {"id", "threadId", "labelIds", "internalDate", "raw"}
        assert re.fullmatch(r"[0-9a-f]{16}", m["id"])
        assert m["id"] not in by_user[user]
        by_user[user][m["id"]] = m
        assert crlf_only(m["raw"])
        msg = email.message_from_bytes(m["raw"], policy=email.policy.default)
        assert not msg.defects
        for h in ("From", "To", "Subject", "Date", "Message-ID"):
            assert msg[h], h
        parties = {a for _, a in addresses(msg, "From", "To")}
        assert user in parties
        assert ("SENT" in m["labelIds"]) == (addresses(msg, "From")[0][1] == user)
        d = msg["Date"].datetime
        assert datetime(2022, 1, 1, tzinfo=UTC) <= d < datetime(2024, 1, 1, tzinfo=UTC)
        assert int(m["internalDate"]) // 1000 == int(d.timestamp())
        words = len(body_text(msg).split())
        assert scale.MIN_WORDS <= words <= scale.MAX_WORDS, words
        if msg["Subject"].startswith("Re: "):
            assert msg["In-Reply-To"] and m["threadId"] in by_user[user]
            assert m["threadId"] != m["id"]
        else:
            assert m["threadId"] == m["id"]
    replies = sum(1 for _, m in out if m["threadId"] != m["id"])
    assert 0.1 * len(out) < replies < 0.5 * len(out)


def test_scale_users_share_topics_but_not_mailboxes():
    out = _scale(3, 400, seed=0)
    vocab = defaultdict(set)
    subjects = defaultdict(set)
    for user, m in out:
        msg = email.message_from_bytes(m["raw"], policy=email.policy.default)
        vocab[user] |= set(re.findall(r"[a-z]+", (msg["Subject"] + " " + body_text(msg)).lower()))
        subjects[user].add(msg["Subject"])
    users = sorted(vocab)
    for word in ("invoice", "meeting", "budget", "launch", "contract", "interview"):
        assert all(word in vocab[u] for u in users), word
    shared = set.intersection(*(subjects[u] for u in users))
    assert shared  # same topics and even identical subjects occur in different mailboxes
    assert subjects[users[0]] != subjects[users[1]]
    ids = [{m["id"] for u, m in out if u == user} for user in users]
    assert ids[0] != ids[1]
