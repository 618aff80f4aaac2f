import json
import logging

from server.logs import JsonFormatter, request_id_var


def _record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("server.x", logging.INFO, __file__, 1, msg, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_log_line_is_json_with_the_request_id_and_extra_fields() -> None:
    token = request_id_var.set("req-123")
    try:
        line = JsonFormatter().format(_record("synced %d items" % 5, service="gmail"))
    finally:
        request_id_var.reset(token)
    payload = json.loads(line)
    assert payload["message"] == "synced 5 items"
    assert payload["request_id"] == "req-123"
    assert payload["service"] == "gmail"
    assert payload["level"] == "INFO" and payload["logger"] == "server.x"


def test_without_a_request_there_is_no_request_id() -> None:
    assert "request_id" not in json.loads(JsonFormatter().format(_record("boot")))


def test_secrets_passed_as_extra_are_redacted() -> None:
    payload = json.loads(JsonFormatter().format(_record("refresh", refresh_token="1//secret", api_key="sk-x")))
    assert payload["refresh_token"] == "[redacted]" and payload["api_key"] == "[redacted]"
    assert "1//secret" not in json.dumps(payload)
