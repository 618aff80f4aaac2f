"""Credentials stay out of log lines (server/redact.py and the JSON formatter), and EXTENSION_ORIGINS is read
strictly."""
from __future__ import annotations

import json
import logging
import sys

import pytest

from server.config import Config, ConfigError
from server.logs import JsonFormatter
from server.redact import MASK, scrub, without

SESSION = "wo_" + "0123456789abcdef" * 2 + "_Zx9-Qw_eR7tY"


@pytest.mark.parametrize("text, secret", [
    ("Max retries exceeded with url: /tokeninfo?access_token=ya29.a0Af-xyz&x=1", "ya29.a0Af-xyz"),
    ("GET /ws?token=" + SESSION + " HTTP/1.1", SESSION),
    ("POST /token code=4/0AX4-abc123&client_secret=GOCSPX-shh", "GOCSPX-shh"),
    ("POST /token code=4/0AX4-abc123&client_secret=GOCSPX-shh", "4/0AX4-abc123"),
    ("headers: {'Authorization': 'Bearer abc.DEF-ghi_123'}", "abc.DEF-ghi_123"),
    ("id_token eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6InNAYS5jb20ifQ.c2lnbmF0dXJl refused", "c2lnbmF0dXJl"),
    ("refresh with 1//0gLm-abc_DEF failed", "1//0gLm-abc_DEF"),
    ("a session " + SESSION + " ended", SESSION),
    ("OpenAI said: bad key sk-proj-abcdefghijklmnop1234", "sk-proj-abcdefghijklmnop1234"),
])
def test_credential_shaped_text_is_masked(text, secret) -> None:
    cleaned = scrub(text)
    assert secret not in cleaned and MASK in cleaned


def test_ordinary_text_is_left_alone() -> None:
    text = ("synced 42 messages for user 6f1c…; 1 error (rate_limited), retry in 30 s; see /api/v1/sync/status; "
            "bearer token issued")
    assert scrub(text) == text


def test_a_known_token_and_its_parts_are_removed_from_a_library_message() -> None:
    token = "headerpart.payloadpart123.signaturepart"
    assert "payloadpart123" not in without("Can't parse segment: b'payloadpart123'", token)
    assert "garbage-SECRET" not in without("Wrong number of segments in token: b'garbage-SECRET'", "garbage-SECRET")
    assert len(without("x" * 1000, "secret-token")) == 200


def test_the_formatter_scrubs_messages_extras_and_tracebacks() -> None:
    try:
        raise RuntimeError("could not reach /tokeninfo?access_token=ya29.leaked")
    except RuntimeError:
        record = logging.LogRecord("server.x", logging.ERROR, __file__, 1, "call %s failed", ("Bearer " + SESSION,),
                                   sys.exc_info())
    record.reason = "url: /revoke?token=1//leaked-refresh"
    record.attempts = [{"url": "/x?code=leaked-code"}]
    record.status = 503
    line = JsonFormatter().format(record)
    assert "leaked" not in line and SESSION not in line
    payload = json.loads(line)
    assert payload["status"] == 503 and payload["message"] == f"call Bearer {MASK} failed"


def test_extension_origins_are_read_as_chrome_extension_origins() -> None:
    ids = ("a" * 32, "bcdefghijklmnopabcdefghijklmnopa")
    config = Config.from_env({"EXTENSION_ORIGINS": f" chrome-extension://{ids[0]}, chrome-extension://{ids[1]} "})
    assert config.extension_origins == tuple(f"chrome-extension://{i}" for i in ids)
    assert Config.from_env({}).extension_origins == ()


@pytest.mark.parametrize("value", ["*", "https://evil.example", "chrome-extension://short",
                                   "chrome-extension://" + "a" * 32 + "/", "chrome-extension://" + "z" * 32])
def test_anything_else_in_extension_origins_is_refused(value) -> None:
    with pytest.raises(ConfigError, match="EXTENSION_ORIGINS"):
        Config.from_env({"EXTENSION_ORIGINS": value})
