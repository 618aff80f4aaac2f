"""Helpers for tests that talk to the emulator: an in-process server, a control-API client, and
googleapiclient services whose EVERY response is validated against the bundled discovery schema.

    with EmulatorServer() as emu:
        tokens = emu.control.create_user("sam@atlas.com")
        validator = SchemaValidator()
        gmail = build_service("gmail", emu.url, tokens, validator)
        gmail.users().getProfile(userId="me").execute()

Validation is wired in twice: a ``requestBuilder`` wraps each request's ``postproc`` (so direct
and batched successes are checked against the method's response schema), and a wrapped
``httplib2.Http`` checks every error body, including the parts of batch responses.
"""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httplib2
import requests
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.http import BatchHttpRequest, HttpRequest
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .discovery_schema import API_VERSIONS, SchemaError, SchemaValidator
from .state import Config, State


def api_endpoint(api: str, base_url: str) -> str:
    """The ``client_options.api_endpoint`` for an API: Gmail's is the root, the others add their path."""
    base = base_url.rstrip("/")
    return {"gmail": base + "/", "calendar": base + "/calendar/v3/", "drive": base + "/drive/v3/"}[api]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: D401 - silence access log
        pass


class ControlClient:
    """Thin client of ``/_emulator/...`` (plain requests, no Google client involved)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/") + "/_emulator"
        self.session = requests.Session()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.session.request(method, self.base + path, timeout=60, **kw)
        if resp.status_code >= 400:
            raise RuntimeError(f"control {method} {path} -> {resp.status_code}: {resp.text[:300]}")
        return resp.json() if resp.content else None

    def create_user(self, email: str) -> dict[str, Any]:
        """Create (idempotently) a user; returns its tokens."""
        return self._call("POST", "/users", json={"email": email})

    def deliver(self, email: str, **message: Any) -> dict[str, Any]:
        """Simulate an incoming message (``from``, ``to``, ``subject``, ``body``, ``date`` or ``raw``)."""
        return self._call("POST", f"/users/{email}/messages", json=message)

    def fault(self, method: str, status: int, count: int = 1, **extra: Any) -> Any:
        """Queue a fault for the next ``count`` calls of ``method``."""
        return self._call("POST", "/faults", json={"method": method, "status": status, "count": count, **extra})

    def clear_faults(self) -> Any:
        """Drop all queued faults."""
        return self._call("DELETE", "/faults")

    def reset(self) -> Any:
        """Forget everything."""
        return self._call("POST", "/reset")

    def load(self, **body: Any) -> Any:
        """Load a data set (``dataset="demo"`` or ``dataset="scale", users=, messages=``)."""
        return self._call("POST", "/load", json=body)

    def state(self, user: str | None = None) -> Any:
        """The evaluation dump."""
        return self._call("GET", "/state", params={"user": user} if user else None)

    def clock(self, now: str | None = None, advance_seconds: float | None = None) -> Any:
        """Freeze/step the clock."""
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now
        if advance_seconds is not None:
            body["advance_seconds"] = advance_seconds
        return self._call("POST", "/clock", json=body)

    def revoke(self, email: str) -> Any:
        """Revoke all tokens of a user."""
        return self._call("POST", f"/users/{email}/revoke")

    def expire_tokens(self, email: str) -> Any:
        """Expire a user's access tokens (refresh still works)."""
        return self._call("POST", f"/users/{email}/expire_tokens")

    def consent(self, decision: str = "allow", grant: list[str] | None = None, **extra: Any) -> Any:
        """Queue the consent screen's next answer (deny, a partial ``grant``, ``email``, ``code_ttl``, ``count``)."""
        return self._call("POST", "/oauth/consent", json={"decision": decision, "grant": grant, **extra})

    def register_client(self, client_id: str, client_secret: str) -> Any:
        """Accept only registered OAuth clients from now on (this one among them)."""
        return self._call("POST", "/oauth/clients", json={"client_id": client_id, "client_secret": client_secret})

    def push(self, url: str | None, audience: str | None = None) -> Any:
        """Point push delivery at ``url``."""
        return self._call("POST", "/push", json={"url": url, "audience": audience})

    def push_log(self, wait: float = 0) -> list[dict[str, Any]]:
        """Push delivery attempts (``wait`` seconds for in-flight ones first)."""
        return self._call("GET", "/push/log", params={"wait": wait} if wait else None)["deliveries"]


class EmulatorServer:
    """The emulator on a free loopback port, in a background thread (werkzeug, threaded)."""

    def __init__(self, config: Config | None = None, state: State | None = None) -> None:
        self.config = config or Config()
        self.state = state or State(self.config)
        self.app = create_app(self.state, self.config)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self.config.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.control = ControlClient(self.url)
        self._thread: threading.Thread | None = None

    def start(self) -> "EmulatorServer":
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class ValidatingHttp(httplib2.Http):
    """httplib2.Http that checks every error body (and every part of a batch answer)."""

    def __init__(self, validator: SchemaValidator, **kw: Any) -> None:
        super().__init__(**kw)
        self.validator = validator

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, *args: Any,
                **kwargs: Any) -> tuple[httplib2.Response, bytes]:
        resp, content = super().request(uri, method, body, headers, *args, **kwargs)
        ctype = resp.get("content-type", "")
        path = urlsplit(uri).path
        if path.endswith("/token"):
            if resp.status >= 400:
                data = json.loads(content)
                if not isinstance(data.get("error"), str) or not isinstance(data.get("error_description"), str):
                    raise SchemaError(f"OAuth error body malformed: {content[:200]!r}")
        elif ctype.startswith("multipart/mixed"):
            self._check_batch(ctype, content)
        elif resp.status >= 400:
            self.validator.check_error(resp.status, json.loads(content))
        return resp, content

    def _check_batch(self, ctype: str, content: bytes) -> None:
        msg = BytesParser().parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + content)
        for part in msg.get_payload():
            text = part.get_payload()
            status_line, rest = text.split("\r\n", 1)
            status = int(status_line.split(" ")[1])
            if status >= 400:
                self.validator.check_error(status, json.loads(rest.split("\r\n\r\n", 1)[1]))


def request_builder(validator: SchemaValidator) -> Callable[..., HttpRequest]:
    """A googleapiclient ``requestBuilder`` whose requests validate their success bodies."""

    def make(http: Any, postproc: Callable[..., Any], uri: str, method: str = "GET", body: Any = None,
             headers: Any = None, methodId: str | None = None, resumable: Any = None) -> HttpRequest:
        query = parse_qs(urlsplit(uri).query)
        partial = "fields" in query
        media = query.get("alt") == ["media"]

        def checked(resp: httplib2.Response, content: bytes) -> Any:
            if methodId is not None and not media:
                desc = validator.methods[methodId]
                if desc.get("response"):
                    validator.check_response(methodId, json.loads(content) if content else None, partial)
                elif not desc.get("supportsMediaDownload"):
                    validator.check_response(methodId, content, partial)
            return postproc(resp, content)

        return HttpRequest(http, checked, uri, method=method, body=body, headers=headers, methodId=methodId,
                           resumable=resumable)

    return make


def credentials(base_url: str, tokens: dict[str, Any]) -> Credentials:
    """google-auth user credentials that refresh against the emulator's token endpoint."""
    return Credentials(token=tokens["access_token"], refresh_token=tokens["refresh_token"],
                       token_uri=base_url.rstrip("/") + "/token", client_id="emulator-test-client",
                       client_secret="emulator-test-secret")


def build_service(api: str, base_url: str, tokens: dict[str, Any], validator: SchemaValidator | None = None,
                  creds: Credentials | None = None) -> Any:
    """A googleapiclient service from the static discovery document, pointed at the emulator."""
    validator = validator or SchemaValidator()
    http = AuthorizedHttp(creds or credentials(base_url, tokens), http=ValidatingHttp(validator))
    return build(api, API_VERSIONS[api], http=http, static_discovery=True, cache_discovery=False,
                 client_options={"api_endpoint": api_endpoint(api, base_url)},
                 requestBuilder=request_builder(validator))


def new_batch(api: str, base_url: str, callback: Callable[..., Any] | None = None) -> BatchHttpRequest:
    """A BatchHttpRequest aimed at the emulator's batch endpoint for ``api``."""
    return BatchHttpRequest(callback=callback,
                            batch_uri=f"{base_url.rstrip('/')}/batch/{api}/{API_VERSIONS[api]}")
