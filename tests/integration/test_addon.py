"""The Workspace add-on's HTTP endpoints on real PostgreSQL, Redis and the emulator (its signer and certs stand in
for Google's; its Gmail API serves a message the index does not have yet). Every response is validated: cards
against google.apps.card.v1.Card with unknown fields rejected, the wrapper against the documented format."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask

from addon import deployment, preview_html
from emulator.push import Signer
from emulator.testing import ControlClient, EmulatorServer
from server import accounts, catalogue
from server.app import create_app
from server.config import Config
from server.crypto import generate_key
from server.store import users, workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow
from tests.support.addon_responses import buttons, card_texts, validate_response

BASE = "https://orchestrator.test"
AGENT = "service-123456789@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
SAM, EVE, NOBODY = "sam@atlas.com", "eve@atlas.com", "nobody@atlas.com"
T0 = datetime(2023, 11, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def signer(emu: EmulatorServer) -> Signer:
    return emu.app.extensions["emulator.signer"]


@pytest.fixture(scope="module")
def addon_config(config: Config, emu: EmulatorServer) -> Config:
    return config.with_(addon_base_url=BASE, addon_service_agent=AGENT, google_api_base_url=emu.url,
                        addon_certs_url=emu.url + "/_emulator/oauth2/v1/certs", clock_now=T0,
                        token_encryption_key=generate_key())


@pytest.fixture(scope="module")
def addon_app(addon_config: Config) -> Iterator[Flask]:
    app = create_app(addon_config)
    yield app
    app.extensions["wo"].close()


def _mail(i: str, subject: str, sender: str, body: str, days_ago: float) -> GmailRow:
    return GmailRow(i, f"t{i}", subject, sender, sender.split("@")[0].replace(".", " ").title(),
                    [{"email": SAM, "name": "Sam", "kind": "to"}], body, body[:300], ["INBOX"], True, False,
                    received_at=T0 - timedelta(days=days_ago))


@pytest.fixture(scope="module")
def seeded(addon_app: Flask, emu: EmulatorServer) -> dict[str, Any]:
    svc = addon_app.extensions["wo"]
    control = ControlClient(emu.url)
    tokens = control.create_user(SAM)
    sam = accounts.connect(svc.pool, svc.config, SAM, access_token=tokens["access_token"],
                           refresh_token=tokens["refresh_token"], expires_at=datetime.now(timezone.utc)
                           + timedelta(hours=1))
    control.deliver(SAM, **{"from": "promo@shop.example", "to": SAM, "subject": "Weekend sale", "id": "promo01",
                            "body": "Everything half price."})
    with svc.pool.connection() as conn:
        eve = users.upsert(conn, EVE)
        workspace_cache.upsert_messages(conn, sam.id, [
            _mail("promo01", "Weekend sale", "promo@shop.example", "Everything half price.", 0.5),
            _mail("m1", "Q4 budget review", "nadia.moreau@atlas.com",
                  "Hi Sam, the Q4 budget draft is attached. Can we meet on Friday to review it? Thanks, Nadia", 2),
            _mail("m2", "Lunch on Friday?", "nadia.moreau@atlas.com", "Are you free for lunch on Friday?", 1),
        ])
        workspace_cache.upsert_events(conn, sam.id, [
            EventRow("e1", "primary", "Q4 budget review meeting", "Go through the budget", T0 + timedelta(days=1),
                     T0 + timedelta(days=1, hours=1), False, [], html_link="https://calendar.google.com/event?e1"),
            EventRow("e2", "primary", "Dentist", "", T0 + timedelta(days=3), T0 + timedelta(days=3, hours=1),
                     False, [])])
        workspace_cache.upsert_files(conn, sam.id, [
            FileRow("f1", "Q4 budget.xlsx", "application/vnd.google-apps.spreadsheet", "budget numbers", "budget",
                    None, "https://docs.google.com/spreadsheets/d/f1"),
            FileRow("f2", "Holiday photos", "application/vnd.google-apps.folder", "", "", None,
                    "https://drive.google.com/drive/folders/f2")])
        workspace_cache.upsert_messages(conn, eve.id, [_mail("x1", "Eve's secret budget", "a@b.example", "x", 1)])
    return {"sam": sam, "eve": eve}


def system_token(signer: Signer, path: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": BASE + path, "email": AGENT, "email_verified": True,
              "iat": now, "exp": now + 3600, "sub": "109876543210"}
    claims.update(changes)
    return signer.sign({k: v for k, v in claims.items() if v is not None})


def event(signer: Signer, *, user: str | None = SAM, host: str = "GMAIL", params: dict[str, str] | None = None,
          form: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    common: dict[str, Any] = {"hostApp": host, "platform": "WEB", "userLocale": "en",
                              "timeZone": {"id": "UTC", "offset": 0}}
    if params:
        common["parameters"] = params
    if form:
        common["formInputs"] = {k: {"stringInputs": {"value": v}} for k, v in form.items()}
    auth: dict[str, Any] = {"userOAuthToken": "ya29.not-used", "systemIdToken": "unused"}
    if user:
        auth["userIdToken"] = signer.oidc_token(audience="addon-client", email=user)
    return {"commonEventObject": common, "authorizationEventObject": auth, **extra}


def post(app: Flask, signer: Signer, path: str, body: dict[str, Any], token: str | None = "signed") -> Any:
    if token == "signed":
        token = system_token(signer, path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().post(path, json=body, headers=headers)


def cards_of(response: Any) -> list[dict[str, Any]]:
    """Validate a 200 response and return its cards as JSON."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    validate_response(body)
    action = body.get("renderActions", body)["action"]
    return [next(iter(n.values())) for n in action.get("navigations", [])]


def params_of(button: dict[str, Any]) -> tuple[str, dict[str, str]]:
    action = button["onClick"]["action"]
    return action["function"], {p["key"]: p["value"] for p in action.get("parameters", [])}


# -- who may call ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["missing", "not_bearer", "garbage", "forged", "expired", "wrong_audience",
                                  "other_endpoint", "wrong_agent", "unverified_email", "other_issuer"])
def test_requests_not_signed_by_google_for_our_agent_are_401(addon_app, seeded, signer, case) -> None:
    path = "/addon/homepage"
    forger = Signer()  # a key whose certs Google (the emulator) never published
    now = int(time.time())
    tokens = {
        "missing": None,
        "garbage": "not-a-jwt",
        "forged": forger.sign({"iss": "https://accounts.google.com", "aud": BASE + path, "email": AGENT,
                               "email_verified": True, "iat": now, "exp": now + 3600}),
        "expired": system_token(signer, path, iat=now - 7200, exp=now - 3600),
        "wrong_audience": system_token(signer, path, aud="https://elsewhere.example/addon/homepage"),
        "other_endpoint": system_token(signer, path, aud=BASE + "/addon/actions/confirm"),
        "wrong_agent": system_token(signer, path, email="service-999@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"),
        "unverified_email": system_token(signer, path, email_verified=False),
        "other_issuer": system_token(signer, path, iss="https://evil.example"),
    }
    if case == "not_bearer":
        response = addon_app.test_client().post(path, json=event(signer),
                                                headers={"Authorization": "Basic " + system_token(signer, path)})
    else:
        response = post(addon_app, signer, path, event(signer), token=tokens[case])
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"


def test_a_forged_user_token_is_401_even_with_a_valid_system_token(addon_app, seeded, signer) -> None:
    body = event(signer)
    body["authorizationEventObject"]["userIdToken"] = Signer().oidc_token(audience="addon-client", email=SAM)
    assert post(addon_app, signer, "/addon/homepage", body).status_code == 401


def test_with_an_oauth_client_the_user_token_must_be_issued_to_it(addon_config, seeded, signer) -> None:
    app = create_app(addon_config.with_(google_client_id="client-1.apps.example", google_client_secret="s"))
    try:
        good = event(signer, user=None)
        good["authorizationEventObject"]["userIdToken"] = signer.oidc_token(audience="client-1.apps.example",
                                                                            email=SAM)
        assert cards_of(post(app, signer, "/addon/homepage", good))
        other = event(signer)  # issued to another client
        assert post(app, signer, "/addon/homepage", other).status_code == 401
        assert post(app, signer, "/addon/homepage", event(signer, user=None)).status_code == 401
    finally:
        app.extensions["wo"].close()


def test_an_unconfigured_add_on_refuses_with_503(config, seeded, signer) -> None:
    app = create_app(config.with_(addon_base_url=BASE))
    try:
        assert post(app, signer, "/addon/homepage", event(signer)).status_code == 503
    finally:
        app.extensions["wo"].close()


def test_a_person_who_never_connected_gets_a_card_saying_so(addon_app, seeded, signer) -> None:
    (card,) = cards_of(post(addon_app, signer, "/addon/homepage", event(signer, user=NOBODY)))
    assert card["header"]["title"] == catalogue.entry("not_connected").title


# -- cards -----------------------------------------------------------------------------------------------


def test_homepage_has_a_query_box_and_recent_conversations(addon_app, seeded, signer) -> None:
    ask = post(addon_app, signer, "/addon/query", event(signer, form={"query": ["emails from nadia"]}))
    cards_of(ask)
    for host in ("GMAIL", "CALENDAR", "DRIVE"):
        (card,) = cards_of(post(addon_app, signer, "/addon/homepage", event(signer, host=host)))
        widgets = card["sections"][0]["widgets"]
        assert widgets[0]["textInput"]["name"] == "query"
        assert "emails from nadia" in card_texts(card["sections"][1])
        conversation = card["sections"][1]["widgets"][0]["decoratedText"]["onClick"]["action"]
        assert conversation["function"] == BASE + "/addon/conversation"


def test_the_answer_card_has_a_section_per_service_with_links_and_quick_actions(addon_app, seeded, signer) -> None:
    (files,) = cards_of(post(addon_app, signer, "/addon/query",
                             event(signer, form={"query": ["find the Q4 budget file"]})))
    (mail,) = cards_of(post(addon_app, signer, "/addon/query",
                            event(signer, form={"query": ["emails about the Q4 budget"]})))
    assert [s["header"] for s in files["sections"] if s.get("header")] == ["Drive (1)"]
    assert [s["header"] for s in mail["sections"] if s.get("header")] == ["Gmail (1)"]
    assert "Q4 budget review" in card_texts(mail) and "Eve's secret budget" not in card_texts(mail)
    assert [b["text"] for b in buttons(files)] == ["Open", "Share…", "Ask"]
    assert [b["text"] for b in buttons(mail)] == ["Open", "Trash", "Ask"]
    assert buttons(files)[0]["onClick"]["openLink"]["url"] == "https://docs.google.com/spreadsheets/d/f1"
    function, params = params_of(buttons(mail)[1])
    assert function == BASE + "/addon/propose" and params == {"kind": "trash_email", "id": "m1"}
    function, params = params_of(buttons(mail)[-1])
    assert function == BASE + "/addon/query" and params["conversation_id"]


def test_a_change_in_an_answer_is_reviewed_on_a_confirmation_card_and_cancelled(addon_app, seeded, signer) -> None:
    (answer,) = cards_of(post(addon_app, signer, "/addon/query",
                              event(signer, form={"query": ["delete my dentist appointment"]})))
    review = [b for b in buttons(answer) if b["text"] == "Review"]
    assert review, card_texts(answer)
    _, params = params_of(review[0])
    (confirm_card,) = cards_of(post(addon_app, signer, "/addon/actions/show", event(signer, params=params)))
    assert "Dentist" in card_texts(confirm_card)
    footer = confirm_card["fixedFooter"]
    assert footer["primaryButton"]["text"] == "Confirm" and footer["secondaryButton"]["text"] == "Cancel"
    function, cancel_params = params_of(footer["secondaryButton"])
    assert function == BASE + "/addon/actions/cancel"
    response = post(addon_app, signer, "/addon/actions/cancel", event(signer, params=cancel_params))
    (outcome,) = cards_of(response)
    assert outcome["header"]["title"] == "Cancelled"
    assert response.get_json()["renderActions"]["action"]["notification"]["text"] == "Cancelled: " + \
        confirm_card["header"]["title"]
    # Confirming what was cancelled is an error card, not a 4xx Google would show as a broken add-on.
    (error,) = cards_of(post(addon_app, signer, "/addon/actions/confirm", event(signer, params=cancel_params)))
    assert error["header"]["title"] == catalogue.entry("wrong_state").title


def test_a_quick_action_confirmed_twice_runs_once_and_can_be_undone(addon_app, seeded, signer, emu) -> None:
    (confirm_card,) = cards_of(post(addon_app, signer, "/addon/propose",
                                    event(signer, params={"kind": "trash_email", "id": "promo01"})))
    assert "Weekend sale" in card_texts(confirm_card)
    _, params = params_of(confirm_card["fixedFooter"]["primaryButton"])
    first = post(addon_app, signer, "/addon/actions/confirm", event(signer, params=params))
    (done,) = cards_of(first)
    assert first.get_json()["renderActions"]["action"]["notification"]["text"].startswith("Done: ")
    assert done["header"]["title"] == "Done"
    again = post(addon_app, signer, "/addon/actions/confirm", event(signer, params=params))
    assert cards_of(again) == [done]
    with addon_app.extensions["wo"].pool.connection() as conn:
        runs = conn.execute("SELECT count(*) FROM action_log WHERE action_id = %s AND event = 'done'",
                            (params["action_id"],)).fetchone()[0]
    assert runs == 1
    def trashed() -> bool:
        box = ControlClient(emu.url).state(SAM)["users"][SAM]
        return [m["trashed"] for m in box["messages"] if m["id"] == "promo01"] == [True]

    assert trashed()
    undo = [b for b in buttons(done) if b["text"] == "Undo"]
    assert undo
    (undone,) = cards_of(post(addon_app, signer, "/addon/actions/undo", event(signer, params=params_of(undo[0])[1])))
    assert undone["header"]["title"] == "Undone" and not trashed()


def test_a_suggested_reply_is_proposed_then_cancelled_with_a_notification(addon_app, seeded, signer) -> None:
    body = event(signer, gmail={"messageId": "m1", "threadId": "tm1", "accessToken": "gmail-msg-token"})
    (card,) = cards_of(post(addon_app, signer, "/addon/gmail/message", body))
    replies = [b for b in buttons(card) if "onClick" in b and "action" in b["onClick"]
               and params_of(b)[1].get("kind") == "reply"]
    assert replies
    _, params = params_of(replies[0])
    (confirm_card,) = cards_of(post(addon_app, signer, "/addon/propose", event(signer, params=params)))
    _, cancel_params = params_of(confirm_card["fixedFooter"]["secondaryButton"])
    response = post(addon_app, signer, "/addon/actions/cancel", event(signer, params=cancel_params))
    (outcome,) = cards_of(response)
    assert outcome["header"]["title"] == "Cancelled"
    assert response.get_json()["renderActions"]["action"]["notification"]["text"].startswith("Cancelled")


def test_the_contextual_trigger_shows_the_open_indexed_message(addon_app, seeded, signer) -> None:
    body = event(signer, gmail={"messageId": "m1", "threadId": "tm1", "accessToken": "gmail-msg-token"})
    started = time.perf_counter()
    (card,) = cards_of(post(addon_app, signer, "/addon/gmail/message", body))
    elapsed = time.perf_counter() - started
    assert card["header"]["title"] == "Q4 budget review"
    assert "Nadia Moreau" in card["header"]["subtitle"]
    texts = card_texts(card)
    assert "the Q4 budget draft is attached" in texts
    related = card_texts([s for s in card["sections"] if s.get("header") == "Related events and files"][0])
    assert "Q4 budget review meeting" in related and "Q4 budget.xlsx" in related
    assert "Dentist" not in related and "Holiday photos" not in related
    assert elapsed < 5, f"the contextual card took {elapsed:.2f} s"


def test_the_contextual_trigger_reads_a_message_not_indexed_yet_with_the_event_tokens(addon_app, seeded, signer,
                                                                                       emu) -> None:
    control = ControlClient(emu.url)
    tokens = control.create_user(SAM)
    delivered = control.deliver(SAM, **{"from": "kofi.mensah@atlas.com", "to": SAM,
                                        "subject": "Offsite agenda", "body": "Here is the agenda for the offsite."})
    body = event(signer, gmail={"messageId": delivered["id"], "accessToken": "gmail-msg-token"})
    body["authorizationEventObject"]["userOAuthToken"] = tokens["access_token"]
    (card,) = cards_of(post(addon_app, signer, "/addon/gmail/message", body))
    assert card["header"]["title"] == "Offsite agenda"
    assert "Here is the agenda for the offsite." in card_texts(card)
    # Another person's message id is not theirs to read: the index has none, and Gmail says 404.
    body = event(signer, gmail={"messageId": "x1", "accessToken": "t"})
    body["authorizationEventObject"]["userOAuthToken"] = tokens["access_token"]
    (error,) = cards_of(post(addon_app, signer, "/addon/gmail/message", body))
    assert error["name"].startswith("error-")


def test_the_contextual_trigger_without_an_open_message_is_the_homepage(addon_app, seeded, signer) -> None:
    (card,) = cards_of(post(addon_app, signer, "/addon/gmail/message", event(signer)))
    assert card["name"] == "homepage"


def test_every_other_callback_answers_a_valid_response(addon_app, seeded, signer) -> None:
    client_params: list[tuple[str, dict[str, Any]]] = [
        ("/addon/actions", {}),
        ("/addon/share", {"params": {"id": "f1", "title": "Q4 budget.xlsx"}}),
        ("/addon/propose", {"params": {"kind": "share_file", "id": "f1"},
                            "form": {"emails": ["bob@partner.example"], "role": ["writer"]}}),
        ("/addon/propose", {"params": {"kind": "share_file", "id": "f1"}}),  # no address: a notification
        ("/addon/propose", {"params": {"kind": "launch_rockets", "id": "x"}}),  # unknown: an error card
        ("/addon/actions/show", {"params": {"action_id": "00000000-0000-0000-0000-000000000000"}}),
        ("/addon/conversation", {"params": {"conversation_id": "not-a-uuid"}}),
        ("/addon/query", {"form": {"query": ["   "]}}),
        ("/addon/actions/undo", {"params": {"action_id": "nope"}}),
    ]
    for path, kwargs in client_params:
        response = post(addon_app, signer, path, event(signer, **kwargs))
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        validate_response(response.get_json())
    share = post(addon_app, signer, "/addon/propose", event(signer, params={"kind": "share_file", "id": "f1"},
                                                             form={"emails": ["bob@partner.example"]}))
    assert "partner.example" in card_texts(cards_of(share)[0])


def test_the_descriptor_names_only_callbacks_this_app_serves(addon_app) -> None:
    descriptor = deployment.descriptor(BASE)
    urls = deployment.endpoints(descriptor)
    assert BASE + "/addon/homepage" in urls and BASE + "/addon/gmail/message" in urls
    routes = {rule.rule: rule.methods for rule in addon_app.url_map.iter_rules()}
    for url in urls:
        assert url.startswith(BASE)
        assert "POST" in routes[url[len(BASE):]], url
    assert set(descriptor["addOns"]) >= {"common", "gmail", "calendar", "drive", "httpOptions"}
    assert "https://www.googleapis.com/auth/gmail.addons.current.message.readonly" in descriptor["oauthScopes"]


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "e2e" / "artifacts"


def test_the_answer_and_message_cards_render_in_chromium(addon_app, seeded, signer) -> None:
    """The cards the callbacks answer, drawn by addon/preview_html in headless Chromium (screenshots for a person
    to look at in tests/e2e/artifacts/)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    from playwright.sync_api import sync_playwright

    (answer,) = cards_of(post(addon_app, signer, "/addon/query", event(signer, form={"query": ["emails from nadia"]})))
    (message,) = cards_of(post(addon_app, signer, "/addon/gmail/message",
                               event(signer, gmail={"messageId": "m1", "accessToken": "t"})))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 380, "height": 900})
            for name, card in (("addon-answer-card", answer), ("addon-message-card", message)):
                page.set_content(preview_html.page(card))
                assert page.locator(".card .title").inner_text() == card["header"]["title"]
                assert page.locator(".section").count() == len(card["sections"])
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000
        finally:
            browser.close()
