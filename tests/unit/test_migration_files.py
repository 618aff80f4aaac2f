from pathlib import Path

import pytest

from server.store.migrations import DIM_PLACEHOLDER, MigrationError, discover


def test_repository_migrations_are_ordered_and_use_the_dimension_placeholder() -> None:
    found = discover()
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert found[0].version == 1
    cache = next(m for m in found if "vector(" in m.sql and "gmail_cache" in m.sql)
    assert DIM_PLACEHOLDER in cache.sql
    rendered = cache.render(768)
    assert "vector(768)" in rendered and DIM_PLACEHOLDER not in rendered


def test_misnamed_and_duplicate_migrations_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "001_b.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="two migrations have version 001"):
        discover(tmp_path)
    (tmp_path / "001_b.sql").unlink()
    (tmp_path / "2-bad.sql").write_text("SELECT 3;")
    with pytest.raises(MigrationError, match="NNN_lowercase_name"):
        discover(tmp_path)
