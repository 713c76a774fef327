"""The one background scheduler: APScheduler with its job store in the app's database.

Exactly one scheduler runs however many web workers serve: ``flask --app wsgi scheduler`` runs it
as its own process, and a database lock held for its lifetime (a PostgreSQL advisory lock, on SQLite
a file lock next to the database file) turns every further scheduler into a standby that waits.
Each job still guards each of its side effects with an atomic conditional update, so even two
runners (say, after a lost lock connection) carry each out once.

Domains register periodic jobs with ``@periodic``; a job is a function ``(now) -> None`` that runs
in an app context and commits its own work. The job store keeps the next run time, and misfired
runs are coalesced into one: a job that fell due while nothing ran runs once at the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from app.core.time import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"  # created by APScheduler itself; Alembic leaves it alone
ADVISORY_LOCK_KEY = 0x7472_6961_6C67  # "trialg": one bigint shared by every Trialog scheduler

JobFunction = Callable[[datetime], None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: JobFunction
    seconds: int


_JOBS: dict[str, PeriodicJob] = {}
_app: Flask | None = None  # the app whose context the running scheduler's jobs use


def periodic(name: str, *, seconds: int) -> Callable[[JobFunction], JobFunction]:
    """Register ``func`` to run every ``seconds`` (and once at the scheduler's first start)."""

    def register(func: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name].func is not func:
            raise ValueError(f"scheduled job {name!r} is registered twice")
        _JOBS[name] = PeriodicJob(name, func, seconds)
        return func

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def run_job(name: str) -> None:
    """What the job store calls (by this module's textual reference): the named job, in context."""
    if _app is None:
        raise RuntimeError("run_job needs a running Scheduler")
    job = _JOBS[name]
    with _app.app_context():
        try:
            job.func(utcnow())
        except Exception:
            db.session.rollback()
            log.exception("scheduled job %s failed", name)
            raise
        finally:
            db.session.remove()


# --- the single-runner lock -----------------------------------------------------------------------


class SingleRunnerLock:
    """Held while a scheduler runs; ``acquire`` answers False while another process holds it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._file: IO | None = None
        self.held = False

    def _lock_file_path(self) -> Path | None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None  # an in-memory database lives in one process: nothing to share
        return Path(f"{database}.scheduler.lock")

    def acquire(self) -> bool:
        if self.held:
            return True
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
            connection.commit()  # the session lock outlives the transaction; don't idle in one
            if not got:
                connection.close()
                return False
            self._connection = connection
        elif dialect == "sqlite":
            path = self._lock_file_path()
            if path is not None:
                handle = path.open("a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    return False
                self._file = handle
        else:
            raise RuntimeError(f"no single-runner lock for the {dialect} database")
        self.held = True
        return True

    def still_held(self) -> bool:
        """False when the lock's database connection has gone (and with it the lock)."""
        if not self.held:
            return False
        if self._connection is None:
            return True
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            log.exception("the scheduler lost its lock connection")
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self._connection.commit()
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self.held = False


# --- the scheduler --------------------------------------------------------------------------------


class Scheduler:
    """One app's APScheduler, started only under the single-runner lock."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            self.engine = db.engine
        self.lock = SingleRunnerLock(self.engine)
        self.scheduler: BackgroundScheduler | None = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def start(self) -> bool:
        """Take the lock and start; False (and nothing started) while another scheduler runs."""
        global _app
        if not self.lock.acquire():
            return False
        _app = self.app
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )
        self.scheduler.start(paused=True)
        self._sync_jobs()
        self.scheduler.resume()
        log.info("scheduler started with jobs: %s", ", ".join(sorted(_JOBS)) or "none")
        return True

    def _sync_jobs(self) -> None:
        """Store each registered job once; a stored job keeps its (possibly overdue) run time."""
        assert self.scheduler is not None
        now = utcnow()
        for stored in self.scheduler.get_jobs():
            if stored.id not in _JOBS:
                self.scheduler.remove_job(stored.id)
        for job in _JOBS.values():
            stored = self.scheduler.get_job(job.name)
            interval = timedelta(seconds=job.seconds)
            if stored is None:
                self.scheduler.add_job(
                    run_job,
                    IntervalTrigger(seconds=job.seconds, timezone="UTC"),
                    args=[job.name],
                    id=job.name,
                    name=job.name,
                    next_run_time=now,
                )
            elif getattr(stored.trigger, "interval", None) != interval:
                self.scheduler.modify_job(
                    job.name,
                    trigger=IntervalTrigger(seconds=job.seconds, timezone="UTC"),
                    next_run_time=min(stored.next_run_time or now, now),
                )

    def stop(self) -> None:
        global _app
        if self.scheduler is not None:
            # Detach the job store first: APScheduler's loop looks for due jobs once more after
            # shutdown and would mark a due run as done although its executor is already closed.
            self.scheduler.pause()
            self.scheduler.remove_jobstore("default", shutdown=False)
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        if _app is self.app:
            _app = None
        self.lock.release()
