"""Serialising writes to one row across workers: ``lock_row``, and ``stamp_once`` for a row that
changes once (published, accepted, lifted).

A read-check-write (is the outcome published yet? is a version being written?) decides wrongly
when two requests read before either writes. Where the write itself cannot carry the check (one
conditional ``UPDATE``, ``INSERT ... ON CONFLICT``), the request takes the row's lock first and
reads again after it: a second request waits for the first to commit and then sees what it did.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

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


def stamp_once(row: object, unset: str, **values: object) -> bool:
    """Write ``values`` into ``row`` if its column ``unset`` is still empty (NULL), in one
    conditional ``UPDATE``: of several requests at once (a double click, two people) exactly one
    gets True and goes on; the others find the stamp there and get False. The values show on
    ``row`` in this session without a reload when True.
    """
    model = type(row)
    (key,) = model.__table__.primary_key.columns
    stamped = db.session.execute(
        update(model)
        .where(key == getattr(row, key.key), getattr(model, unset).is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stamped != 1:
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True
