"""Structured logging: one JSON object per line, carrying the current request id.

The request id lives in a ContextVar so it follows the request through gevent greenlets and into the
pipeline's helpers without being passed around; workers set it to the job id.
"""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar

from server.redact import scrub

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Never written to a log, whatever a caller passes in `extra` (secrets stay out of logs); every other text is
# scrubbed of anything shaped like a credential (server/redact.py).
_REDACT = {"password", "token", "access_token", "refresh_token", "authorization", "secret", "api_key"}


def _scrubbed(value: object) -> object:
    """An `extra` value with credential-shaped text masked (strings, and strings inside lists and dicts)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return scrub(str(value))  # what json.dumps(default=str) would write, masked


def new_request_id() -> str:
    """A fresh opaque request id."""
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, request_id, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        rid = request_id_var.get()
        if rid:
            payload["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = "[redacted]" if key.lower() in _REDACT else _scrubbed(value)
        if record.exc_info:
            payload["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines (idempotent)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that are chatty at INFO.
    for noisy in ("urllib3", "googleapiclient.discovery_cache", "httpx", "httpx2", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
