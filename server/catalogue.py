"""The error catalogue: every error a person can see, with its wording, in one place.

Each entry has a stable machine code (`error` in JSON bodies, WebSocket/SSE frames and add-on card names), the
HTTP status a REST face answers with, a title (cards, the side panel), the message written for a person, and
whether trying again may help. The wording of the user-facing entries is the design documents' (seeds: "3.2
User-Facing Error Messages" and "1.3 OAuth Error Handling"). Every face takes its words from here: REST and the
streaming faces through `server.errors`, the add-on's error cards, the pipeline's partial-result notices.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One error as people and programs see it."""

    code: str  # machine-readable, stable
    status: int  # what a REST face answers with
    title: str
    message: str  # may hold {service} / {others}, filled by `message()`
    retryable: bool = False  # trying again (later) may help without the person changing anything
    action: str | None = None  # the button a face may offer
    action_url: str | None = None


_ENTRIES = (
    # Authentication and Google access (seeds 3.2).
    Entry("token_expired", 401, "Session Expired",
          "Your Google session has expired. Please log in again to continue.", action="Login Again",
          action_url="/auth/login"),
    Entry("permission_denied", 403, "Permission Required",
          "This action requires additional permissions. Please reconnect your Google account and grant access to "
          "{service}.", action="Reconnect Account", action_url="/auth/login?prompt=consent"),
    Entry("access_revoked", 401, "Access Revoked",
          "You've revoked access to your Google account. Please reconnect to continue using the app.",
          action="Reconnect Account", action_url="/auth/login"),
    # Limits (seeds 3.2).
    Entry("rate_limited", 429, "Please Wait",
          "We're processing too many requests right now. Please wait a moment and try again.", retryable=True,
          action="Try Again"),
    Entry("quota_exceeded", 429, "Daily Limit Reached",
          "We've reached our daily API limit. This will reset at midnight UTC. Sorry for the inconvenience!"),
    # A Google service down while the others answered: partial results (seeds 3.2).
    Entry("gmail_unavailable", 503, "Gmail Temporarily Unavailable",
          "We couldn't connect to Gmail right now. Your {others} still worked. Would you like to try the email "
          "search again?", retryable=True, action="Retry Email Search"),
    Entry("calendar_unavailable", 503, "Calendar Temporarily Unavailable",
          "We couldn't connect to Google Calendar right now. Your {others} still worked. Would you like to try "
          "the calendar search again?", retryable=True, action="Retry Calendar Search"),
    Entry("drive_unavailable", 503, "Drive Temporarily Unavailable",
          "We couldn't connect to Google Drive right now. Your {others} still worked. Would you like to try the "
          "file search again?", retryable=True, action="Retry File Search"),
    Entry("service_unavailable", 503, "Temporarily Unavailable",
          "We couldn't connect to {service} right now. Please try again in a few moments.", retryable=True,
          action="Try Again"),
    # A service whose circuit breaker is open: its results come from the local index (server/google/breakers.py).
    Entry("service_stale", 200, "Showing Saved Results",
          "{service} isn't answering right now, so these results are from the last sync and may miss the newest "
          "items.", retryable=True),
    Entry("changes_paused", 503, "Changes Paused",
          "Changes are paused for a moment while we recover. Please try again shortly; searching and asking still "
          "work.", retryable=True),
    Entry("unavailable", 503, "Temporarily Unavailable",
          "The service is temporarily unavailable. Please try again in a few moments.", retryable=True,
          action="Try Again"),
    # Our own stores gone (server/faces/outages.py; README "Resilience").
    Entry("database_unavailable", 503, "Temporarily Unavailable",
          "We can't reach our database right now. Nothing was changed; please try again in a few moments.",
          retryable=True, action="Try Again"),
    Entry("overloaded", 503, "Very Busy", "The service is very busy right now. Please try again in a few moments.",
          retryable=True, action="Try Again"),
    Entry("queue_unavailable", 503, "Sync Unavailable",
          "Syncing can't be started right now because our job queue is unreachable; searching and asking still "
          "work. Please try again in a minute.", retryable=True),
    Entry("redis_unavailable", 503, "Temporarily Unavailable",
          "This can't be done right now because our job queue is unreachable; searching and asking still work. "
          "Please try again in a minute.", retryable=True),
    Entry("llm_unavailable", 200, "AI Processing Delayed",
          "Our AI service is experiencing high load. We're processing your request, but it may take a bit longer "
          "than usual.", retryable=True),
    Entry("unknown_error", 500, "Something Went Wrong",
          "We encountered an unexpected error. Our team has been notified. Please try again in a few moments.",
          retryable=True, action="Try Again"),
    # Signing in (seeds 1.3).
    Entry("access_denied", 403, "Access Needed",
          "You need to grant access to use this app. Please try again and click 'Allow' on the Google consent "
          "screen.", action="Try Again", action_url="/auth/login"),
    Entry("scopes_missing", 200, "Some Permissions Missing",
          "Some permissions were not granted. The app needs access to {service} to work properly.",
          action="Grant Access", action_url="/auth/login?prompt=consent"),
    Entry("login_expired", 400, "Login Expired", "The login session expired. Please try again.",
          action="Try Again", action_url="/auth/login"),
    Entry("invalid_client", 500, "Configuration Problem", "There's a configuration issue. Please contact support."),
    Entry("session_expired", 401, "Session Expired", "Your session expired. Please log in again.",
          action="Login Again", action_url="/auth/login"),
    Entry("login_rate_limited", 429, "Please Wait", "Too many login attempts. Please wait a moment and try again.",
          retryable=True),
    Entry("state_mismatch", 400, "Please Try Again", "Security validation failed. Please try again.",
          action="Try Again", action_url="/auth/login"),
    Entry("missing_code", 400, "Please Try Again", "No authorization code received. Please try again.",
          action="Try Again", action_url="/auth/login"),
    Entry("login_failed", 400, "Login Failed", "Login failed. Please try again.", action="Try Again",
          action_url="/auth/login"),
    Entry("signin_unavailable", 503, "Sign-in Unavailable",
          "Google sign-in is unavailable right now. Please try again in a few moments.", retryable=True),
    Entry("google_token_invalid", 401, "Please Sign In Again",
          "Your Google sign-in has expired or was revoked. Please sign in again.", action="Sign In"),
    Entry("wrong_client", 401, "Please Sign In Again",
          "This Google sign-in was made for another app. Please sign in again.", action="Sign In"),
    Entry("insufficient_scope", 403, "Permission Required",
          "Signing in needs your email address. Please sign in again and allow it.", action="Sign In"),
    Entry("unauthenticated", 401, "Please Sign In", "Please sign in to continue.", action="Sign In",
          action_url="/auth/login"),
    Entry("auth_required", 409, "Please Reconnect",
          "Your Google session has expired. Please sign in again to continue.", action="Reconnect Account",
          action_url="/auth/login"),
    Entry("not_connected", 403, "Connect Your Account",
          "This Google account is not connected to Workspace Orchestrator yet. Open the assistant and sign in with "
          "Google first."),
    Entry("not_ready", 503, "Almost Ready", "Your account is still being set up. Please try again in a moment.",
          retryable=True),
    # Pending actions (confirm, cancel, undo).
    Entry("not_found", 404, "Not Found", "We couldn't find that. It may have been deleted, or the address is wrong."),
    Entry("expired", 410, "Expired",
          "This proposal expired before it was confirmed. Ask again to get a fresh one."),
    Entry("wrong_state", 409, "Already Decided", "This action was already confirmed or cancelled."),
    Entry("not_undoable", 409, "Cannot Undo", "Google does not allow reversing this one."),
    Entry("in_progress", 409, "Still Running", "This is still running. Please try again in a moment.",
          retryable=True),
    # A retried write (server/faces/idempotent.py).
    Entry("idempotency_key_reused", 422, "Key Already Used",
          "This Idempotency-Key was already used for a different request; use a new key for a new request."),
    Entry("google_error", 502, "Google Refused", "Google could not do that. Nothing was changed.", retryable=True),
    # What Google said when an action failed (the action's message; the code stays google_error or the kind).
    Entry("action_unavailable", 503, "Temporarily Unavailable",
          "Google is not answering right now; nothing was changed. Try again in a moment.", retryable=True),
    Entry("action_rate_limited", 503, "Please Wait",
          "Google is limiting requests right now; nothing was changed. Try again in a moment.", retryable=True),
    Entry("action_permission_denied", 502, "Permission Required",
          "Google refused: you don't have permission to do this."),
    Entry("action_not_found", 502, "Not Found", "Google could not find the item; it may have been deleted."),
    Entry("action_quota_exceeded", 502, "Daily Limit Reached",
          "Google's daily limit for this account is reached; try again tomorrow."),
    Entry("action_conflict", 502, "Conflict", "Google refused because of a conflicting change."),
    # Requests a client got wrong (HTTP).
    Entry("bad_request", 400, "Something Is Missing",
          "The request could not be understood. Check its parameters and body."),
    Entry("invalid", 422, "Not Possible", "Some fields are invalid."),
    Entry("forbidden", 403, "Not Allowed", "You don't have access to this."),
    Entry("forbidden_origin", 403, "Not Allowed", "Requests from another site are not accepted."),
    Entry("method_not_allowed", 405, "Not Allowed", "This address does not accept that method."),
    Entry("conflict", 409, "Conflict", "This conflicts with the current state; reload and try again."),
    Entry("payload_too_large", 413, "Too Large", "The request body is too large."),
    Entry("uri_too_long", 414, "Too Long", "The address (with its query) is too long."),
    Entry("unsupported_media_type", 415, "Send JSON", "Send the body as JSON (Content-Type: application/json)."),
)

CATALOGUE: dict[str, Entry] = {e.code: e for e in _ENTRIES}
SERVICE_NAMES = {"gmail": "Gmail", "calendar": "Google Calendar", "drive": "Google Drive"}
# How the seeds name what still worked: "Your calendar and drive searches still worked."
_SEARCH_NAMES = {"gmail": "email", "calendar": "calendar", "drive": "drive"}


def entry(code: str) -> Entry:
    """The entry for `code`; an unknown code reads as unknown_error (a person never sees a bare code)."""
    return CATALOGUE.get(code) or CATALOGUE["unknown_error"]


def message(code: str, *, service: str | None = None, others: str | None = None) -> str:
    """The message of `code` for a person, with its blanks filled in."""
    text = entry(code).message
    return text.format(service=service or "your Google services", others=others or "other searches")


def service_unavailable(service: str, still_worked: list[str]) -> tuple[str, str]:
    """(code, message) for a Google service that failed while `still_worked` services answered."""
    code = f"{service}_unavailable" if f"{service}_unavailable" in CATALOGUE else "service_unavailable"
    names = [_SEARCH_NAMES.get(s, s) for s in dict.fromkeys(still_worked) if s != service]
    if not names or code == "service_unavailable":
        return code, message("service_unavailable", service=SERVICE_NAMES.get(service, service))
    others = " and ".join(names) + (" searches" if len(names) > 1 else " search")
    return code, message(code, others=others)


def action_failure(kind: str) -> str:
    """What to tell a person when Google refused or failed a confirmed action (`kind` from server.google.errors)."""
    code = f"action_{kind}"
    return CATALOGUE[code].message if code in CATALOGUE else "Google refused the request."
