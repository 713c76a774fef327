"""Keeping existing databases right when migration files change their ids.

Revisions 0004-0007 were renumbered so that they apply in the order of their numbers (they used to
run 0003, 0005, 0006, 0007, 0004, 0008: proposals, written first, was applied after moderation).
The chain and what each migration does are unchanged, so a database at 0008 or later is not
affected. One stopped in between stored an id that now names another migration; the tables each of
those migrations creates tell which one really ran last, and ``migrations/env.py`` corrects the
stored id once, before Alembic reads it. Renumbering the ids (rather than renaming only the files)
keeps ids and file names telling the same order, which is what a reader of the folder expects.
"""

from __future__ import annotations

import logging

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# The new id of each renumbered revision and a table it creates, last applied first.
RENUMBERED = (
    ("0007", "proposals"),
    ("0006", "moderation_settings"),
    ("0005", "surveys"),
    ("0004", "comments"),
)


def actual_revision(connection: Connection) -> str:
    """Which renumbered revision this database really reached, judged by its tables."""
    inspector = inspect(connection)
    return next((rev for rev, table in RENUMBERED if inspector.has_table(table)), "0003")


def renumber_revisions(connection: Connection) -> str | None:
    """Correct a revision id stored before the renumbering; returns the corrected id, if any.

    Leaves no transaction open: Alembic would take an open one for the caller's and never commit.
    """
    try:
        return _renumber(connection)
    finally:
        if connection.in_transaction():
            connection.commit()


def _renumber(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if stored not in {rev for rev, _ in RENUMBERED}:
        return None
    actual = actual_revision(connection)
    if actual == stored:
        return None
    log.warning("Migration %s was renumbered; this database is at %s.", stored, actual)
    connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": actual})
    return actual
