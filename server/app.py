"""The Flask app factory: `create_app(config)` wires config, logging, connections, errors and faces."""
from __future__ import annotations

import atexit
import logging
import re
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from addon import callbacks as addon_callbacks
from server import metrics
from server.actions import audit
from server.config import Config
from server.errors import register_error_handlers
from server.faces import actions_api, health, openapi, query_api, search_api, sync_api, web, webhooks, ws
from server.faces import audit_api, auth_api, cors, limits, metrics_api, outages, security
from server.logs import configure_logging, new_request_id, request_id_var
from server.queue import redis_client
from server.services import Services
from server.store.pool import make_pool

log = logging.getLogger("server.access")
# A request is a sentence plus some ids; 1 MiB is generous and bounds what one client can make us buffer.
MAX_BODY_BYTES = 1024 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _install_request_ids(app: Flask) -> None:
    """Give every request an id (the caller's X-Request-Id when well-formed), log it, count it in the metrics
    (by route template), and echo the id back. The face it came through is noted for the audit log."""

    @app.before_request
    def _start() -> None:
        supplied = request.headers.get("X-Request-Id", "")
        rid = supplied if _REQUEST_ID.match(supplied) else new_request_id()
        g.request_id_token = request_id_var.set(rid)
        g.face_token = audit.face_var.set(audit.face_of_path(request.path))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = request_id_var.get()
        if rid:
            response.headers["X-Request-Id"] = rid
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        log.info("request", extra={"method": request.method, "path": request.path,
                                   "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        metrics.observe_request(request.url_rule, request.method, response.status_code, elapsed)
        metrics.refresh_breakers()  # this request may have opened or closed one
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
        face_token = g.pop("face_token", None)
        if face_token is not None:
            audit.face_var.reset(face_token)


def _limit_body_size(app: Flask) -> None:
    """Refuse an oversized body from its Content-Length, before routing or reading it."""

    @app.before_request
    def _check() -> None:
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            raise RequestEntityTooLarge()


def create_app(config: Config | None = None) -> Flask:
    """Build the web app for `config` (default: from the environment). DATABASE_URL and REDIS_URL must be set."""
    config = config or Config.from_env()
    config.require_urls()
    if not config.testing:
        configure_logging(config.log_level)
    if config.prometheus_multiproc_dir is not None:  # prometheus_client writes there from the first request on
        config.prometheus_multiproc_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__)
    app.config.update(TESTING=config.testing, MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    svc = Services(
        config=config,
        pool=make_pool(config.database_url or "", config.db_pool_min, config.db_pool_max),
        redis=redis_client(config.redis_url or "", timeout=config.ready_timeout),
    )
    app.extensions["wo"] = svc
    # Close the pool while the interpreter is still whole; left to __del__ it trips over gevent at exit.
    atexit.register(svc.close)
    _install_request_ids(app)
    _limit_body_size(app)
    security.install(app)
    cors.install(app, config.extension_origins)
    register_error_handlers(app)
    limits.install(app)
    outages.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth_api.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(sync_api.bp)
    app.register_blueprint(search_api.bp)
    app.register_blueprint(actions_api.bp)
    app.register_blueprint(query_api.bp)
    app.register_blueprint(audit_api.bp)
    app.register_blueprint(metrics_api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(addon_callbacks.bp)
    app.register_blueprint(web.bp)
    ws.init_app(app)
    return app
