"""Gmail v1 through googleapiclient: list/q, get formats, labels, threads, drafts, send, history, batch."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest
from googleapiclient.errors import HttpError


def raw_message(to: str, subject: str, body: str, sender: str = "sam@atlas.com", **headers: str) -> str:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def seed(emu):
    """Four incoming messages on known dates."""
    c = emu.control
    ids = {}
    ids["budget"] = c.deliver(emu.email, **{"from": "Nadia Kovac <nadia.kovac@atlas.com>", "subject": "Budget review",
                                            "body": "Can we meet on Thursday about the Q4 budget?",
                                            "date": "2023-10-02T09:00:00Z"})["id"]
    ids["launch"] = c.deliver(emu.email, **{"from": "kofi.mensah@atlas.com", "to": "sam@atlas.com, team@atlas.com",
                                            "subject": "Launch plan", "body": "The launch moves to November.",
                                            "date": "2023-11-20T10:00:00Z"})["id"]
    ids["news"] = c.deliver(emu.email, **{"from": "news@letters.example", "subject": "Weekly digest",
                                          "body": "Ten things about budgets.", "date": "2023-11-28T08:00:00Z",
                                          "labelIds": ["INBOX", "CATEGORY_PROMOTIONS"]})["id"]
    ids["old"] = c.deliver(emu.email, **{"from": "nadia.kovac@atlas.com", "subject": "Old note",
                                         "body": "Archived already.", "date": "2023-06-01T12:00:00Z",
                                         "labelIds": ["STARRED"]})["id"]
    emu.control.clock(now="2023-11-30T00:00:00Z")
    return ids


def search(emu, q, **kw):
    resp = emu.gmail.users().messages().list(userId="me", q=q, **kw).execute()
    return {m["id"] for m in resp.get("messages", [])}


def test_profile_counts_and_history_id(emu):
    seed(emu)
    profile = emu.gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "sam@atlas.com"
    assert profile["messagesTotal"] == 4 and profile["threadsTotal"] == 4
    assert int(profile["historyId"]) > 0
    # the user's own address works like "me"; someone else's does not
    assert emu.gmail.users().getProfile(userId="SAM@atlas.com").execute()["emailAddress"] == "sam@atlas.com"
    with pytest.raises(HttpError) as err:
        emu.gmail.users().getProfile(userId="someone@else.com").execute()
    assert err.value.resp.status == 403


def test_search_operators(emu):
    ids = seed(emu)
    assert search(emu, "from:nadia") == {ids["budget"], ids["old"]}
    assert search(emu, "from:nadia.kovac@atlas.com subject:budget") == {ids["budget"]}
    assert search(emu, "to:team@atlas.com") == {ids["launch"]}
    assert search(emu, "subject:(launch plan)") == {ids["launch"]}
    assert search(emu, 'subject:"weekly digest"') == {ids["news"]}
    assert search(emu, "after:2023/11/01") == {ids["launch"], ids["news"]}
    assert search(emu, "after:2023/10/01 before:2023/11/21") == {ids["budget"], ids["launch"]}
    assert search(emu, "before:2023-07-01") == {ids["old"]}
    assert search(emu, "newer_than:5d") == {ids["news"]}
    assert search(emu, "older_than:1m") == {ids["budget"], ids["old"]}
    assert search(emu, "label:starred") == {ids["old"]}
    assert search(emu, "is:starred") == {ids["old"]}
    assert search(emu, "category:promotions") == {ids["news"]}
    assert search(emu, "is:unread") == {ids["budget"], ids["launch"]}
    assert search(emu, "budget") == {ids["budget"]}  # whole words: "budgets" is a different word
    assert search(emu, "budget OR budgets") == {ids["budget"], ids["news"]}
    assert search(emu, "{launch digest}") == {ids["launch"], ids["news"]}
    assert search(emu, "from:nadia -subject:old") == {ids["budget"]}
    assert search(emu, '"Q4 budget"') == {ids["budget"]}
    assert search(emu, "in:inbox is:unread from:kofi") == {ids["launch"]}
    assert search(emu, "nothing-matches-this") == set()


def test_list_paging_order_and_label_filter(emu):
    ids = seed(emu)
    first = emu.gmail.users().messages().list(userId="me", maxResults=3).execute()
    assert [m["id"] for m in first["messages"]] == [ids["news"], ids["launch"], ids["budget"]]
    assert first["resultSizeEstimate"] == 4
    second = emu.gmail.users().messages().list(userId="me", maxResults=3, pageToken=first["nextPageToken"]).execute()
    assert [m["id"] for m in second["messages"]] == [ids["old"]]
    assert "nextPageToken" not in second
    only = emu.gmail.users().messages().list(userId="me", labelIds=["CATEGORY_PROMOTIONS"]).execute()
    assert [m["id"] for m in only["messages"]] == [ids["news"]]
    # list_next walks pages through googleapiclient's helper
    req = emu.gmail.users().messages().list(userId="me", maxResults=1)
    seen = []
    while req is not None:
        resp = req.execute()
        seen += [m["id"] for m in resp.get("messages", [])]
        req = emu.gmail.users().messages().list_next(req, resp)
    assert len(seen) == 4 and len(set(seen)) == 4


def test_get_formats(emu):
    ids = seed(emu)
    users = emu.gmail.users()
    full = users.messages().get(userId="me", id=ids["budget"]).execute()
    assert full["payload"]["mimeType"] == "text/plain"
    data = base64.urlsafe_b64decode(full["payload"]["body"]["data"])
    assert b"Q4 budget" in data and full["payload"]["body"]["size"] == len(data)
    headers = {h["name"]: h["value"] for h in full["payload"]["headers"]}
    assert headers["Subject"] == "Budget review"
    assert full["snippet"].startswith("Can we meet on Thursday")
    assert full["internalDate"] == str(1696237200000)

    meta = users.messages().get(userId="me", id=ids["budget"], format="metadata",
                                metadataHeaders=["Subject", "From"]).execute()
    assert sorted(h["name"] for h in meta["payload"]["headers"]) == ["From", "Subject"]
    assert "parts" not in meta["payload"] and "body" not in meta["payload"]

    minimal = users.messages().get(userId="me", id=ids["budget"], format="minimal").execute()
    assert "payload" not in minimal and minimal["labelIds"] == ["INBOX", "UNREAD"]

    raw = users.messages().get(userId="me", id=ids["budget"], format="raw").execute()
    decoded = base64.urlsafe_b64decode(raw["raw"])
    assert b"Subject: Budget review" in decoded and raw["sizeEstimate"] == len(decoded)

    partial = users.messages().get(userId="me", id=ids["budget"], fields="id,labelIds").execute()
    assert partial == {"id": ids["budget"], "labelIds": ["INBOX", "UNREAD"]}

    with pytest.raises(HttpError) as err:
        users.messages().get(userId="me", id="0000000000000bad").execute()
    assert err.value.resp.status == 404 and err.value.error_details[0]["reason"] == "notFound"


def test_multipart_with_attachment(emu):
    msg = EmailMessage()
    msg["From"] = "aisha.chen@atlas.com"
    msg["To"] = "sam@atlas.com"
    msg["Subject"] = "Deck attached"
    msg.set_content("plain body")
    msg.add_alternative("<p>html <b>body</b></p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="deck.pdf")
    got = emu.control.deliver(emu.email, raw=msg.as_string())
    full = emu.gmail.users().messages().get(userId="me", id=got["id"]).execute()
    payload = full["payload"]
    assert payload["mimeType"] == "multipart/mixed" and payload["partId"] == ""
    assert [p["partId"] for p in payload["parts"]] == ["0", "1"]
    alt = payload["parts"][0]
    assert alt["mimeType"] == "multipart/alternative"
    assert [p["partId"] for p in alt["parts"]] == ["0.0", "0.1"]
    att = payload["parts"][1]
    assert att["filename"] == "deck.pdf" and "attachmentId" in att["body"] and "data" not in att["body"]
    body = emu.gmail.users().messages().attachments().get(userId="me", messageId=got["id"],
                                                          id=att["body"]["attachmentId"]).execute()
    assert base64.urlsafe_b64decode(body["data"]) == b"%PDF-1.4 fake" and body["size"] == 13
    assert full["snippet"] == "html body"
    assert search(emu, "has:attachment filename:deck") == {got["id"]}


def test_modify_trash_untrash(emu):
    ids = seed(emu)
    m = emu.gmail.users().messages()
    out = m.modify(userId="me", id=ids["budget"], body={"removeLabelIds": ["UNREAD"], "addLabelIds": ["STARRED"]}
                   ).execute()
    assert set(out["labelIds"]) == {"INBOX", "STARRED"}
    trashed = m.trash(userId="me", id=ids["budget"]).execute()
    assert "TRASH" in trashed["labelIds"] and "INBOX" not in trashed["labelIds"]
    assert ids["budget"] not in search(emu, "from:nadia")
    assert ids["budget"] in search(emu, "in:trash")
    assert ids["budget"] in search(emu, "from:nadia", includeSpamTrash=True)
    back = m.untrash(userId="me", id=ids["budget"]).execute()
    assert set(back["labelIds"]) == {"INBOX", "STARRED"}
    with pytest.raises(HttpError) as err:
        m.modify(userId="me", id=ids["budget"], body={"addLabelIds": ["NOT_A_LABEL"]}).execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        m.trash(userId="me", id="ffffffffffffffff").execute()
    assert err.value.resp.status == 404


def test_labels_create_and_search(emu):
    ids = seed(emu)
    label = emu.gmail.users().labels().create(userId="me", body={"name": "Projects/Atlas Pay"}).execute()
    assert label["type"] == "user" and label["id"].startswith("Label_")
    emu.gmail.users().messages().modify(userId="me", id=ids["launch"], body={"addLabelIds": [label["id"]]}).execute()
    assert search(emu, "label:projects-atlas-pay") == {ids["launch"]}
    names = {lab["name"] for lab in emu.gmail.users().labels().list(userId="me").execute()["labels"]}
    assert {"INBOX", "Projects/Atlas Pay"} <= names
    got = emu.gmail.users().labels().get(userId="me", id=label["id"]).execute()
    assert got["messagesTotal"] == 1


def test_threads_get_groups_replies(emu):
    first = emu.control.deliver(emu.email, **{"from": "leila.azizi@atlas.com", "subject": "Offsite",
                                              "body": "Where?", "messageId": "<offsite-1@atlas.com>",
                                              "date": "2023-11-01T09:00:00Z"})
    reply = emu.control.deliver(emu.email, **{"from": "amir.ali@atlas.com", "subject": "Re: Offsite",
                                              "body": "Lisbon!", "inReplyTo": "<offsite-1@atlas.com>",
                                              "date": "2023-11-01T10:00:00Z"})
    assert reply["threadId"] == first["threadId"]
    thread = emu.gmail.users().threads().get(userId="me", id=first["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [first["id"], reply["id"]]
    meta = emu.gmail.users().threads().get(userId="me", id=first["threadId"], format="metadata",
                                           metadataHeaders=["Subject"]).execute()
    assert meta["messages"][1]["payload"]["headers"] == [{"name": "Subject", "value": "Re: Offsite"}]
    listed = emu.gmail.users().threads().list(userId="me", q="offsite").execute()
    assert [t["id"] for t in listed["threads"]] == [first["threadId"]]
    with pytest.raises(HttpError) as err:
        emu.gmail.users().threads().get(userId="me", id="nope").execute()
    assert err.value.resp.status == 404


def test_send_and_reply_in_thread(emu):
    ids = seed(emu)
    sent = emu.gmail.users().messages().send(userId="me", body={
        "raw": raw_message("nadia.kovac@atlas.com", "Re: Budget review", "Thursday works."),
        "threadId": ids["budget"]}).execute()
    assert sent["labelIds"] == ["SENT"] and sent["threadId"] == ids["budget"]
    full = emu.gmail.users().messages().get(userId="me", id=sent["id"]).execute()
    headers = {h["name"].lower(): h["value"] for h in full["payload"]["headers"]}
    assert "message-id" in headers and "date" in headers  # added on send
    assert int(full["internalDate"]) == 1701302400000  # the frozen clock
    dump = emu.control.state(emu.email)["users"][emu.email]
    assert [m["subject"] for m in dump["sent"]] == ["Re: Budget review"]
    assert dump["sent"][0]["body"].strip() == "Thursday works."
    with pytest.raises(HttpError) as err:
        emu.gmail.users().messages().send(userId="me", body={"raw": ""}).execute()
    assert err.value.resp.status == 400
    no_rcpt = base64.urlsafe_b64encode(b"Subject: x\r\n\r\nbody").decode()
    with pytest.raises(HttpError) as err:
        emu.gmail.users().messages().send(userId="me", body={"raw": no_rcpt}).execute()
    assert err.value.resp.status == 400 and "Recipient" in err.value.reason


def test_send_delivers_to_local_user(emu):
    other = emu.control.create_user("leila.azizi@atlas.com")
    emu.gmail.users().messages().send(userId="me", body={
        "raw": raw_message("leila.azizi@atlas.com", "Hi Leila", "Lunch?")}).execute()
    leila = emu.service("gmail", other)
    got = leila.users().messages().list(userId="me", q="from:sam is:unread").execute()
    assert len(got["messages"]) == 1
    # a Bcc recipient gets the mail, without the Bcc header; the sender's copy keeps it
    sent = emu.gmail.users().messages().send(userId="me", body={
        "raw": raw_message("x@example.com", "Quiet copy", "fyi", Bcc="leila.azizi@atlas.com")}).execute()
    copy = leila.users().messages().list(userId="me", q="subject:quiet").execute()["messages"][0]
    names = {h["name"].lower() for h in leila.users().messages().get(
        userId="me", id=copy["id"], format="metadata").execute()["payload"]["headers"]}
    assert "bcc" not in names and "subject" in names
    mine = emu.gmail.users().messages().get(userId="me", id=sent["id"], format="metadata",
                                            metadataHeaders=["Bcc"]).execute()
    assert mine["payload"]["headers"] == [{"name": "Bcc", "value": "leila.azizi@atlas.com"}]


def test_drafts_create_send_and_resend_is_404(emu):
    d = emu.gmail.users().drafts()
    draft = d.create(userId="me", body={"message": {"raw": raw_message("kofi.mensah@atlas.com", "Draft",
                                                                       "Hello Kofi")}}).execute()
    assert draft["message"]["labelIds"] == ["DRAFT"]
    assert [x["id"] for x in d.list(userId="me").execute()["drafts"]] == [draft["id"]]
    assert d.get(userId="me", id=draft["id"]).execute()["message"]["snippet"] == "Hello Kofi"
    sent = d.send(userId="me", body={"id": draft["id"]}).execute()
    assert sent["labelIds"] == ["SENT"]
    assert "drafts" not in d.list(userId="me").execute()
    with pytest.raises(HttpError) as err:
        d.send(userId="me", body={"id": draft["id"]}).execute()
    assert err.value.resp.status == 404
    with pytest.raises(HttpError) as err:
        d.get(userId="me", id=draft["id"]).execute()
    assert err.value.resp.status == 404
    state = emu.control.state(emu.email)["users"][emu.email]
    assert state["drafts"] == [] and [m["subject"] for m in state["sent"]] == ["Draft"]


def test_history_after_send_and_label_changes(emu):
    ids = seed(emu)
    start = emu.gmail.users().getProfile(userId="me").execute()["historyId"]
    sent = emu.gmail.users().messages().send(userId="me", body={
        "raw": raw_message("x@example.com", "Hello", "Body")}).execute()
    emu.gmail.users().messages().modify(userId="me", id=ids["launch"], body={"removeLabelIds": ["UNREAD"]}).execute()
    emu.gmail.users().messages().modify(userId="me", id=ids["launch"], body={"addLabelIds": ["STARRED"]}).execute()
    emu.gmail.users().messages().delete(userId="me", id=ids["old"]).execute()
    hist = emu.gmail.users().history().list(userId="me", startHistoryId=start).execute()
    kinds = [[k for k in rec if k not in ("id", "messages")] for rec in hist["history"]]
    assert kinds == [["messagesAdded"], ["labelsRemoved"], ["labelsAdded"], ["messagesDeleted"]]
    assert hist["history"][0]["messagesAdded"][0]["message"]["id"] == sent["id"]
    assert hist["history"][1]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    assert hist["history"][3]["messagesDeleted"][0]["message"]["id"] == ids["old"]
    assert int(hist["historyId"]) == int(hist["history"][-1]["id"])
    assert all(int(a["id"]) < int(b["id"]) for a, b in zip(hist["history"], hist["history"][1:]))

    only_added = emu.gmail.users().history().list(userId="me", startHistoryId=start,
                                                  historyTypes="messageAdded").execute()
    assert len(only_added["history"]) == 1
    paged = emu.gmail.users().history().list(userId="me", startHistoryId=start, maxResults=3).execute()
    assert len(paged["history"]) == 3 and paged.get("nextPageToken")
    rest = emu.gmail.users().history().list(userId="me", startHistoryId=start, maxResults=3,
                                            pageToken=paged["nextPageToken"]).execute()
    assert [r["id"] for r in rest["history"]] == [hist["history"][3]["id"]]
    latest = emu.gmail.users().history().list(userId="me", startHistoryId=hist["historyId"]).execute()
    assert "history" not in latest
    starred = emu.gmail.users().history().list(userId="me", startHistoryId=start, labelId="STARRED").execute()
    assert [list(r)[-1] for r in starred["history"]] == ["labelsAdded", "messagesDeleted"]  # "old" was starred


def test_history_older_than_retention_is_404(emu):
    emu.state.config.history_retention = 5
    try:
        emu.control.reset()
        tokens = emu.control.create_user(emu.email)
        gmail = emu.service("gmail", tokens)
        start = gmail.users().getProfile(userId="me").execute()["historyId"]
        for i in range(8):
            emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": f"m{i}", "body": "x"})
        with pytest.raises(HttpError) as err:
            gmail.users().history().list(userId="me", startHistoryId=start).execute()
        assert err.value.resp.status == 404
        recent = int(gmail.users().getProfile(userId="me").execute()["historyId"]) - 3
        ok = gmail.users().history().list(userId="me", startHistoryId=str(recent)).execute()
        assert len(ok["history"]) == 3
    finally:
        emu.state.config.history_retention = 1000


def test_batch_get_and_modify(emu):
    ids = seed(emu)
    results = {}

    def cb(request_id, response, exception):
        results[request_id] = (response, exception)

    batch = emu.batch("gmail", cb)
    for key in ("budget", "launch", "news"):
        batch.add(emu.gmail.users().messages().get(userId="me", id=ids[key], format="metadata"), request_id=key)
    batch.add(emu.gmail.users().messages().get(userId="me", id="0000000000000000"), request_id="missing")
    batch.add(emu.gmail.users().messages().modify(userId="me", id=ids["news"], body={"removeLabelIds": ["INBOX"]}),
              request_id="archive")
    batch.execute()
    assert results["budget"][0]["id"] == ids["budget"] and results["budget"][1] is None
    assert results["missing"][0] is None and results["missing"][1].resp.status == 404
    assert "INBOX" not in results["archive"][0]["labelIds"]
    assert ids["news"] not in search(emu, "in:inbox")


def test_watch_and_stop(emu):
    resp = emu.gmail.users().watch(userId="me", body={"topicName": "projects/demo/topics/gmail",
                                                      "labelIds": ["INBOX"]}).execute()
    assert int(resp["historyId"]) > 0 and int(resp["expiration"]) > 0
    with pytest.raises(HttpError) as err:
        emu.gmail.users().watch(userId="me", body={"topicName": "not-a-topic"}).execute()
    assert err.value.resp.status == 400
    emu.gmail.users().stop(userId="me").execute()
    assert emu.control.state(emu.email)["users"][emu.email]["watch"] is None
