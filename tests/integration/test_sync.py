"""Sync jobs end to end: real RQ on real Redis, real PostgreSQL, the Google client library against the emulator.

The embedder here is a deterministic stand-in (the real model has its own tests and benchmark): these tests are
about what reaches the index, not about vector quality.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import numpy as np
import psycopg
import pytest
import redis
from rq import Queue
from rq.registry import StartedJobRegistry

from emulator.testing import EmulatorServer
from server import accounts
from server.config import REPO_ROOT, Config
from server.crypto import generate_key
from server.google.calls import execute
from server.google.clients import build_services, make_credentials
from server.store import users
from workers import context as job_context
from workers.enqueue import enqueue_sync
from workers.runner import InProcessWorker

SAM = "sam@atlas.com"
SERVICES = ("gmail", "calendar", "drive")
N_BULK = 500  # messages in the kill-mid-sync test: several full-sync write batches


class HashEmbedder:
    """Deterministic unit vectors from a text's hash (same text, same vector)."""

    name, dim = "hash-test", 384

    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).normal(size=self.dim)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as emu:
        emu.control.load(dataset="demo")
        yield emu


@pytest.fixture(scope="module")
def sync_config(config: Config, emulator: EmulatorServer) -> Config:
    return config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                        token_encryption_key=generate_key())


@pytest.fixture(scope="module")
def ctx(sync_config: Config) -> Iterator[job_context.JobContext]:
    ctx = job_context.from_config(sync_config, embedder=HashEmbedder())
    job_context.use(ctx)
    yield ctx
    job_context.use(None)
    ctx.pool.close()


def connect(ctx: job_context.JobContext, emulator: EmulatorServer, email: str) -> users.User:
    tokens = emulator.control.create_user(email)
    return accounts.connect(ctx.pool, ctx.config, email, access_token=tokens["access_token"],
                            refresh_token=tokens["refresh_token"],
                            expires_at=datetime.now(timezone.utc) + timedelta(seconds=tokens["expires_in"]))


def work(ctx: job_context.JobContext) -> None:
    """Run every queued job (sync, then embed) in this process."""
    queues = [Queue(n, connection=ctx.redis) for n in ("priority", "sync", "embed")]
    InProcessWorker(queues, connection=ctx.redis).work(burst=True)


def sync(ctx: job_context.JobContext, user: users.User, kind: str = "delta", services=SERVICES) -> None:
    for service in services:
        enqueue_sync(ctx.redis, user.id, service, kind)
    work(ctx)


def index(ctx: job_context.JobContext, sql: str, *params: Any) -> list[tuple]:
    with ctx.pool.connection() as conn:
        return conn.execute(sql, params).fetchall()


def status(ctx: job_context.JobContext, user: users.User) -> dict[str, tuple]:
    rows = index(ctx, "SELECT service, state, last_error FROM sync_status WHERE user_id = %s", user.id)
    return {r[0]: (r[1], r[2]) for r in rows}


def expected(emulator: EmulatorServer, email: str = SAM) -> dict[str, Any]:
    state = emulator.control.state(email)["users"][email]
    messages = {m["id"]: m for m in state["messages"]
                if not m["trashed"] and "SPAM" not in m["labelIds"] and "DRAFT" not in m["labelIds"]}
    events = {e["id"]: e for e in state["calendars"]["primary"] if e.get("status") != "cancelled"}
    files = {f["file"]["id"]: f for f in state["files"] if not f["file"].get("trashed")}
    return {"gmail": messages, "calendar": events, "drive": files}


def services_for(sync_config: Config, emulator: EmulatorServer, email: str = SAM):
    tokens = emulator.control.create_user(email)
    creds = make_credentials(tokens["access_token"], tokens["refresh_token"], None, client_id="t",
                             client_secret="t", token_uri=sync_config.google_token_uri)
    return build_services(creds, sync_config.google_api_base_url)


@pytest.fixture(scope="module")
def sam(ctx: job_context.JobContext, emulator: EmulatorServer) -> users.User:
    user = connect(ctx, emulator, SAM)
    sync(ctx, user, "full")
    return user


def test_full_sync_equals_the_emulators_content(ctx, emulator, sam) -> None:
    want = expected(emulator)
    got = {r[0]: r for r in index(ctx, "SELECT email_id, subject, sender, labels, body_full, has_attachments "
                                        "FROM gmail_cache WHERE user_id = %s", sam.id)}
    assert set(got) == set(want["gmail"]) and len(got) >= 500
    for email_id, message in want["gmail"].items():
        _, subject, sender, labels, body, _ = got[email_id]
        assert subject == message["subject"]
        assert sender in message["from"].lower()
        assert sorted(labels) == sorted(message["labelIds"])
    events = {r[0]: r for r in index(ctx, "SELECT event_id, title, start_time, attendees FROM gcal_cache "
                                          "WHERE user_id = %s", sam.id)}
    assert set(events) == set(want["calendar"]) and len(events) >= 300
    for event_id, event in want["calendar"].items():
        assert events[event_id][1] == event.get("summary", "")
        start = datetime.fromisoformat(event["start"]["dateTime"].replace("Z", "+00:00"))
        assert events[event_id][2] == start
    files = {r[0]: r for r in index(ctx, "SELECT file_id, name, mime_type, content_text FROM gdrive_cache "
                                         "WHERE user_id = %s", sam.id)}
    assert set(files) == set(want["drive"]) and len(files) >= 60
    docs = [f for f in files.values() if f[2] == "application/vnd.google-apps.document"]
    assert docs and all(f[3] for f in docs), "every Google Doc is indexed with its exported text"
    pdfs = [f for f in files.values() if f[2] == "application/pdf"]
    assert any(f[3] for f in pdfs), "PDF text layers are indexed"
    assert all(state == ("ok", None) for state in status(ctx, sam).values()) and len(status(ctx, sam)) == 3


def test_html_mail_is_indexed_as_text_with_its_attachments(ctx, sam) -> None:
    rows = index(ctx, "SELECT body_full, attachments FROM gmail_cache WHERE user_id = %s AND has_attachments "
                      "AND body_full ILIKE %s", sam.id, "%Turkish Airlines%")
    assert rows, "the booking confirmations (HTML + PDF e-ticket) are in the index"
    # Both of the trip's bookings are HTML mail with a PDF; which row comes first is not defined.
    assert any("SXK4QZ" in body for body, _ in rows)
    for body, attachments in rows:
        assert "<" not in body and "Booking reference" in body
        assert any(a["filename"].lower().endswith(".pdf") for a in attachments)


def test_keyword_search_finds_synced_mail_and_embeddings_follow(ctx, sam) -> None:
    hits = index(ctx, "SELECT email_id FROM gmail_cache WHERE user_id = %s AND "
                      "search_vector @@ websearch_to_tsquery('english', 'payment gateway prototype')", sam.id)
    assert len(hits) >= 3
    passes = index(ctx, "SELECT embedding_pass, count(*) FROM gmail_cache WHERE user_id = %s GROUP BY 1", sam.id)
    total = index(ctx, "SELECT count(*) FROM gmail_cache WHERE user_id = %s", sam.id)[0][0]
    assert total > 0 and passes == [(2, total)], \
        "the embed job ran after the sync: every message has its full vector"


def test_changes_in_google_show_up_after_a_delta_sync(ctx, emulator, sync_config, sam) -> None:
    g = services_for(sync_config, emulator)
    sent = execute(g.gmail.users().messages().send(userId="me", body={"raw": _raw(
        "budget-owner@example.org", "Quarterly numbers for the zephyr project", "Figures attached.")}))
    inbox = sorted(expected(emulator)["gmail"])
    trashed, read = inbox[0], inbox[1]
    execute(g.gmail.users().messages().trash(userId="me", id=trashed))
    execute(g.gmail.users().messages().modify(userId="me", id=read, body={"addLabelIds": ["STARRED"]}))
    event_ids = sorted(expected(emulator)["calendar"])
    execute(g.calendar.events().insert(calendarId="primary", body={
        "id": "kickoff0001", "summary": "Zephyr kickoff", "start": {"dateTime": "2023-12-04T10:00:00Z"},
        "end": {"dateTime": "2023-12-04T11:00:00Z"}}))
    execute(g.calendar.events().patch(calendarId="primary", eventId=event_ids[0], body={"summary": "Renamed sync"}))
    execute(g.calendar.events().delete(calendarId="primary", eventId=event_ids[1]))
    file_id = next(fid for fid, f in expected(emulator)["drive"].items()
                   if f["file"]["mimeType"] == "application/vnd.google-apps.document")
    execute(g.drive.permissions().create(fileId=file_id, body={"type": "user", "role": "reader",
                                                               "emailAddress": "bob@partner.example"}))

    sync(ctx, sam)

    ids = {r[0] for r in index(ctx, "SELECT email_id FROM gmail_cache WHERE user_id = %s", sam.id)}
    assert sent["id"] in ids and trashed not in ids
    assert "STARRED" in index(ctx, "SELECT labels FROM gmail_cache WHERE user_id = %s AND email_id = %s",
                              sam.id, read)[0][0]
    titles = dict(index(ctx, "SELECT event_id, title FROM gcal_cache WHERE user_id = %s", sam.id))
    assert titles["kickoff0001"] == "Zephyr kickoff" and titles[event_ids[0]] == "Renamed sync"
    assert event_ids[1] not in titles
    shared = index(ctx, "SELECT shared_with FROM gdrive_cache WHERE user_id = %s AND file_id = %s", sam.id, file_id)
    assert any(p["email"] == "bob@partner.example" for p in shared[0][0])
    # and the index still equals Google, item for item
    want = expected(emulator)
    for service, (table, key) in {"gmail": ("gmail_cache", "email_id"), "calendar": ("gcal_cache", "event_id"),
                                  "drive": ("gdrive_cache", "file_id")}.items():
        assert {r[0] for r in index(ctx, f"SELECT {key} FROM {table} WHERE user_id = %s", sam.id)} == \
            set(want[service])


def test_expired_tokens_fall_back_to_a_full_sync(ctx, emulator, sam) -> None:
    with ctx.pool.connection() as conn:
        conn.execute("UPDATE sync_status SET last_sync_token = '1' WHERE user_id = %s AND service = 'gmail'",
                     (sam.id,))
        conn.execute("DELETE FROM gmail_cache WHERE user_id = %s AND email_id = %s",
                     (sam.id, sorted(expected(emulator)["gmail"])[5]))
    emulator.control._call("POST", f"/users/{SAM}/calendar/invalidate_sync_tokens")
    with ctx.pool.connection() as conn:
        conn.execute("DELETE FROM gcal_cache WHERE user_id = %s AND event_id = %s",
                     (sam.id, sorted(expected(emulator)["calendar"])[5]))
    sync(ctx, sam, services=("gmail", "calendar"))
    want = expected(emulator)
    assert {r[0] for r in index(ctx, "SELECT email_id FROM gmail_cache WHERE user_id = %s", sam.id)} == \
        set(want["gmail"])
    assert {r[0] for r in index(ctx, "SELECT event_id FROM gcal_cache WHERE user_id = %s", sam.id)} == \
        set(want["calendar"])
    assert status(ctx, sam)["gmail"] == ("ok", None) and status(ctx, sam)["calendar"] == ("ok", None)
    token = index(ctx, "SELECT last_sync_token FROM sync_status WHERE user_id = %s AND service = 'gmail'", sam.id)
    assert token[0][0] != "1"


def test_duplicate_sync_requests_collapse_to_one_job(ctx, sam) -> None:
    first = enqueue_sync(ctx.redis, sam.id, "gmail", "delta", queue="priority")
    again = enqueue_sync(ctx.redis, sam.id, "gmail", "delta", queue="priority")
    assert first is not None and again is None
    assert Queue("priority", connection=ctx.redis).count == 1
    work(ctx)
    assert enqueue_sync(ctx.redis, sam.id, "gmail", "delta", queue="priority") is not None, \
        "once the job started, a new request queues a new job"
    work(ctx)


def test_rate_limits_and_outages_are_retried(ctx, emulator, sam) -> None:
    emulator.control.deliver(SAM, **{"from": "alerts@vendor.example", "subject": "Invoice 77 overdue",
                                     "body": "Please settle invoice 77."})
    emulator.control.fault("gmail.users.history.list", 429, count=1, retry_after=0)
    emulator.control.fault("gmail.users.messages.get", 503, count=2)
    try:
        sync(ctx, sam, services=("gmail",))
    finally:
        emulator.control.clear_faults()
    hits = index(ctx, "SELECT count(*) FROM gmail_cache WHERE user_id = %s AND subject = 'Invoice 77 overdue'",
                 sam.id)
    assert hits[0][0] == 1 and status(ctx, sam)["gmail"] == ("ok", None)


def test_an_expired_access_token_is_refreshed_and_kept_encrypted(ctx, emulator, sam) -> None:
    before = index(ctx, "SELECT google_access_token_enc FROM users WHERE id = %s", sam.id)[0][0]
    emulator.control.expire_tokens(SAM)
    with ctx.pool.connection() as conn:  # our copy says the token is still valid; Google's 401 decides
        conn.execute("UPDATE users SET token_expires_at = now() + interval '1 hour' WHERE id = %s", (sam.id,))
    sync(ctx, sam, services=("calendar",))
    after = index(ctx, "SELECT google_access_token_enc, needs_reauth FROM users WHERE id = %s", sam.id)[0]
    assert after[0] != before and not after[1]
    fresh = accounts.cipher(ctx.config).decrypt(after[0], str(sam.id))
    assert fresh and fresh.encode() not in bytes(after[0])
    assert status(ctx, sam)["calendar"] == ("ok", None)


def test_a_revoked_grant_stops_syncs_without_retrying(ctx, emulator) -> None:
    user = connect(ctx, emulator, "leaver@atlas.com")
    emulator.control.revoke("leaver@atlas.com")
    with ctx.pool.connection() as conn:
        conn.execute("UPDATE users SET token_expires_at = now() - interval '1 minute' WHERE id = %s", (user.id,))
    sync(ctx, user, "full", services=("gmail",))
    assert index(ctx, "SELECT needs_reauth FROM users WHERE id = %s", user.id)[0][0] is True
    assert status(ctx, user)["gmail"][0] == "needs_reauth"
    failed = Queue("sync", connection=ctx.redis).failed_job_registry
    assert failed.count == 0, "a revoked grant is not an error to retry"
    assert Queue("sync", connection=ctx.redis).scheduled_job_registry.count == 0


def test_users_never_see_each_others_items(ctx, emulator) -> None:
    a, b = connect(ctx, emulator, "ana@iso.example"), connect(ctx, emulator, "ben@iso.example")
    for who, words in ((a, "alpha"), (b, "bravo")):
        emulator.control.deliver(who.email, **{"from": "shared@vendor.example", "subject": f"Shared budget {words}",
                                               "body": "the same budget words for both"})
    sync(ctx, a, "full", services=("gmail",))
    sync(ctx, b, "full", services=("gmail",))
    for who, words in ((a, "alpha"), (b, "bravo")):
        subjects = [r[0] for r in index(ctx, "SELECT subject FROM gmail_cache WHERE user_id = %s", who.id)]
        assert subjects == [f"Shared budget {words}"]


def test_a_worker_killed_mid_sync_and_retried_leaves_no_duplicates_or_gaps(ctx, emulator, database_url,
                                                                           redis_url, sync_config) -> None:
    user = connect(ctx, emulator, "bulk@atlas.com")
    for i in range(N_BULK):
        emulator.control.deliver(user.email, **{"from": f"sender{i % 7}@corp.example", "subject": f"Report {i}",
                                                "body": f"Numbers for week {i}."})
    emulator.control.fault("gmail.users.messages.get", 200, count=100000, delay_ms=15)  # slow, not failing
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "GOOGLE_API_BASE_URL": sync_config.google_api_base_url, "GOOGLE_TOKEN_URI": sync_config.google_token_uri,
           "TOKEN_ENCRYPTION_KEY": sync_config.token_encryption_key, "LOG_LEVEL": "WARNING"}
    job = enqueue_sync(ctx.redis, user.id, "gmail", "full")
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=REPO_ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = index(ctx, "SELECT count(*) FROM gmail_cache WHERE user_id = %s", user.id)[0][0]
            if 0 < done < N_BULK:
                break
            time.sleep(0.05)
        assert 0 < done < N_BULK, f"expected to catch the sync half-way, saw {done} rows"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-job
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        emulator.control.clear_faults()
    # RQ's maintenance finds the abandoned job once its lease runs out; run that cleanup as if it had.
    StartedJobRegistry("sync", connection=ctx.redis).cleanup(timestamp=time.time() + 10 * 86400)
    job.refresh()
    assert job.get_status() in ("queued", "scheduled")
    InProcessWorker([Queue("sync", connection=ctx.redis)], connection=ctx.redis,
                    ).work(burst=True, with_scheduler=False)
    if job.get_status(refresh=True) == "scheduled":  # retry interval: move it to the queue now
        Queue("sync", connection=ctx.redis).enqueue_job(job)
        work(ctx)
    subjects = [r[0] for r in index(ctx, "SELECT subject FROM gmail_cache WHERE user_id = %s", user.id)]
    assert len(subjects) == len(set(subjects)) == N_BULK
    assert set(subjects) == {f"Report {i}" for i in range(N_BULK)}
    assert status(ctx, user)["gmail"] == ("ok", None)


def _raw(to: str, subject: str, body: str) -> str:
    import base64
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = to, SAM, subject
    msg.set_content(body)
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def test_a_push_for_new_mail_makes_it_searchable_by_keyword(ctx, emulator, sync_config, sam) -> None:
    from server.app import create_app
    from tests.support.http_standin import serve

    app = create_app(sync_config.with_(push_certs_url=emulator.url + "/_emulator/oauth2/v1/certs",
                                       push_service_account="gmail-push@emulator.local",
                                       push_audience="wo-test-push"))
    try:
        with serve(app) as base:
            emulator.control.push(base + "/webhooks/gmail", audience="wo-test-push")
            try:
                Queue("priority", connection=ctx.redis).enqueue("workers.watch.renew_watch", str(sam.id))
                work(ctx)  # the watch job: Gmail now pushes for this mailbox
                emulator.control.deliver(SAM, **{"from": "ops@client.example", "subject": "Wombat shipment",
                                                 "body": "The wombat crates leave Tuesday."})
                deliveries = emulator.control.push_log(wait=5)
            finally:
                emulator.control.push(None)
    finally:
        app.extensions["wo"].close()
    assert deliveries and deliveries[-1]["status"] == 204
    work(ctx)  # the delta sync the push queued
    found = index(ctx, "SELECT subject FROM gmail_cache WHERE user_id = %s AND "
                       "search_vector @@ websearch_to_tsquery('english', 'wombat crates')", sam.id)
    assert found == [("Wombat shipment",)]
