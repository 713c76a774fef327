"""The scheduler: phase starts, ends and closing reminders are carried out exactly once, catch up
after downtime, and only one scheduler runs per database.

The job function is called directly with a ``now`` for the rules; the APScheduler tests run the real
scheduler with its job store in the test database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL points there; .ci/run does both).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.core import scheduler as core_scheduler
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.notifications import jobs as notification_jobs
from app.notifications import services as notification_services
from app.notifications.models import Delivery, Event
from app.processes import jobs, services
from app.processes.models import PhaseKind, Process, ProcessFollow

H = timedelta(hours=1)
D = timedelta(days=1)
ROOT = Path(__file__).resolve().parents[2]
JOB = "processes.phase_transitions"


def _on_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _audit(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
        )


def _run(app, now):
    with app.app_context():
        try:
            return jobs.handle_due_transitions(now)
        finally:
            db.session.remove()


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


# --- the job's rules ----------------------------------------------------------------------------


def test_phase_start_and_end_are_carried_out_once(app, town, make_process):
    now = utcnow()
    make_process(town, phases=[(PhaseKind.PARTICIPATION, now - H, now + H)])
    first = _run(app, now)
    assert (first.started, first.ended) == (1, 0)
    assert _run(app, now).started == 0  # a re-run finds nothing left to do
    assert _audit(app, "phase.start") == 1
    later = _run(app, now + 2 * H)
    assert (later.started, later.ended) == (0, 1)
    _run(app, now + 3 * H)
    assert _audit(app, "phase.end") == 1


def test_catch_up_after_downtime_carries_out_every_transition_that_fell_due(
    app, town, make_process
):
    now = utcnow()
    make_process(
        town,
        phases=[
            (PhaseKind.INFORMATION, now - 10 * D, now - 5 * D),
            (PhaseKind.PARTICIPATION, now - 5 * D, now - D),
            (PhaseKind.EVALUATION, now - D, now + D),
        ],
    )
    report = _run(app, now)
    assert (report.started, report.ended) == (3, 2)
    with app.app_context():
        entries = list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "phase.start"))
        )
        assert {entry.after["kind"] for entry in entries} == {
            "information",
            "participation",
            "evaluation",
        }
        assert all(entry.actor_id is None for entry in entries)


def test_future_transitions_wait_for_their_time(app, town, make_process):
    now = utcnow()
    make_process(town, phases=[(PhaseKind.PARTICIPATION, now + H, now + 2 * H)])
    assert _run(app, now).started == 0
    assert _run(app, now + H).started == 1


@pytest.mark.parametrize("state", ["draft", "archived"])
def test_transitions_of_unpublished_processes_are_not_carried_out(app, town, make_process, state):
    now = utcnow()
    make_process(town, state=state, phases=[(PhaseKind.PARTICIPATION, now - D, now - H)])
    report = _run(app, now)
    assert (report.started, report.ended) == (0, 0)


def test_access_follows_the_phase_times_even_if_the_scheduler_never_ran(
    app, town, make_process, make_member
):
    from app.core.permissions import allowed

    process = make_process(town)  # participation running now; nothing handled
    citizen = make_member(town, Role.CITIZEN)
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        assert loaded.phases[0].start_handled_at is None
        user = db.session.get(type(citizen), citizen.id)
        assert allowed("process.contribute", user, loaded)


def test_transitions_send_signals_for_other_domains(app, town, make_process):
    now = utcnow()
    make_process(town, phases=[(PhaseKind.PARTICIPATION, now - D, now - H)])
    seen = []

    def listener(phase):
        seen.append(phase.kind.value)

    with jobs.phase_started.connected_to(listener), jobs.phase_ended.connected_to(listener):
        _run(app, now)
        _run(app, now)
    assert seen == ["participation", "participation"]  # one start, one end


# --- the closing reminder -----------------------------------------------------------------------


@pytest.fixture
def followed(app, town, make_process, make_user):
    """A participation phase ending in 3 days, 48 hours' reminder, two followers and one who left."""
    now = utcnow()
    process = make_process(
        town, xss=False, reminder_hours=48, phases=[(PhaseKind.PARTICIPATION, now - D, now + 3 * D)]
    )
    followers = [make_user(xss=False), make_user(xss=False)]
    leaver = make_user(xss=False, deleted_at=now)
    with app.app_context():
        for user in [*followers, leaver]:
            db.session.add(ProcessFollow(user_id=user.id, process_id=process.id))
        db.session.commit()
    return process, followers, now + 3 * D


def test_closing_reminder_goes_to_followers_once_reminder_hours_before_the_end(
    app, outbox, followed
):
    process, followers, ends_at = followed
    assert _run(app, ends_at - 49 * H).reminded == 0
    assert _run(app, ends_at - 47 * H).reminded == 1
    assert _run(app, ends_at - 46 * H).reminded == 0
    # The reminder is a notification (kind "phase_closing", in the daily summary by default).
    with app.app_context():
        notification_jobs.run_all(ends_at - 46 * H)
        notification_jobs.run_all(notification_services.mail_due(Delivery.DAILY, ends_at - 46 * H))
    for user in followers:
        mail = outbox.last_to(user.email)
        assert "closes on" in outbox.body(mail) or "endet am" in outbox.body(mail)
        assert f"/processes/{process.slug}/" in outbox.body(mail)
    assert len(outbox.messages) == 2  # the deleted account gets nothing


def test_no_reminder_once_the_phase_has_ended(app, outbox, followed):
    _process, _followers, ends_at = followed
    report = _run(app, ends_at + H)  # the scheduler was down during the reminder window
    assert report.reminded == 0 and report.ended == 1
    assert outbox.messages == []


def test_no_reminder_without_reminder_hours(app, outbox, town, make_process, make_user):
    now = utcnow()
    process = make_process(town, phases=[(PhaseKind.PARTICIPATION, now - D, now + H)])
    user = make_user()
    with app.app_context():
        db.session.add(ProcessFollow(user_id=user.id, process_id=process.id))
        db.session.commit()
    assert _run(app, now).reminded == 0


def test_moving_the_end_allows_a_new_reminder(app, outbox, followed, make_member, town):
    process, _followers, ends_at = followed
    _run(app, ends_at - 47 * H)
    staff = make_member(town, Role.STAFF)
    with app.app_context(), app.test_request_context():
        phase = db.session.get(Process, process.id).phases[0]
        services.update_phase(
            db.session.get(type(staff), staff.id),
            phase,
            services.PhaseData(
                kind=phase.kind,
                title=phase.title,
                starts_at=phase.starts_at,
                ends_at=ends_at + 5 * D,
            ),
        )
        db.session.commit()
    assert _run(app, ends_at - 47 * H).reminded == 0
    assert _run(app, ends_at + 5 * D - 47 * H).reminded == 1


# --- APScheduler, the job store and the single runner ------------------------------------------


@pytest.fixture
def clean_job_store(app):
    yield
    with app.app_context():
        db.session.execute(text(f"DROP TABLE IF EXISTS {core_scheduler.JOB_TABLE}"))
        db.session.commit()


@pytest.fixture
def counted_job(monkeypatch):
    """Count the runs of the phase job (the real job still runs)."""
    runs: list = []
    original = core_scheduler.registered_jobs()[JOB]

    def counting(now):
        runs.append(now)
        original.func(now)

    monkeypatch.setitem(
        core_scheduler._JOBS, JOB, core_scheduler.PeriodicJob(JOB, counting, original.seconds)
    )
    return runs


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_job_due_in_the_past_runs_once_after_restart(
    app, town, make_process, clean_job_store, counted_job
):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    first = core_scheduler.Scheduler(app)
    assert first.start()
    assert _wait_for(lambda: len(counted_job) == 1)  # runs once at its first start
    first.stop()

    # While nothing ran: a phase started and ended, and ten runs of the job were missed.
    now = utcnow()
    make_process(town, phases=[(PhaseKind.PARTICIPATION, now - D, now - H)])
    with app.app_context():
        store = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
            },
            timezone="UTC",
        )
        store.start(paused=True)
        store.modify_job(JOB, next_run_time=now - timedelta(minutes=10))
        store.remove_jobstore("default", shutdown=False)  # keep the stored job as it is
        store.shutdown()

    restarted = core_scheduler.Scheduler(app)
    assert restarted.start()
    try:
        assert _wait_for(lambda: _audit(app, "phase.end") == 1)
        time.sleep(0.5)
        assert len(counted_job) == 2  # the ten missed runs were coalesced into one
        assert _audit(app, "phase.start") == 1
        next_run = restarted.scheduler.get_job(JOB).next_run_time
        assert next_run > now
    finally:
        restarted.stop()


def test_two_app_instances_do_not_both_run_the_scheduler(app, clean_job_store):
    from app import create_app

    other_instance = create_app("testing")  # same TEST_DATABASE_URL: the same database
    first = core_scheduler.Scheduler(app)
    second = core_scheduler.Scheduler(other_instance)
    assert first.start()
    try:
        assert not second.start()
        assert not second.running
    finally:
        first.stop()
    assert second.start()  # the standby takes over once the first has stopped
    second.stop()
    with other_instance.app_context():
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(
    not _on_postgres(), reason="needs PostgreSQL (TEST_DATABASE_URL) for concurrent runners"
)
def test_two_runners_at_once_carry_out_each_transition_once_on_postgres(
    app, outbox, town, make_process, make_user
):
    """Even without the lock (say, after a lost lock connection), the conditional updates decide."""
    now = utcnow()
    for _ in range(5):
        process = make_process(
            town,
            xss=False,
            reminder_hours=48,
            phases=[
                (PhaseKind.INFORMATION, now - 3 * D, now - D),
                (PhaseKind.PARTICIPATION, now - D, now + H),
            ],
        )
        follower = make_user(xss=False)
        with app.app_context():
            db.session.add(ProcessFollow(user_id=follower.id, process_id=process.id))
            db.session.commit()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def runner():
        try:
            barrier.wait()
            _run(app, now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert _audit(app, "phase.start") == 10
    assert _audit(app, "phase.end") == 5
    assert _audit(app, "phase.reminder") == 5
    with app.app_context():
        kinds = db.session.scalars(select(Event.kind)).all()
    assert sorted(kinds) == sorted(["phase_closing"] * 5 + ["process_phase"] * 10)


@pytest.mark.postgres
@pytest.mark.skipif(not _on_postgres(), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_the_scheduler_lock_is_a_postgres_advisory_lock(app, clean_job_store):
    runner = core_scheduler.Scheduler(app)
    assert runner.start()
    try:
        with app.app_context():
            held = db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            )
        assert held == 1
        assert runner.lock.still_held()
    finally:
        runner.stop()


# --- the command --------------------------------------------------------------------------------


def _flask(*args, env, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def test_scheduler_command_runs_due_transitions_and_a_second_one_refuses(tmp_path):
    """``flask scheduler`` on a migrated database: catches up, leaves ``db check`` clean, and a
    second ``--no-wait`` scheduler exits because the first holds the lock."""
    database = tmp_path / "scheduled.db"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "TRIALOG_CONFIG": "development",
        "MAIL_SERVER": "",
        "FLASK_DEBUG": "0",
    }
    assert _flask("db", "upgrade", env=env).wait(120) == 0
    assert _flask("seed-demo", env=env).wait(120) == 0

    import sqlite3

    def audited() -> int:
        with sqlite3.connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM audit_entries WHERE action = 'phase.start'"
            ).fetchone()[0]

    def started() -> int:
        """The phases of the demo's published processes that have started by now (the demo grows
        with every format, so the test counts them rather than knowing their number)."""
        with sqlite3.connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM phases JOIN processes ON processes.id = phases.process_id "
                "WHERE processes.state = 'published' AND phases.starts_at <= ?",
                (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),),
            ).fetchone()[0]

    due = started()
    assert due > 0
    first = _flask("scheduler", env=env)
    try:
        assert _wait_for(lambda: audited() == due, 60), first.stdout
        second = _flask("scheduler", "--no-wait", env=env)
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 0
        assert "Another scheduler is running" in output
        check = _flask("db", "check", env=env)
        check_output, _ = check.communicate(timeout=60)
        assert check.returncode == 0, check_output  # the job store table is not a schema change
    finally:
        first.send_signal(signal.SIGTERM)
        output, _ = first.communicate(timeout=60)
    assert "Scheduler stopped." in output
    assert audited() == due
