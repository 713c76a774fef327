"""The report's participation figures, kept per process and shared by every worker.

Counting them (``reports.count_figures``) reads every contribution, support and reaction of a
process: milliseconds for a village, seconds for a city's process with 100,000 proposals. The last
count is kept in ``report_figures`` (``ReportFigures``) and used as follows:

- **Exact while counting is cheap.** A count is reused as exact while nothing was written since it
  was made: the page cache's write generation, raised after every committed write, is still the one
  it was made at. Without a page cache there is no generation, and a cheap count is made again on
  every view, as before.
- **Bounded in age where counting is expensive.** A count that took ``REPORT_FIGURES_SLOW_SECONDS``
  or longer is reused for ``REPORT_FIGURES_MAX_AGE`` seconds even after writes. The page then says
  when it was counted ("Stand: ...") and offers staff to count now.
- **One count at a time.** An outdated expensive count is made again by the one request that
  claims its row (``UPDATE ... WHERE refreshing_until IS NULL OR refreshing_until < now``, atomic
  on PostgreSQL and SQLite); the others keep serving the previous count. Without any count yet,
  they wait for the first one (``FIRST_WAIT`` at most, then count themselves).
- **Counted ahead.** The scheduler counts expensive processes again before their count expires
  (``outcomes.report_figures``), so that views rarely count at all.

The answer promise's record is not kept: it is read from its own index on every view
(``promise.answer_record``) and moves with the clock.

Rows are written through a session of their own, committed at once: the claim must be seen by
the other workers while this one counts, and a reading request must not commit its session. The
table is one of the page cache's private tables, so keeping a count outdates no page (and not the
count itself).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.core import page_cache
from app.core.scheduler import periodic
from app.core.time import utcnow
from app.extensions import db
from app.outcomes import reports
from app.outcomes.models import ReportFigures
from app.processes.models import Process
from app.proposals import promise

_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
FIRST_WAIT = 30.0  # seconds a view waits for another one's first count before counting itself
POLL = 0.2  # seconds between two looks at the row while waiting
MIN_LEASE = 60.0  # seconds a claim holds at least (a worker that died frees it after that)


@dataclass(frozen=True)
class Kept:
    """The figures a page shows, when they were counted, and whether they are exact now."""

    figures: reports.Figures
    computed_at: datetime
    live: bool  # counted for this view, or nothing written since


def _read(process_id: int):
    return db.session.execute(
        select(ReportFigures.__table__).where(ReportFigures.process_id == process_id)
    ).one_or_none()


def _lease(seconds_taken: float) -> timedelta:
    return timedelta(seconds=max(MIN_LEASE, 3 * seconds_taken))


@contextmanager
def _apart() -> Iterator[Session]:
    """A session of its own, committed when the block ends: the request's session may hold a read
    transaction, which must not be committed. (A new session rather than a bare connection, so
    that it joins whatever the app's sessions are bound to, as tests bind them to one connection.)
    """
    session = db.session.session_factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def _write(statement) -> int:
    with _apart() as session:
        return session.execute(statement).rowcount


def _claim(process_id: int, now: datetime, seconds_taken: float) -> bool:
    """Claim the recount of ``process_id``'s figures; False when another one holds the claim."""
    return (
        _write(
            update(ReportFigures)
            .where(
                ReportFigures.process_id == process_id,
                or_(ReportFigures.refreshing_until.is_(None), ReportFigures.refreshing_until < now),
            )
            .values(refreshing_until=now + _lease(seconds_taken))
        )
        == 1
    )


def _claim_first(process_id: int, now: datetime) -> bool:
    """Claim the first count of a process: a row without figures, unless one exists already."""
    insert = _INSERTS[db.engine.dialect.name]
    with _apart() as session:  # RETURNING: an insert's rowcount is not reliable
        created = session.execute(
            insert(ReportFigures)
            .values(process_id=process_id, seconds_taken=0.0, refreshing_until=now + _lease(0))
            .on_conflict_do_nothing(index_elements=["process_id"])
            .returning(ReportFigures.process_id)
        ).first()
    return created is not None or _claim(process_id, now, 0.0)


def _store(process_id: int, counted: dict, now: datetime, generation, seconds: float) -> None:
    insert = _INSERTS[db.engine.dialect.name]
    values = {
        "data": counted,
        "computed_at": now,
        "generation": generation,
        "seconds_taken": seconds,
        "refreshing_until": None,
    }
    _write(
        insert(ReportFigures)
        .values(process_id=process_id, **values)
        .on_conflict_do_update(index_elements=["process_id"], set_=values)
    )


def _count(process: Process, now: datetime, generation) -> tuple[dict, datetime]:
    started = time.perf_counter()
    counted = reports.count_figures(process)
    _store(process.id, counted, now, generation, time.perf_counter() - started)
    return counted, now


def _wait_for_first(process_id: int):
    """The first count another view is making, once it is there (None after ``FIRST_WAIT``)."""
    deadline = time.monotonic() + FIRST_WAIT
    while time.monotonic() < deadline:
        time.sleep(POLL)
        row = _read(process_id)
        if row is not None and row.data is not None:
            return row
    return None


def _figures(process: Process, now: datetime, *, recount: bool) -> tuple[dict, datetime, bool]:
    """(counted data, when counted, exact now?) as the rules in the module's docstring say."""
    config = current_app.config
    # asked before counting: a write meanwhile outdates the new count
    generation = page_cache.generation()
    row = _read(process.id)
    if row is None or row.data is None:
        if not _claim_first(process.id, now):
            waited = _wait_for_first(process.id)
            if waited is not None:
                return waited.data, waited.computed_at, False
        counted, at = _count(process, now, generation)
        return counted, at, True
    if not recount:
        unchanged = generation is not None and row.generation == generation
        expensive = row.seconds_taken >= config["REPORT_FIGURES_SLOW_SECONDS"]
        age = (now - row.computed_at).total_seconds()
        if age < config["REPORT_FIGURES_MAX_AGE"] and (unchanged or expensive):
            return row.data, row.computed_at, unchanged
        if expensive and not _claim(process.id, now, row.seconds_taken):
            return row.data, row.computed_at, False  # another view is counting
    elif not _claim(process.id, now, row.seconds_taken):
        return row.data, row.computed_at, False
    counted, at = _count(process, now, generation)
    return counted, at, True


def figures(process: Process, now: datetime, *, recount: bool = False) -> Kept:
    """The report's figures of ``process``: kept or counted now (``recount``: counted now unless
    another view is counting already)."""
    counted, computed_at, live = _figures(process, now, recount=recount)
    record = promise.answer_record(process, now)
    return Kept(reports.figures_from(counted, record), computed_at, live)


@periodic("outcomes.report_figures", seconds=60)
def count_ahead(now: datetime) -> int:
    """Count expensive processes again once half their maximum age has passed, before a view has
    to (each claimed like a view's count, so a view counting at the same time is not repeated)."""
    config = current_app.config
    due = now - timedelta(seconds=config["REPORT_FIGURES_MAX_AGE"] / 2)
    rows = db.session.execute(
        select(ReportFigures.process_id, ReportFigures.seconds_taken).where(
            ReportFigures.seconds_taken >= config["REPORT_FIGURES_SLOW_SECONDS"],
            ReportFigures.computed_at < due,
        )
    ).all()
    counted = 0
    for process_id, seconds_taken in rows:
        process = db.session.get(Process, process_id)
        if process is None or not _claim(process_id, now, seconds_taken):
            continue
        _count(process, utcnow(), page_cache.generation())
        db.session.rollback()  # end the read transaction between two long counts
        counted += 1
    return counted
