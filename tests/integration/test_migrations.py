"""Migrations against a real PostgreSQL: idempotent, concurrent-safe, and strict about the embedding dimension."""
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from server.config import REPO_ROOT
from server.store import migrations
from server.store.migrations import EmbeddingDimensionMismatch, MigrationError


def schema_snapshot(url: str) -> list[tuple]:
    """Every column, constraint and index definition of the public schema, in a stable order."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            """SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression
                 FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"""
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        constraints = conn.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                 FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"""
        ).fetchall()
        rows = conn.execute("SELECT version, checksum FROM schema_migrations ORDER BY 1").fetchall()
    return columns + indexes + constraints + rows


def test_migrating_twice_changes_nothing(empty_database_url: str) -> None:
    applied = migrations.migrate(empty_database_url, 384)
    assert applied == [m.version for m in migrations.discover()]
    before = schema_snapshot(empty_database_url)
    assert migrations.migrate(empty_database_url, 384) == []
    assert schema_snapshot(empty_database_url) == before


def test_the_schema_takes_the_configured_dimension(empty_database_url: str) -> None:
    migrations.migrate(empty_database_url, 8)
    with psycopg.connect(empty_database_url) as conn:
        dims = migrations.schema_embedding_dims(conn)
    assert dims == {"gmail_cache": 8, "gcal_cache": 8, "gdrive_cache": 8}


def test_a_different_embedding_dimension_is_refused_before_anything_runs(empty_database_url: str) -> None:
    migrations.migrate(empty_database_url, 384)
    before = schema_snapshot(empty_database_url)
    with pytest.raises(EmbeddingDimensionMismatch) as caught:
        migrations.migrate(empty_database_url, 1536)
    message = str(caught.value)
    assert "EMBEDDING_DIM is 1536" in message and "vector(384)" in message and "EMBEDDING_DIM=384" in message
    assert schema_snapshot(empty_database_url) == before


def test_the_cli_refuses_a_wrong_dimension_with_a_clear_message(empty_database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": empty_database_url, "DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "server.db", "migrate"], env={**env, "EMBEDDING_DIM": "384"},
                        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert f"applied {len(migrations.discover())} migration(s)" in ok.stdout
    refused = subprocess.run([sys.executable, "-m", "server.db", "migrate"],
                             env={**env, "EMBEDDING_DIM": "1536"}, cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1
    assert "migration refused: EMBEDDING_DIM is 1536" in refused.stderr


def test_an_applied_migration_that_was_edited_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    for path in migrations.discover():
        shutil.copy(REPO_ROOT / "sql" / f"{path.version:03d}_{path.name}.sql", tmp_path)
    migrations.migrate(empty_database_url, 384, directory=tmp_path)
    first = sorted(tmp_path.glob("001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="was changed after it was applied"):
        migrations.migrate(empty_database_url, 384, directory=tmp_path)


def test_concurrent_migrations_apply_each_file_once(empty_database_url: str) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(migrations.migrate(empty_database_url, 384))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    applied = sorted(v for r in results for v in r)
    assert applied == [m.version for m in migrations.discover()]
