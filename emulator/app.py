"""Flask application factory for the Google Workspace API emulator."""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import batch, calendar_api, control_api, drive_api, gmail_api, oauth_api
from .common import error_response, json_response
from .errors import ApiError
from .push import PushService, Signer
from .state import Config, State

log = logging.getLogger("emulator")


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 404:
        err = ApiError(404, f"The requested URL {request.path} was not found on this server.", "notFound")
    elif code == 405:
        err = ApiError(405, f"Method {request.method} is not allowed for {request.path}.", "httpMethodNotAllowed")
    else:
        err = ApiError(code, exc.description or exc.name, "badRequest" if code < 500 else "backendError")
    return error_response(err)


def _start_snapshotter(state: State, path: str, interval: float) -> None:
    """Save the snapshot every ``interval`` seconds while there are unsaved changes.

    Big worlds take long to serialise (and hold the lock meanwhile), so the pause between saves
    grows to at least ten times the last save's duration.
    """

    def loop() -> None:
        pause = interval
        while True:
            time.sleep(pause)
            if state.dirty:
                started = time.monotonic()
                try:
                    state.save_snapshot(path)
                except OSError as exc:
                    log.warning("snapshot to %s failed: %r", path, exc)
                pause = max(interval, 10 * (time.monotonic() - started))

    threading.Thread(target=loop, name="emulator-snapshot", daemon=True).start()


def create_app(state: State | None = None, config: Config | None = None) -> Flask:
    """Build the emulator app around ``state`` (a fresh one if None) and ``config``.

    With ``config.snapshot`` set, an existing snapshot is loaded into an empty state, the signing
    key is kept next to it, and changes are saved periodically.
    """
    config = config or (state.config if state is not None else Config())
    state = state or State(config)
    state.config = config
    key_dir = os.path.dirname(os.path.abspath(config.snapshot)) if config.snapshot else None
    if config.snapshot and os.path.exists(config.snapshot) and not state.users:
        import json

        with open(config.snapshot, encoding="utf-8") as fh:
            state.load_snapshot(json.load(fh))
    signer = Signer(key_dir)
    push = PushService(state, config, signer)

    app = Flask("emulator")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["emulator.state"] = state
    app.extensions["emulator.signer"] = signer
    app.extensions["emulator.push"] = push
    for bp in (gmail_api.bp, calendar_api.bp, drive_api.bp, control_api.bp, oauth_api.bp, batch.bp):
        app.register_blueprint(bp)
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:  # noqa: ANN202 - Flask handler
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "Internal error encountered.", "backendError"))

    @app.get("/")
    def index() -> Response:
        return json_response({"service": "google-workspace-emulator", "apis": ["gmail/v1", "calendar/v3", "drive/v3"]})

    if config.snapshot:
        _start_snapshotter(state, config.snapshot, config.snapshot_interval)
    return app
