"""Serialising writes to one row across workers: ``lock_row``.

A read-check-write (is the outcome published yet? is a version being written?) decides wrongly
when two requests read before either writes. Where the write itself cannot carry the check (one
conditional ``UPDATE``, ``INSERT ... ON CONFLICT``), the request takes the row's lock first and
reads again after it: a second request waits for the first to commit and then sees what it did.
"""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db


def lock_row(model: type, row_id: int) -> bool:
    """Hold the row of ``model`` with primary key ``row_id`` until the transaction ends.

    An ``UPDATE`` that sets the key to itself: PostgreSQL takes the row lock (a concurrent holder
    makes it wait), SQLite its write lock (one writer at a time), where ``SELECT ... FOR UPDATE``
    would lock nothing on SQLite. Columns that change on every update keep their value. Objects
    already loaded are not refreshed: read what the check needs after this. False when there is
    no such row.
    """
    table = model.__table__
    (key,) = table.primary_key.columns
    kept = {c.name: c for c in table.columns if c.primary_key or c.onupdate is not None}
    locked = db.session.execute(
        update(table).where(key == row_id).values(kept),
        execution_options={"synchronize_session": False},
    )
    return locked.rowcount == 1
