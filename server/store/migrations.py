"""Schema migrations: apply `sql/NNN_name.sql` in order, once each, recording what was applied.

The embedding dimension is configuration (`EMBEDDING_DIM`) *and* schema (`vector(N)` columns). Migration files
write `{{EMBEDDING_DIM}}` where the dimension goes; it is filled in when a file is first applied. Afterwards the
dimension in the catalog is the truth, and a configuration that disagrees with it is refused before anything runs,
because writing 1536-d vectors into a 384-d index would fail row by row much later, in a worker.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from server.config import REPO_ROOT

log = logging.getLogger(__name__)

MIGRATIONS_DIR = REPO_ROOT / "sql"
DIM_PLACEHOLDER = "{{EMBEDDING_DIM}}"
# pg_advisory_lock key: two processes migrating at once (web and worker starting together) take turns.
_LOCK_KEY = 0x574F_4D49  # "WOMI"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The schema cannot be brought up to date; the message says why and what to do."""


class EmbeddingDimensionMismatch(MigrationError):
    """The configured embedding dimension differs from the one the schema was created with."""


@dataclass(frozen=True)
class Migration:
    """One `sql/NNN_name.sql` file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def render(self, embedding_dim: int) -> str:
        """The SQL with the embedding dimension filled in."""
        return self.sql.replace(DIM_PLACEHOLDER, str(int(embedding_dim)))


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files in version order; a misnamed file or a repeated version is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_lowercase_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"two migrations have version {version:03d}")
        found[version] = Migration(version, match.group(2), path.read_text())
    return [found[v] for v in sorted(found)]


def schema_embedding_dims(conn: psycopg.Connection) -> dict[str, int]:
    """The dimension of every `embedding vector(N)` column in the current schema, by table."""
    rows = conn.execute(
        """
        SELECT c.relname, a.atttypmod
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
         WHERE n.nspname = current_schema()
           AND a.attname = 'embedding' AND t.typname = 'vector' AND NOT a.attisdropped
           AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        """
    ).fetchall()
    return {name: int(dim) for name, dim in rows}


def check_embedding_dim(conn: psycopg.Connection, embedding_dim: int) -> None:
    """Refuse a configured dimension that differs from the schema's (no-op on an empty schema)."""
    wrong = {t: d for t, d in schema_embedding_dims(conn).items() if d != embedding_dim}
    if wrong:
        have = sorted(set(wrong.values()))
        raise EmbeddingDimensionMismatch(
            f"EMBEDDING_DIM is {embedding_dim}, but the database's embedding columns are "
            f"vector({', '.join(map(str, have))}) ({', '.join(sorted(wrong))}). Set EMBEDDING_DIM={have[0]} "
            f"to match the database (and the embedding model that filled it), or point DATABASE_URL at a "
            f"fresh database to re-index with the new model."
        )


def migrate(database_url: str, embedding_dim: int, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every pending migration, each in its own transaction; returns the versions applied now."""
    migrations = discover(directory)
    applied_now: list[int] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version       integer PRIMARY KEY,
                    name          text NOT NULL,
                    checksum      text NOT NULL,
                    embedding_dim integer NOT NULL,
                    applied_at    timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            check_embedding_dim(conn, embedding_dim)
            done = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for m in migrations:
                if m.version in done:
                    if done[m.version] != m.checksum:
                        raise MigrationError(
                            f"sql/{m.version:03d}_{m.name}.sql was changed after it was applied; add a new "
                            f"migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(m.render(embedding_dim))  # no parameters: the simple protocol runs the whole file
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum, embedding_dim) "
                        "VALUES (%s, %s, %s, %s)",
                        (m.version, m.name, m.checksum, embedding_dim),
                    )
                applied_now.append(m.version)
                log.info("applied migration", extra={"version": m.version, "migration": m.name})
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
