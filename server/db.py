"""Database command line: `python -m server.db migrate` (and `status`).

With DATABASE_URL unset it uses the embedded PostgreSQL under DATA_DIR (starting it for the duration of the
command if it is not already running).
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Iterator

import psycopg

from server.config import Config, ConfigError
from server.devinfra import EmbeddedPostgres
from server.logs import configure_logging
from server.store import migrations


@contextlib.contextmanager
def _database_url(config: Config) -> Iterator[str]:
    if config.database_url:
        yield config.database_url
        return
    pg = EmbeddedPostgres(config.data_dir / "postgres")
    try:
        yield pg.start()
    finally:
        pg.stop()  # only if this command started it


def main(argv: list[str] | None = None) -> int:
    """Run one database command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m server.db")
    parser.add_argument("command", choices=["migrate", "status"])
    args = parser.parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(config.log_level)
    with _database_url(config) as url:
        if args.command == "migrate":
            try:
                applied = migrations.migrate(url, config.embedding_dim)
            except migrations.MigrationError as exc:
                print(f"migration refused: {exc}", file=sys.stderr)
                return 1
            print(f"applied {len(applied)} migration(s): {applied}" if applied else "schema is up to date")
            return 0
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT version, name, embedding_dim, applied_at FROM schema_migrations ORDER BY version"
            ).fetchall()
        for version, name, dim, at in rows:
            print(f"{version:03d}_{name}  dim={dim}  applied {at:%Y-%m-%d %H:%M:%S}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
