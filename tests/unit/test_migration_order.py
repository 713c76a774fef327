"""Migration revisions apply in the order their numbers (and file names) suggest."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _chain() -> list[tuple[str, str, str | None]]:
    rows = []
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = ['\"](\w+)['\"]", source, re.M).group(1)
        down = re.search(r"^down_revision = (?:['\"](\w+)['\"]|None)", source, re.M).group(1)
        rows.append((path.name, revision, down))
    return rows


def test_each_file_names_its_revision_and_follows_the_one_listed_before_it():
    previous = None
    for name, revision, down in _chain():
        assert name.startswith(f"{revision}_"), name
        assert down == previous, f"{name} revises {down}, but the file before it is {previous}"
        previous = revision


def test_a_database_stopped_inside_the_renumbered_range_is_corrected(tmp_path):
    from app.core.migrations import renumber_revisions

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.connect() as connection:
        # Before the renumbering, "0006" meant: surveys applied, moderation not yet.
        for table in ("comments", "surveys"):
            connection.execute(text(f"CREATE TABLE {table} (id INTEGER)"))
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0006')"))
        connection.commit()
        assert renumber_revisions(connection) == "0005"
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert stored == "0005"
        assert renumber_revisions(connection) is None  # once


def test_a_database_at_head_is_left_alone(tmp_path):
    from app.core.migrations import renumber_revisions

    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0018')"))
        connection.commit()
        assert renumber_revisions(connection) is None
