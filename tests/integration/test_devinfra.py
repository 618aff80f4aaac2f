"""The embedded servers: started on loopback, reused when already running, stopped only by whoever started them."""
from pathlib import Path

import psycopg
import redis

from server.config import Config
from server.devinfra import EmbeddedPostgres, EmbeddedRedis, infrastructure


def _pg_alive(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_postgres_is_reused_and_only_its_starter_stops_it(tmp_path: Path) -> None:
    first = EmbeddedPostgres(tmp_path / "pg", fast=True)
    url = first.start()
    try:
        assert first.started and url.startswith("postgresql://postgres@127.0.0.1:")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
            assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("18")
        second = EmbeddedPostgres(tmp_path / "pg")
        assert second.start() == url and not second.started
        second.stop()
        assert _pg_alive(url), "a reusing handle must not stop a server it did not start"
    finally:
        first.stop()
    assert not _pg_alive(url)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()


def test_redis_is_reused_and_only_its_starter_stops_it(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "redis", persist=False)
    url = first.start()
    try:
        second = EmbeddedRedis(tmp_path / "redis")
        assert second.start() == url and not second.started
        second.stop()
        assert redis.Redis.from_url(url).ping()
    finally:
        first.stop()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        alive = True
    except redis.ConnectionError:
        alive = False
    assert not alive


def test_configured_urls_start_nothing(tmp_path: Path) -> None:
    given = Config(database_url="postgresql://elsewhere/db", redis_url="redis://elsewhere:6379/0",
                   data_dir=tmp_path)
    with infrastructure(given) as ready:
        assert ready.database_url == given.database_url and ready.redis_url == given.redis_url
    assert not (tmp_path / "postgres").exists() and not (tmp_path / "redis").exists()
