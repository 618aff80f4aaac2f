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
