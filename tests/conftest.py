"""Shared fixtures: one real embedded PostgreSQL and one real Redis per test session, a fresh database per module.

No fakes of PostgreSQL or Redis: tests that need them get the real servers, started in a temporary directory
(fsync off; nothing here needs to survive a crash) and stopped at the end of the session.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
import redis

from server.config import Config
from server.devinfra import EmbeddedPostgres, EmbeddedRedis
from server.store import migrations

TEMPLATE_DB = "wo_template"
_db_counter = itertools.count()
_redis_db_counter = itertools.count(1)  # db 0 is left for ad-hoc use


@dataclass
class Infra:
    """The session's servers."""

    pg: EmbeddedPostgres
    redis: EmbeddedRedis

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg.port}/postgres"

    def db_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg.port}/{name}"

    def redis_url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/{db}"


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    base = tmp_path_factory.mktemp("infra")
    pg = EmbeddedPostgres(base / "postgres", fast=True)
    rd = EmbeddedRedis(base / "redis", persist=False)
    pg.start()
    rd.start()
    infra = Infra(pg, rd)
    # One migrated template; every module's database is a cheap copy of it.
    with psycopg.connect(infra.admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    migrations.migrate(infra.db_url(TEMPLATE_DB), embedding_dim=384)
    try:
        yield infra
    finally:
        rd.stop()
        pg.stop()


def _safe_name(raw: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", raw.lower())[-40:]


def create_database(infra: Infra, label: str, template: str | None = TEMPLATE_DB) -> str:
    """A new database (a copy of the migrated template, or empty with template=None); returns its URL."""
    name = f"t{next(_db_counter)}_{_safe_name(label)}"
    with psycopg.connect(infra.admin_url(), autocommit=True) as conn:
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return infra.db_url(name)


@pytest.fixture(scope="module")
def database_url(infra: Infra, request: pytest.FixtureRequest) -> str:
    """A migrated database of this test module's own."""
    return create_database(infra, request.module.__name__)


@pytest.fixture
def empty_database_url(infra: Infra, request: pytest.FixtureRequest) -> str:
    """A database with nothing in it (for migration tests)."""
    return create_database(infra, request.node.name, template=None)


@pytest.fixture(scope="module")
def redis_url(infra: Infra) -> str:
    """A Redis logical database of this module's own, emptied first."""
    db = next(_redis_db_counter) % 16 or 1
    url = infra.redis_url(db)
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="module")
def config(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    return Config(database_url=database_url, redis_url=redis_url,
                  data_dir=Path(tmp_path_factory.mktemp("data")), testing=True, ready_timeout=1.0)


@pytest.fixture(scope="module")
def app(config: Config) -> Iterator[object]:
    from server.app import create_app

    app = create_app(config)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[object]:
    """A Google Workspace emulator of this test module's own, empty (tests create their users and data)."""
    from emulator.testing import EmulatorServer

    with EmulatorServer() as emu:
        yield emu


@pytest.fixture
def client(app: object) -> object:
    return app.test_client()  # type: ignore[attr-defined]
