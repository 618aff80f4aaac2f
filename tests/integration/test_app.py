"""The web app's contract for every route: JSON errors, request ids, health and readiness."""
from pathlib import Path

import pytest
from flask import Flask

from server.app import create_app
from server.config import Config
from server.devinfra import EmbeddedRedis, free_port


def test_healthz_answers_without_touching_dependencies(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_both_dependencies_reachable(client) -> None:
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready"
    assert body["checks"]["postgres"]["ok"] and body["checks"]["redis"]["ok"]


def test_unknown_route_is_a_json_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["error"] == "not_found" and body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_wrong_method_is_a_json_405_with_allow(client) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_a_json_413(client) -> None:
    response = client.post("/healthz", data=b"x" * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"


def test_an_unexpected_exception_is_a_json_500_without_internals(config: Config) -> None:
    app: Flask = create_app(config)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    app.extensions["wo"].close()
    assert response.status_code == 500 and response.content_type == "application/json"
    body = response.get_json()
    assert body["error"] == "unknown_error"
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_a_well_formed_request_id_is_kept_and_a_malformed_one_replaced(client) -> None:
    kept = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert kept.headers["X-Request-Id"] == "abc-123"
    replaced = client.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
    assert replaced.headers["X-Request-Id"] != "bad id <script>"
    assert len(replaced.headers["X-Request-Id"]) == 32


def test_readyz_names_redis_when_redis_is_stopped(config: Config, tmp_path: Path) -> None:
    own = EmbeddedRedis(tmp_path / "redis", persist=False)
    url = own.start()
    app = create_app(config.with_(redis_url=url))
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        own.stop()
        response = client.get("/readyz")
    finally:
        own.stop()
        app.extensions["wo"].close()
    body = response.get_json()
    assert response.status_code == 503
    assert body["error"] == "not_ready" and body["down"] == ["redis"]
    assert "Redis" in body["message"] and "PostgreSQL" not in body["message"]
    assert body["checks"]["postgres"]["ok"] is True


def test_readyz_names_postgres_when_postgres_is_unreachable(config: Config) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/workspace"
    app = create_app(config.with_(database_url=dead))
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["wo"].close()
    body = response.get_json()
    assert response.status_code == 503 and body["down"] == ["postgres"]
    port = dead.split("@")[1].split("/")[0].split(":")[1]
    assert port not in response.get_data(as_text=True)  # where the database lives is not for whoever asks
    assert body["message"] == "PostgreSQL is unreachable."


def test_the_app_refuses_to_start_without_urls() -> None:
    from server.config import ConfigError

    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app(Config(testing=True))
