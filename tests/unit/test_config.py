from pathlib import Path

import pytest

from server.config import Config, ConfigError


def test_defaults_need_no_environment() -> None:
    config = Config.from_env({})
    assert config.database_url is None and config.redis_url is None
    assert (config.host, config.port, config.embedding_dim) == ("127.0.0.1", 8080, 384)
    assert config.data_dir.name == ".data"


def test_values_are_read_from_the_environment(tmp_path: Path) -> None:
    config = Config.from_env({"DATABASE_URL": "postgresql://db/x", "REDIS_URL": "redis://r/1", "PORT": "9000",
                              "EMBEDDING_DIM": "1536", "DATA_DIR": str(tmp_path), "LOG_LEVEL": "debug"})
    assert config.database_url == "postgresql://db/x"
    assert config.redis_url == "redis://r/1"
    assert config.port == 9000 and config.embedding_dim == 1536
    assert config.data_dir == tmp_path.resolve() and config.log_level == "DEBUG"


@pytest.mark.parametrize("env, names", [
    ({"PORT": "eighty"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"EMBEDDING_DIM": "0"}, "EMBEDDING_DIM"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
])
def test_malformed_values_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Config.from_env(env)


def test_processes_without_urls_get_a_clear_message() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL and REDIS_URL not set.*make demo"):
        Config().require_urls()
    Config(database_url="postgresql://x/y", redis_url="redis://z").require_urls()


def test_llm_defaults_configure_no_provider() -> None:
    config = Config.from_env({})
    assert config.openai_api_key is None and config.anthropic_api_key is None
    assert (config.llm_openai_model, config.llm_anthropic_model) == ("gpt-4o-mini", "claude-haiku-4-5")
    assert (config.llm_classify_timeout, config.llm_synthesis_timeout) == (5.0, 30.0)


def test_llm_settings_are_read_from_the_environment() -> None:
    config = Config.from_env({"ANTHROPIC_API_KEY": "ak", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/",
                              "LLM_OPENAI_MODEL": "gpt-4.1-mini", "LLM_ANTHROPIC_MODEL": "claude-sonnet-4-5",
                              "LLM_CLASSIFY_TIMEOUT_SECONDS": "2.5", "LLM_SYNTHESIS_TIMEOUT_SECONDS": "45"})
    assert (config.anthropic_api_key, config.anthropic_base_url) == ("ak", "http://127.0.0.1:9/")
    assert (config.llm_openai_model, config.llm_anthropic_model) == ("gpt-4.1-mini", "claude-sonnet-4-5")
    assert (config.llm_classify_timeout, config.llm_synthesis_timeout) == (2.5, 45.0)


@pytest.mark.parametrize("env, names", [
    ({"LLM_CLASSIFY_TIMEOUT_SECONDS": "soon"}, "LLM_CLASSIFY_TIMEOUT_SECONDS must be a number"),
    ({"LLM_CLASSIFY_TIMEOUT_SECONDS": "0"}, "LLM_CLASSIFY_TIMEOUT_SECONDS must be between"),
    ({"LLM_SYNTHESIS_TIMEOUT_SECONDS": "9999"}, "LLM_SYNTHESIS_TIMEOUT_SECONDS must be between"),
])
def test_malformed_llm_timeouts_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Config.from_env(env)



def test_clock_now_freezes_the_clock_and_needs_an_offset() -> None:
    from datetime import datetime, timezone

    from server.clock import now

    frozen = Config.from_env({"CLOCK_NOW": "2023-11-30T00:00:00Z"})
    assert frozen.clock_now == datetime(2023, 11, 30, tzinfo=timezone.utc) and now(frozen) == frozen.clock_now
    assert now(Config.from_env({})).year >= 2026
    for bad in ("2023-11-30T00:00:00", "last tuesday"):
        with pytest.raises(ConfigError, match="CLOCK_NOW"):
            Config.from_env({"CLOCK_NOW": bad})


def test_resilience_settings_default_and_are_read_from_the_environment() -> None:
    default = Config.from_env({})
    assert (default.google_timeout, default.google_breaker_threshold, default.google_breaker_reset_seconds) == \
        (10.0, 5, 30.0)
    assert (default.worker_heartbeat_seconds, default.worker_maintenance_seconds) == (10, 60)
    config = Config.from_env({"GOOGLE_TIMEOUT_SECONDS": "3.5", "GOOGLE_BREAKER_THRESHOLD": "2",
                              "GOOGLE_BREAKER_RESET_SECONDS": "0.5", "WORKER_HEARTBEAT_SECONDS": "2",
                              "WORKER_MAINTENANCE_SECONDS": "5"})
    assert (config.google_timeout, config.google_breaker_threshold, config.google_breaker_reset_seconds) == \
        (3.5, 2, 0.5)
    assert (config.worker_heartbeat_seconds, config.worker_maintenance_seconds) == (2, 5)
    with pytest.raises(ConfigError, match="GOOGLE_BREAKER_THRESHOLD must be between 1"):
        Config.from_env({"GOOGLE_BREAKER_THRESHOLD": "0"})
